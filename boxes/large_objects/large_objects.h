// Large objects: requests above the largest size class (or with an alignment
// slabs cannot give) get their own mapping, 2 MiB aligned so that the chunk map
// and the header at the chunk's start identify them. A bounded cache of freed
// mappings lets repeated large malloc/free skip the kernel.
#ifndef HAKMEM_BOXES_LARGE_OBJECTS_LARGE_OBJECTS_H_
#define HAKMEM_BOXES_LARGE_OBJECTS_LARGE_OBJECTS_H_

#include <cstddef>
#include <cstdint>

namespace hakmem {

struct LargeHeader {
  uint32_t magic;  // kLargeMagic
  uint32_t pad;
  void* map_base;
  size_t map_size;
  void* user;
  size_t usable;
};

// Allocates `size` bytes aligned to `alignment` (power of two; 0 = default).
// `zero`: the memory must read as zero (skipped for fresh OS pages).
// Returns nullptr with errno = ENOMEM on failure.
void* LargeAlloc(size_t size, size_t alignment, bool zero);
// The header of a large object, or nullptr when `p` is not one's start.
// Safe on any pointer the chunk map attributes to hakmem.
LargeHeader* LargeHeaderOf(const void* p);
void LargeFree(LargeHeader* h);

// Unmaps every cached mapping; returns how many.
size_t LargeDrainCache();
size_t LargeLiveCount();
size_t LargeLiveBytes();

void LargeLockForFork();
void LargeUnlockForFork(bool child);

}  // namespace hakmem

#endif  // HAKMEM_BOXES_LARGE_OBJECTS_LARGE_OBJECTS_H_
