// Test helper for process_test: asks the tracer for the counts, maps and
// unmaps one page `--pages` times, asks again, and prints what it was told.
//
//   syscall_query_probe N   ->  "unanswered" or "mmap=A munmap=B queries=2"
#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>

#include "benchmarks/syscall_marker.h"

int main(int argc, char** argv) {
  const long pages = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 0;
  hakmem::bench::TracedSyscallCounts before;
  const bool traced = hakmem::bench::QueryTracedSyscallCounts(before);
  for (long i = 0; i < pages; ++i) {
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return 1;
    munmap(page, 4096);
  }
  hakmem::bench::TracedSyscallCounts after;
  if (!traced || !hakmem::bench::QueryTracedSyscallCounts(after)) {
    std::printf("unanswered\n");
    return 0;
  }
  std::printf("mmap=%llu munmap=%llu\n", static_cast<unsigned long long>(after.mmap - before.mmap),
              static_cast<unsigned long long>(after.munmap - before.munmap));
  return 0;
}
