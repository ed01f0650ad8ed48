// Runs a helper program and collects its exit status and output.
#ifndef HAKMEM_ALLOCATOR_TESTS_SUBPROCESS_H_
#define HAKMEM_ALLOCATOR_TESTS_SUBPROCESS_H_

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

namespace hakmem_test {

struct ProgramResult {
  int status = -1;  // as from waitpid
  std::string output;  // stdout and stderr, interleaved

  bool ExitedWith(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  std::string Describe() const {
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status)) + ", output:\n" + output;
    if (WIFSIGNALED(status)) {
      return "killed by signal " + std::to_string(WTERMSIG(status)) +
             (WTERMSIG(status) == SIGALRM ? " (timed out: hung)" : "") + ", output:\n" + output;
    }
    return "status " + std::to_string(status);
  }
};

// Path of a data dependency in this package, e.g. "exit_with_live_blocks_api".
inline std::string RunfilePath(const std::string& name_in_package) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir ? srcdir : ".") + "/" + (workspace ? workspace : "hakmem") + "/allocator/tests/" +
         name_in_package;
}

// Runs `argv` (argv[0] is the path); a program still running after
// `timeout_seconds` is killed by SIGALRM (alarm() survives execve).
inline ProgramResult RunProgram(const std::vector<std::string>& argv, unsigned timeout_seconds = 30) {
  ProgramResult result;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return result;
  // Built before fork: the child only makes async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    alarm(timeout_seconds);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  char buffer[4096];
  ssize_t got;
  while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0) result.output.append(buffer, static_cast<size_t>(got));
  close(pipe_fds[0]);
  waitpid(pid, &result.status, 0);
  return result;
}

}  // namespace hakmem_test

#endif  // HAKMEM_ALLOCATOR_TESTS_SUBPROCESS_H_
