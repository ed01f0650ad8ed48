// Thread cache: per thread, per size class, a list of free blocks. Popping and
// pushing touch only thread-local memory: no atomic instruction, no lock.
// Refill and flush move blocks in batches against the owning slabs
// (boxes/heap).
//
// Free-list links (here and in the spans' lists) are stored XOR-ed with a
// per-process key: random (getrandom at initialisation), with bit 3 forced on,
// so whatever 16-byte-aligned value (or zero) a program writes into a freed
// block decodes to a misaligned link, which the next pop catches, instead of
// handing out an address of its choosing; and the links in memory do not give
// away heap addresses. Cost: one xor per push and pop (with the copy of the key
// beside the bins), one test per pop. (The key replaced a mask made from each
// block's address, glibc's safe-linking, which cost a move, a shift and an or
// more per push and pop.)
#ifndef HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
#define HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_

#include <cstddef>
#include <cstdint>

#include "boxes/diagnostics/diagnostics.h"
#include "boxes/size_classes/size_classes.h"

namespace hakmem {

// Set once by LinkKeyInit before the first block exists; never changes after.
extern uintptr_t g_link_key;
// Draws the key (process-wide initialisation, before the first block is cut;
// one getrandom call, no allocation).
void LinkKeyInit();

inline void SetNext(void* block, const void* next, uintptr_t key = g_link_key) {
  *static_cast<uintptr_t*>(block) = reinterpret_cast<uintptr_t>(next) ^ key;
}
inline void* GetNext(const void* block, uintptr_t key = g_link_key) {
  return reinterpret_cast<void*>(*static_cast<const uintptr_t*>(block) ^ key);
}
// Every block is 16-byte aligned, so a decoded link that is not was overwritten.
inline bool LinkLooksValid(const void* next) { return (reinterpret_cast<uintptr_t>(next) & 15) == 0; }

// One bin per size class, kept as parallel arrays rather than an array of
// {head, room, limit}: the fast paths then address a class's head and room
// with the class index scaled by the instruction itself (8 and 4 bytes), with
// no multiply or shift of their own.
struct ThreadCache {
  void* heads[kNumClasses];
  // limit - blocks held: a push that takes it below zero flushes. Counting
  // down to zero saves the fast path a load and a compare against the limit.
  int32_t rooms[kNumClasses];
  uint32_t limits[kNumClasses];
  // g_link_key, copied when the heap is made: the fast paths find it next to
  // the bins, through the heap pointer they hold anyway, instead of through
  // the global's address.
  uintptr_t link_key;
};

inline uint32_t CacheCount(const ThreadCache* tc, size_t cls) {
  return static_cast<uint32_t>(static_cast<int32_t>(tc->limits[cls]) - tc->rooms[cls]);
}

// The head's link was overwritten: reports, and (warn mode) returns the head
// and drops the rest of the list. Out of line, so the fast path stays leaf code;
// never null, so a caller's "bin was empty" test is not repeated after it and
// the call stays a tail call.
__attribute__((cold, noinline, returns_nonnull)) void* CachePopCorrupted(ThreadCache* tc, size_t cls, void* head);

inline void* CachePop(ThreadCache* tc, size_t cls) {
  void* p = tc->heads[cls];
  if (__builtin_expect(p != nullptr, 1)) {
    void* next = GetNext(p, tc->link_key);
    if (__builtin_expect(!LinkLooksValid(next), 0)) return CachePopCorrupted(tc, cls, p);
    tc->heads[cls] = next;
    tc->rooms[cls]++;
  }
  return p;
}

// Returns true when the bin is over its limit and must be flushed.
inline bool CachePush(ThreadCache* tc, size_t cls, void* p) {
  SetNext(p, tc->heads[cls], tc->link_key);
  tc->heads[cls] = p;
  return --tc->rooms[cls] < 0;
}

// Blocks a bin may hold: about 32 KiB worth, at least 2, at most 256.
inline uint32_t BinLimitForSize(size_t block_size) {
  const size_t n = (32 * 1024) / block_size;
  return n < 2 ? 2 : n > 256 ? 256 : static_cast<uint32_t>(n);
}

}  // namespace hakmem

#endif  // HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
