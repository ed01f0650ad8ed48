// Thread cache: per thread, per size class, a list of free blocks. Popping and
// pushing touch only thread-local memory: no atomic instruction, no lock.
// Refill and flush move blocks in batches against the owning slabs
// (boxes/heap).
#ifndef HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
#define HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_

#include <cstddef>
#include <cstdint>

namespace hakmem {

struct Bin {
  void* head;
  uint32_t count;
  uint32_t limit;  // a push that makes count exceed this flushes
};

inline void* BinPop(Bin* bin) {
  void* p = bin->head;
  if (__builtin_expect(p != nullptr, 1)) {
    bin->head = *static_cast<void**>(p);
    bin->count--;
  }
  return p;
}

// Returns true when the bin is over its limit and must be flushed.
inline bool BinPush(Bin* bin, void* p) {
  *static_cast<void**>(p) = bin->head;
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
