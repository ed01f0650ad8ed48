#include "benchmarks/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "benchmarks/syscall_marker.h"

namespace hakmem::bench {
namespace {

std::vector<char*> ArgvOf(const std::string& path, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return text;
}

void RecordExit(int status, ProcessResult& result) {
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = -1;
    result.term_signal = WTERMSIG(status);
  }
}

// Forks a child with stdout on a pipe (or inherited when `stdout_fd` is
// null). `before_exec` runs in the child.
template <typename BeforeExec>
pid_t Spawn(const std::string& path, const std::vector<std::string>& args, int* stdout_fd,
            std::string* error, BeforeExec before_exec) {
  int pipe_fds[2] = {-1, -1};
  if (stdout_fd != nullptr && pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  std::vector<char*> argv = ArgvOf(path, args);
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    if (stdout_fd != nullptr) {
      close(pipe_fds[0]);
      close(pipe_fds[1]);
    }
    return -1;
  }
  if (pid == 0) {
    if (stdout_fd != nullptr) dup2(pipe_fds[1], STDOUT_FILENO);
    before_exec();
    execv(path.c_str(), argv.data());
    const char message[] = "benchmark runner: exec of the worker failed\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    _exit(127);
  }
  if (stdout_fd != nullptr) {
    close(pipe_fds[1]);
    *stdout_fd = pipe_fds[0];
  }
  return pid;
}

void Count(uint64_t number, MemorySyscalls& c) {
  switch (number) {
    case SYS_mmap: ++c.mmap; break;
    case SYS_munmap: ++c.munmap; break;
    case SYS_madvise: ++c.madvise; break;
    case SYS_mremap: ++c.mremap; break;
    case SYS_brk: ++c.brk; break;
    default: break;
  }
}

// Writes `counts` into the stopped thread `tid`'s memory at `address` (a
// TracedSyscallCounts), word by word. False if the address is not writable.
bool AnswerCountQuery(pid_t tid, uint64_t address, const MemorySyscalls& counts) {
  const uint64_t words[] = {kMarkerMagic, counts.mmap, counts.munmap, counts.madvise, counts.mremap, counts.brk};
  static_assert(sizeof words == sizeof(TracedSyscallCounts));
  for (size_t i = 0; i < sizeof words / sizeof words[0]; ++i) {
    const uint64_t target = address + i * sizeof(uint64_t);
    if (ptrace(PTRACE_POKEDATA, tid, reinterpret_cast<void*>(target), reinterpret_cast<void*>(words[i])) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

ProcessResult RunProcess(const std::string& path, const std::vector<std::string>& args) {
  ProcessResult result;
  int out_fd = -1;
  const pid_t pid = Spawn(path, args, &out_fd, &result.error, [] {});
  if (pid < 0) return result;
  result.started = true;
  result.output = ReadAll(out_fd);
  close(out_fd);
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      result.error = std::string("wait4: ") + std::strerror(errno);
      return result;
    }
  }
  RecordExit(status, result);
  result.peak_rss_kib = usage.ru_maxrss;
  return result;
}

TracedResult RunTracedCountingSyscalls(const std::string& path, const std::vector<std::string>& args,
                                       const TraceOptions& options) {
  TracedResult traced;
  ProcessResult& result = traced.process;
  int out_fd = -1;
  // The child stops itself so the tracer can set options before exec.
  const pid_t child = Spawn(path, args, options.capture_stdout ? &out_fd : nullptr, &result.error, [] {
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) _exit(126);
    raise(SIGSTOP);
  });
  if (child < 0) return traced;
  result.started = true;

  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
    result.error = "the traced worker did not stop (ptrace refused?)";
    RecordExit(status, result);
    if (out_fd >= 0) close(out_fd);
    return traced;
  }
  const long ptrace_options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
                              PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SETOPTIONS, child, nullptr, reinterpret_cast<void*>(ptrace_options)) != 0) {
    result.error = std::string("ptrace(PTRACE_SETOPTIONS): ") + std::strerror(errno);
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    if (out_fd >= 0) close(out_fd);
    return traced;
  }
  if (options.child_pid != nullptr) options.child_pid->store(child);
  ptrace(PTRACE_SYSCALL, child, nullptr, nullptr);

  bool counting = false;
  for (;;) {
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: every traced thread is gone
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (tid == child) RecordExit(status, result);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;

    const int stop_signal = WSTOPSIG(status);
    int signal_to_deliver = 0;
    if (stop_signal == (SIGTRAP | 0x80)) {
      struct __ptrace_syscall_info info;
      const long size = ptrace(PTRACE_GET_SYSCALL_INFO, tid, reinterpret_cast<void*>(sizeof info), &info);
      if (size > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY) {
        const uint64_t number = info.entry.nr;
        if (number == static_cast<uint64_t>(kMarkerSyscallNumber) && info.entry.args[0] == kMarkerMagic) {
          if (info.entry.args[1] == kMarkerCountingStarts) {
            counting = true;
            traced.saw_start_marker = true;
          } else if (info.entry.args[1] == kMarkerCountingStops) {
            counting = false;
            traced.saw_stop_marker = true;
          } else if (info.entry.args[1] == kMarkerQueryCounts &&
                     AnswerCountQuery(tid, info.entry.args[2], traced.since_exec)) {
            ++traced.queries_answered;
          }
        } else {
          Count(number, traced.since_exec);
          if (counting) Count(number, traced.counted);
        }
      }
    } else if (stop_signal == SIGTRAP && (status >> 16) != 0) {
      // A clone or exec event: nothing to deliver.
    } else if (stop_signal == SIGSTOP) {
      // The first stop of a thread attached through PTRACE_O_TRACECLONE.
    } else {
      signal_to_deliver = stop_signal;
    }
    ptrace(PTRACE_SYSCALL, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(signal_to_deliver)));
  }
  if (options.child_pid != nullptr) options.child_pid->store(0);
  if (out_fd >= 0) {
    result.output = ReadAll(out_fd);
    close(out_fd);
  }
  return traced;
}

}  // namespace hakmem::bench
