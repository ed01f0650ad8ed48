// Thread cache: per thread, per size class, a list of free blocks. Popping and
// pushing touch only thread-local memory: no atomic instruction, no lock.
// Refill and flush move blocks in batches against the owning slabs
// (boxes/heap).
//
// Free-list links (here and in the spans' lists) are stored XOR-ed with a mask
// made from their own address (>> 12, as glibc's safe-linking) with bit 3
// forced on: whatever 16-byte-aligned value (or zero) a program writes into a
// freed block decodes to a misaligned link, which the next pop catches, instead
// of handing out an address of its choosing. (Without the forced bit, blocks in
// the first page of a 64 KiB slab had a mask ending in four zero bits.)
// Cost: a shift, an or and an xor per push and pop, and one test per pop.
#ifndef HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
#define HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_

#include <cstddef>
#include <cstdint>

#include "boxes/diagnostics/diagnostics.h"

namespace hakmem {

inline uintptr_t LinkMask(const void* block) { return (reinterpret_cast<uintptr_t>(block) >> 12) | 8; }
inline void SetNext(void* block, const void* next) {
  *static_cast<uintptr_t*>(block) = reinterpret_cast<uintptr_t>(next) ^ LinkMask(block);
}
inline void* GetNext(const void* block) {
  return reinterpret_cast<void*>(*static_cast<const uintptr_t*>(block) ^ LinkMask(block));
}
// Every block is 16-byte aligned, so a decoded link that is not was overwritten.
inline bool LinkLooksValid(const void* next) { return (reinterpret_cast<uintptr_t>(next) & 15) == 0; }

struct Bin {
  void* head;
  // limit - blocks held: a push that takes it below zero flushes. Counting
  // down to zero saves the fast path a load and a compare against the limit.
  int32_t room;
  uint32_t limit;
};

inline uint32_t BinCount(const Bin* bin) { return static_cast<uint32_t>(static_cast<int32_t>(bin->limit) - bin->room); }

// The head's link was overwritten: reports, and (warn mode) returns the head
// and drops the rest of the list. Out of line, so the fast path stays leaf code.
__attribute__((cold, noinline)) void* BinPopCorrupted(Bin* bin, void* head);

inline void* BinPop(Bin* bin) {
  void* p = bin->head;
  if (__builtin_expect(p != nullptr, 1)) {
    void* next = GetNext(p);
    if (__builtin_expect(!LinkLooksValid(next), 0)) return BinPopCorrupted(bin, p);
    bin->head = next;
    bin->room++;
  }
  return p;
}

// Returns true when the bin is over its limit and must be flushed.
inline bool BinPush(Bin* bin, void* p) {
  SetNext(p, bin->head);
  bin->head = p;
  return --bin->room < 0;
}

// Blocks a bin may hold: about 32 KiB worth, at least 2, at most 256.
inline uint32_t BinLimitForSize(size_t block_size) {
  const size_t n = (32 * 1024) / block_size;
  return n < 2 ? 2 : n > 256 ? 256 : static_cast<uint32_t>(n);
}

}  // namespace hakmem

#endif  // HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
