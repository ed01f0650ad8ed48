// trace_syscalls: runs a program under the benchmark's ptrace counter
// (benchmarks/process.h) and answers its count queries, so a soak binary run
// under it writes the memory OS calls of every thread into its CSV: the soak's
// syscall variant. Output passes straight through.
//
//   trace_syscalls PROGRAM [ARGS...]
//
// Exits with the program's exit status (128 + signal when a signal killed
// it), 125 when the program could not be traced. SIGINT and SIGTERM are
// forwarded to the program, which ends its run cleanly; the tracer itself
// stays until the program is gone (if it died first, the program would be
// killed with it: PTRACE_O_EXITKILL).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "benchmarks/process.h"

namespace {

constexpr int kExitNotTraced = 125;

std::atomic<pid_t> g_child{0};

extern "C" void ForwardSignal(int signal_number) {
  const pid_t child = g_child.load();
  if (child > 0) kill(child, signal_number);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
    return 2;
  }
  // A handler rather than SIG_IGN: ignored signals would stay ignored in the
  // program across exec.
  struct sigaction action = {};
  action.sa_handler = ForwardSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  hakmem::bench::TraceOptions options;
  options.capture_stdout = false;
  options.child_pid = &g_child;
  const std::vector<std::string> args(argv + 2, argv + argc);
  const hakmem::bench::TracedResult traced = hakmem::bench::RunTracedCountingSyscalls(argv[1], args, options);
  const hakmem::bench::ProcessResult& process = traced.process;
  if (!process.started || !process.error.empty()) {
    std::fprintf(stderr, "%s: cannot trace %s: %s\n", argv[0], argv[1], process.error.c_str());
    return kExitNotTraced;
  }
  if (process.exit_code < 0) return 128 + process.term_signal;
  return process.exit_code;
}
