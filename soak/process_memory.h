// What the soak driver samples from the process at every epoch: resident set
// size and, where the allocator exposes them, its cumulative OS calls.
#ifndef HAKMEM_SOAK_PROCESS_MEMORY_H_
#define HAKMEM_SOAK_PROCESS_MEMORY_H_

#include <cstdint>
#include <optional>

namespace hakmem::soak {

// Resident set size in bytes from /proc/self/statm (second field times the
// page size); 0 if it cannot be read. Makes no heap allocation, so sampling
// does not disturb the allocator being measured.
uint64_t ReadRssBytes();

struct OsCallCounts {
  uint64_t mmap = 0;
  uint64_t munmap = 0;
  uint64_t madvise = 0;
};

// hakmem's cumulative counters (hak_os_counters_get) when the process's
// allocator is hakmem; nullopt for allocators that keep no such counters.
std::optional<OsCallCounts> ReadAllocatorOsCallCounts();

}  // namespace hakmem::soak

#endif  // HAKMEM_SOAK_PROCESS_MEMORY_H_
