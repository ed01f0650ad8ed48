// Running a benchmark worker as a child process: plainly (for timing and peak
// RSS) or under ptrace (for counting its memory-related OS calls).
#ifndef HAKMEM_BENCHMARKS_PROCESS_H_
#define HAKMEM_BENCHMARKS_PROCESS_H_

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
  bool saw_start_marker = false;
  bool saw_stop_marker = false;
};

// Runs `path args...` under ptrace, following every thread, and counts the
// memory system calls made by any thread between the start and stop markers.
// Every allocator is counted the same way, and timing runs are never traced.
TracedResult RunTracedCountingSyscalls(const std::string& path, const std::vector<std::string>& args);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_PROCESS_H_
