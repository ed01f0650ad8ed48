// Thread cache: per thread, per size class, a list of free blocks. Popping and
// pushing touch only thread-local memory: no atomic instruction, no lock.
// Refill and flush move blocks in batches against the owning slabs
// (boxes/heap).
//
// Free-list links (here and in the spans' lists) are stored XOR-ed with their
// own address >> 12, as glibc's safe-linking does: a program that writes into
// a freed block turns the link into a misaligned pointer, which the next pop
// catches, instead of handing out an address of its choosing. Cost: a shift
// and an xor per push and pop, and one test per pop.
#ifndef HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
#define HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_

#include <cstddef>
#include <cstdint>

#include "boxes/diagnostics/diagnostics.h"

namespace hakmem {

inline void SetNext(void* block, const void* next) {
  *static_cast<uintptr_t*>(block) = reinterpret_cast<uintptr_t>(next) ^ (reinterpret_cast<uintptr_t>(block) >> 12);
}
inline void* GetNext(const void* block) {
  return reinterpret_cast<void*>(*static_cast<const uintptr_t*>(block) ^
                                 (reinterpret_cast<uintptr_t>(block) >> 12));
}
// Every block is 16-byte aligned, so a decoded link that is not was overwritten.
inline bool LinkLooksValid(const void* next) { return (reinterpret_cast<uintptr_t>(next) & 15) == 0; }

struct Bin {
  void* head;
  uint32_t count;
  uint32_t limit;  // a push that makes count exceed this flushes
};

inline void* BinPop(Bin* bin) {
  void* p = bin->head;
  if (__builtin_expect(p != nullptr, 1)) {
    void* next = GetNext(p);
    if (__builtin_expect(!LinkLooksValid(next), 0)) {
      ReportCorruptedFreeList(p);
      next = nullptr;  // warn mode: drop the rest of the list (leaked, not reused)
      bin->count = 1;
    }
    bin->head = next;
    bin->count--;
  }
  return p;
}

// Returns true when the bin is over its limit and must be flushed.
inline bool BinPush(Bin* bin, void* p) {
  SetNext(p, bin->head);
  bin->head = p;
  return ++bin->count > bin->limit;
}

// Blocks a bin may hold: about 32 KiB worth, at least 2, at most 256.
inline uint32_t BinLimitForSize(size_t block_size) {
  const size_t n = (32 * 1024) / block_size;
  return n < 2 ? 2 : n > 256 ? 256 : static_cast<uint32_t>(n);
}

}  // namespace hakmem

#endif  // HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
