// Large objects: requests above the largest size class (or with an alignment
// slabs cannot give) get their own mapping, 2 MiB aligned so that the chunk map
// and the header at the chunk's start identify them. A bounded cache of freed
// mappings lets repeated large malloc/free skip the kernel, and realloc grows
// them without a copy; a cached mapping left unused for
// HAKMEM_LARGE_CACHE_DECAY_MS goes back to the kernel. In front of the cache,
// each thread keeps the last few mappings it freed (LargeFront) and takes them
// back without touching a line another thread writes.
#ifndef HAKMEM_BOXES_LARGE_OBJECTS_LARGE_OBJECTS_H_
#define HAKMEM_BOXES_LARGE_OBJECTS_LARGE_OBJECTS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "boxes/spinlock/spinlock.h"
#include "boxes/superslab/superslab.h"

namespace hakmem {

// At the start of a large object's first chunk. `no_spans` and `no_span` sit
// where a superslab keeps its span map and its sentinel slab: every offset maps
// to the sentinel, whose block test fails, so the free fast path sends large
// objects to the slow path without testing the chunk's kind.
struct LargeHeader {
  uint32_t magic;  // kLargeMagic
  uint32_t pad;
  void* map_base;
  size_t map_size;
  void* user;
  uint8_t pad2[kSpanMapOffset - 32];
  SpanMapEntry no_spans[kSlabsPerSuperslab];
  size_t usable;  // starts at the first multiple of 8 after no_spans
  uint8_t pad3[kNoSpanSlabOffset - (kSpanMapOffset + sizeof(no_spans) + 7) / 8 * 8 - sizeof(size_t)];
  Slab no_span;
};
static_assert(offsetof(LargeHeader, no_spans) == kSpanMapOffset);
static_assert(offsetof(LargeHeader, no_span) == kNoSpanSlabOffset);
// The header shares the first page with nothing: user data starts a page in.
static_assert(sizeof(LargeHeader) <= 4096);

// A thread's own freed large mappings, in front of the shared cache: with the
// cache's one lock, its counters and headers another thread wrote last, two
// threads that each churn large objects ran up to 4 x slower than one
// (docs/PERFORMANCE.md, experiments 81-83). Owner-only, without a lock (a
// locked instruction waits for the stores into the last object to drain, and
// cost a single thread a fifth): the live counts and bytes, which every
// thread writes, go on counting a mapping held here as live, and
// LargeLiveCount/LargeLiveBytes take the fronts' holdings out, so a free and
// a malloc served here write only the thread's own lines. At most kEntries
// mappings and HAKMEM_LARGE_CACHE_MB over the number of threads with a heap
// (at least 8, rounded up to a power of two), so that what idle threads'
// fronts hold together stays within one budget. The oldest goes to the
// shared cache when a new one needs room, an entry unused for
// HAKMEM_LARGE_CACHE_DECAY_MS is unmapped at the owner's next large free or
// small-object slow path (LargeFrontTick), and everything at thread exit
// (LargeFrontFlush) and at the owner's next large call after malloc_trim.
// Lives in the thread's heap, which a thread's first large allocation makes
// too; a thread that only frees has none and frees to the shared cache, where
// the threads that allocate find what it freed.
struct LargeFront {
  static constexpr size_t kEntries = 16;
  // A full front lets go of its oldest entries this many at a time (or half
  // of them, if fewer), into the shared cache under one hold of its lock: two
  // threads handing large objects to each other free them in bursts, and the
  // lock's and the index's lines then move between the cores once a batch
  // instead of once a free (docs/PERFORMANCE.md, experiment 91).
  static constexpr uint32_t kEvictBatch = 4;
  struct Entry {
    void* base;
    size_t size;    // of the mapping
    size_t usable;  // of the object freed into it, which the live bytes still count
    uint64_t freed_ms;
  };
  // Entries held, oldest first. `count` and `usable` are read by other
  // threads for statistics (relaxed: the owner's plain stores).
  std::atomic<uint32_t> count{0};
  std::atomic<size_t> usable{0};  // the freed objects' usable bytes
  size_t bytes = 0;               // their mappings' bytes
  uint64_t trims_seen = 0;        // LargeDrainCache calls this front has honoured
  Entry entries[kEntries] = {};
  LargeFront* next_registered = nullptr;  // every front ever used, for statistics
  bool registered = false;
  constexpr LargeFront() = default;
};

// Allocates `size` bytes aligned to `alignment` (power of two; 0 = default),
// first from `front` (the calling thread's, or nullptr for none).
// `zero`: the memory must read as zero (skipped for fresh OS pages).
// Returns nullptr with errno = ENOMEM on failure.
void* LargeAlloc(size_t size, size_t alignment, bool zero, LargeFront* front = nullptr);
// The header of a large object, or nullptr when `p` is not one's start.
// Safe on any pointer: only hakmem's headers are read.
LargeHeader* LargeHeaderOf(const void* p);
// Frees the object, its mapping kept in `front` (the calling thread's, or
// nullptr) when it fits there.
void LargeFree(LargeHeader* h, LargeFront* front = nullptr);
// Thread exit: the front's mappings go to the shared cache (or the kernel).
void LargeFrontFlush(LargeFront* front);
// The number of threads with a front (a heap), which each front's share of the
// budget is reckoned from; the heap box reports it as threads come and go.
void LargeFrontsSetThreadCount(size_t threads);
// What a front may hold now, in bytes.
size_t LargeFrontShareBytes();
// Unmaps what the front holds unused for the decay time. One relaxed load of
// the owner's own line while it is empty.
void LargeFrontTickSlow(LargeFront* front);
inline void LargeFrontTick(LargeFront* front) {
  if (front->count.load(std::memory_order_relaxed) != 0) LargeFrontTickSlow(front);
}
// Makes the object `h` heads hold at least `size` bytes (more than it holds
// now) without copying it, for realloc: its mapping grows where it is, or its
// pages move to a new 2 MiB-aligned mapping (mremap). Returns the object's
// address, moved or not, or nullptr when the caller should copy instead: the
// cache holds a mapping that fits (its pages are in already), the object is
// aligned to 2 MiB or more, or the kernel refused. The object is then as it was.
// Runs the decays first, the shared cache's and `front`'s (the calling
// thread's, or nullptr).
void* LargeGrow(LargeHeader* h, size_t size, LargeFront* front = nullptr);
// Gives the pages of the object `h` heads beyond its first `size` bytes (fewer
// than it holds now, more than kMaxSlabSize) back to the kernel, for realloc:
// the object stays where it is, its contents up to `size` untouched. False,
// with nothing changed, for an object aligned to 2 MiB or more (the caller
// copies).
bool LargeShrink(LargeHeader* h, size_t size);

// Unmaps every cached mapping, `own`'s (the calling thread's front, or
// nullptr) at once and the other threads' fronts' at their next large call or
// small-object slow path; returns how many were unmapped here.
size_t LargeDrainCache(LargeFront* own = nullptr);

// The cache's decay: a cached mapping unused for HAKMEM_LARGE_CACHE_DECAY_MS
// is unmapped at the next large-object free or cache miss, or small-object
// refill or flush (LargeCacheTick), so that a program that stops using large
// objects still gets the memory back.
//
// When the oldest cached mapping will have been unused for the decay time
// (milliseconds on CLOCK_MONOTONIC_COARSE), or 0 while nothing is cached or
// the decay is off. Written under the cache's lock.
extern std::atomic<uint64_t> g_large_cache_next_expiry_ms;
void LargeCacheTickSlow();
// Unmaps what the decay is due to. One relaxed load while the cache is empty;
// reads the clock only when something is cached.
inline void LargeCacheTick() {
  if (g_large_cache_next_expiry_ms.load(std::memory_order_relaxed) != 0) LargeCacheTickSlow();
}
// Large objects in use (the fronts' freed ones not counted).
size_t LargeLiveCount();
size_t LargeLiveBytes();

void LargeLockForFork();
void LargeUnlockForFork(bool child);

}  // namespace hakmem

#endif  // HAKMEM_BOXES_LARGE_OBJECTS_LARGE_OBJECTS_H_
