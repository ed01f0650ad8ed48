// Running a benchmark worker as a child process: plainly (for timing and peak
// RSS) or under ptrace (for counting its memory-related OS calls).
#ifndef HAKMEM_BENCHMARKS_PROCESS_H_
#define HAKMEM_BENCHMARKS_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace hakmem::bench {

struct ProcessResult {
  bool started = false;
  int exit_code = -1;    // -1 when killed by a signal
  int term_signal = 0;   // the signal, when killed by one
  std::string output;    // everything written to stdout
  int64_t peak_rss_kib = 0;  // ru_maxrss from wait4()
  std::string error;     // why it could not be started or waited for
};

// Runs `path args...`, stdout captured, stderr inherited.
ProcessResult RunProcess(const std::string& path, const std::vector<std::string>& args);

// The OS calls an allocator uses to get and return memory.
struct MemorySyscalls {
  uint64_t mmap = 0;
  uint64_t munmap = 0;
  uint64_t madvise = 0;
  uint64_t mremap = 0;
  uint64_t brk = 0;
};

struct TracedResult {
  ProcessResult process;
  MemorySyscalls counted;  // only between the two markers (syscall_marker.h)
  MemorySyscalls since_exec;  // every call of the traced program
  bool saw_start_marker = false;
  bool saw_stop_marker = false;
  uint64_t queries_answered = 0;  // kMarkerQueryCounts markers
};

struct TraceOptions {
  // Captured into ProcessResult::output, or left to the tracer's own stdout
  // (a soak's summary shows up as it is printed).
  bool capture_stdout = true;
  // When set, receives the traced process's pid once it runs (0 before), so
  // that a signal handler can forward signals to it.
  std::atomic<pid_t>* child_pid = nullptr;
};

// Runs `path args...` under ptrace, following every thread, and counts the
// memory system calls made by any thread between the start and stop markers
// (`counted`) and since exec (`since_exec`). At a kMarkerQueryCounts marker it
// writes `since_exec` so far into the process (QueryTracedSyscallCounts).
// Every allocator is counted the same way, and timing runs are never traced.
TracedResult RunTracedCountingSyscalls(const std::string& path, const std::vector<std::string>& args,
                                       const TraceOptions& options = {});

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_PROCESS_H_
