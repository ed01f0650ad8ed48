// Runs this test binary again as a child process with a chosen environment.
//
// HAKMEM_* gates are read once per process, so a test that wants to see a
// gate's effect re-executes itself (/proc/self/exe) in a named "child mode"
// with exactly the environment it wants, and inspects the exit status, stdout
// and stderr. Child modes are plain functions registered in main().
#ifndef HAKMEM_PROFILES_TESTS_CHILD_PROCESS_H_
#define HAKMEM_PROFILES_TESTS_CHILD_PROCESS_H_

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

namespace hakmem_test {

struct ChildResult {
  int status = -1;  // as from waitpid
  std::string out;  // the child's stdout
  std::string err;  // the child's stderr

  bool ExitedWith(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  bool KilledBy(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
  std::string Describe() const {
    std::string how = WIFEXITED(status)     ? "exit code " + std::to_string(WEXITSTATUS(status))
                      : WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                            : "status " + std::to_string(status);
    return how + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err + "--------------";
  }
};

inline constexpr const char kChildFlag[] = "--hakmem_child_mode=";

// Lines of `text` (without their '\n').
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Lines of `text` containing `needle`.
inline std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> found;
  for (const std::string& line : Lines(text)) {
    if (line.find(needle) != std::string::npos) found.push_back(line);
  }
  return found;
}

// The value printed by a child as "key=value" on a line of its own, or "".
inline std::string ValueOf(const std::string& text, const std::string& key) {
  for (const std::string& line : Lines(text)) {
    if (line.compare(0, key.size() + 1, key + "=") == 0) return line.substr(key.size() + 1);
  }
  return "";
}

inline unsigned long long NumberOf(const std::string& text, const std::string& key) {
  return std::strtoull(ValueOf(text, key).c_str(), nullptr, 10);
}

// Re-executes this binary in child mode `mode` with exactly `env` as its
// environment. A child still running after `timeout_seconds` gets SIGALRM.
inline ChildResult RunSelf(const std::string& mode, const std::vector<std::string>& env,
                           unsigned timeout_seconds = 120) {
  ChildResult result;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0) return result;
  if (pipe(err_pipe) != 0) return result;
  // Built before fork: the child only makes async-signal-safe calls.
  const std::string self = "/proc/self/exe";
  const std::string flag = std::string(kChildFlag) + mode;
  std::vector<char*> argv = {const_cast<char*>(self.c_str()), const_cast<char*>(flag.c_str()), nullptr};
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    close(out_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[0]);
    close(err_pipe[1]);
    alarm(timeout_seconds);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Both pipes at once: a child filling one while we block on the other would hang.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(got));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  waitpid(pid, &result.status, 0);
  return result;
}

struct ChildMode {
  const char* name;
  int (*main)();
};

// Call first in main(): when this process was started by RunSelf, runs the
// requested mode and exits with its return value; otherwise returns.
inline void RunChildModeIfAsked(int argc, char** argv, std::initializer_list<ChildMode> modes) {
  if (argc < 2 || std::strncmp(argv[1], kChildFlag, std::strlen(kChildFlag)) != 0) return;
  const char* wanted = argv[1] + std::strlen(kChildFlag);
  for (const ChildMode& mode : modes) {
    if (std::strcmp(mode.name, wanted) == 0) std::exit(mode.main());
  }
  std::_Exit(126);  // unknown mode: a bug in the test itself
}

}  // namespace hakmem_test

#endif  // HAKMEM_PROFILES_TESTS_CHILD_PROCESS_H_
