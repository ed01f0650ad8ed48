// What the soak driver samples from the process at every epoch: resident set
// size, the OS calls a tracer counted (the syscall variant) and, where the
// allocator keeps them, the allocator's own OS-call counters.
#ifndef HAKMEM_SOAK_PROCESS_MEMORY_H_
#define HAKMEM_SOAK_PROCESS_MEMORY_H_

#include <cstdint>
#include <optional>

namespace hakmem::soak {

// Resident set size in bytes from /proc/self/statm (second field times the
// page size); 0 if it cannot be read. Makes no heap allocation, so sampling
// does not disturb the allocator being measured.
uint64_t ReadRssBytes();

// Memory OS calls of every thread since exec, counted by the ptrace tracer
// the process runs under (//soak:trace_syscalls, the same counting as the
// benchmark's): the same method for every allocator.
struct TracedOsCallCounts {
  uint64_t mmap = 0;
  uint64_t munmap = 0;
  uint64_t madvise = 0;
  uint64_t mremap = 0;
  uint64_t brk = 0;
};

// The tracer's counts as of now; nullopt when the process is not traced (the
// query is one system call that fails at once, no allocation).
std::optional<TracedOsCallCounts> ReadTracedOsCallCounts();

// An allocator's own cumulative counters.
struct OsCallCounts {
  uint64_t mmap = 0;
  uint64_t munmap = 0;
  uint64_t madvise = 0;
};

// hakmem's counters (hak_os_counters_get) when the process's allocator is
// hakmem; nullopt for allocators that keep no such counters.
std::optional<OsCallCounts> ReadAllocatorOsCallCounts();

}  // namespace hakmem::soak

#endif  // HAKMEM_SOAK_PROCESS_MEMORY_H_
