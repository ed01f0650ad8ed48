#include "boxes/large_objects/large_objects.h"

#include <errno.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>

#include "boxes/env_gates/env_gates.h"
#include "boxes/large_objects/large_cache.h"
#include "boxes/mem_lean/mem_lean.h"
#include "boxes/os_memory/os_memory.h"
#include "boxes/release_policy/release_policy.h"
#include "boxes/size_classes/size_classes.h"
#include "boxes/spinlock/spinlock.h"
#include "boxes/superslab/superslab.h"

namespace hakmem {

std::atomic<uint64_t> g_large_cache_next_expiry_ms{0};

namespace {

// Alignments up to this place the object inside the first chunk, after the
// header; larger ones start the object on a chunk and put the header below it.
constexpr size_t kMaxInChunkAlignment = kChunkSize / 2;

// How many budgets the cache may hold after a burst of frees with their pages
// in, and how many of address space (PutCachedOrUnmap).
constexpr size_t kBurstBudgets = 4;
constexpr size_t kAddressBudgets = 64;

constexpr size_t kCacheLineSize = 64;

// The smallest mapping a large object gets without an alignment: its header's
// page and more than the largest size class, in whole pages.
constexpr size_t kSmallestLargeMapping = AlignUp(kPageSize + kMaxSlabSize + 1, kPageSize);
// The least a fit (a cached mapping up to twice its request) must have left
// over for the request to cut it (CutForRequest). Less is little memory, and
// threads that churn objects of a few MiB ran a tenth slower with their fits
// cut into pieces (docs/PERFORMANCE.md, experiment 99).
constexpr size_t kLeastRestOfAFit = 4 * kChunkSize;

// On a line of its own: waiters spin reading it, and the counters below are
// written on every large call whether or not the lock is taken.
alignas(kCacheLineSize) SpinLock g_lock;
// The freed mappings, in two indexes under g_lock: those whose pages are in
// (up to kBurstBudgets budgets), and past that those whose pages were given
// back (MADV_DONTNEED), which hold address space only and spare the next
// large request an mmap and its munmap. Apart, so that a request takes a
// mapping with its pages in first: in one index, a bucket's newest, a purged
// one, came first and nearly every reuse faulted its pages in again
// (docs/PERFORMANCE.md, experiments 76 and 94). At most 1,024 and 4,096
// mappings, whatever the budgets: each is a region of the process's address
// space, and the kernel limits how many there are; 4,096 holds what two
// threads that hand each other large objects have in flight (experiment 94).
// Constant-initialised: malloc may run before any constructor. Their pages
// stay untouched in a program that caches no large object. Each starts a
// page, so that what a few cached mappings write (the fields, the buckets and
// the first entries) is one page, wherever the sections before them end.
HAKMEM_LARGE_BSS alignas(4096) constinit LargeCacheIndexOf<1024> g_resident;
HAKMEM_LARGE_BSS alignas(4096) constinit LargeCacheIndexOf<4096> g_purged;
// Together on one line, apart from the lock's: each large call updates
// several of them, and on two threads the line moves between cores once per
// call instead of once per counter.
struct alignas(kCacheLineSize) LiveCounters {
  std::atomic<size_t> count{0};
  std::atomic<size_t> bytes{0};
  // The live objects' mappings, header pages included, and the most they ever
  // came to: what the cache's limit is reckoned in (PutCachedOrUnmap).
  std::atomic<size_t> mapped{0};
  std::atomic<size_t> peak_mapped{0};
};
constinit LiveCounters g_live;

void AddLive(size_t usable, size_t mapped) {
  g_live.bytes.fetch_add(usable, std::memory_order_relaxed);
  const size_t live = g_live.mapped.fetch_add(mapped, std::memory_order_relaxed) + mapped;
  size_t peak = g_live.peak_mapped.load(std::memory_order_relaxed);
  while (live > peak && !g_live.peak_mapped.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}
void SubtractLive(size_t usable, size_t mapped) {
  g_live.bytes.fetch_sub(usable, std::memory_order_relaxed);
  g_live.mapped.fetch_sub(mapped, std::memory_order_relaxed);
}

// Whether `size` bytes `offset` into a mapping can be mapped at all.
bool WithinAddressSpace(size_t size, size_t offset) {
  return size <= (size_t{1} << kAddressBits) - offset - kChunkSize;
}

// The box's own mappings, noted for memory-lean mode's estimate, which leaves
// them out (mem_lean.h).
void* MapLarge(size_t size, size_t alignment) {
  void* p = OsMapAligned(size, alignment);
  if (p != nullptr) LeanNoteLargeMapped(size);
  return p;
}
void UnmapLarge(void* base, size_t size) {
  OsUnmap(base, size);
  LeanNoteLargeUnmapped(size);
}

// Grows the box's mapping where it is, when the address space after it is
// free; errno stays as it was either way.
bool GrowLargeInPlace(void* base, size_t old_size, size_t new_size) {
  const int saved_errno = errno;
  const bool grown = OsGrowInPlace(base, old_size, new_size);
  errno = saved_errno;
  if (grown) LeanNoteLargeMapped(new_size - old_size);
  return grown;
}

void Unmap(void* base, size_t size) {
  ChunkMapClear(g_chunk_map, reinterpret_cast<uintptr_t>(base));
  UnmapLarge(base, size);
}

// The cache's mappings and their bytes, in both indexes. Caller holds g_lock.
size_t CachedCountLocked() { return g_resident.count() + g_purged.count(); }
size_t CachedBytesLocked() { return g_resident.bytes() + g_purged.bytes(); }

// Sets when the decay is next due from the oldest cached mapping. Caller holds
// g_lock.
void UpdateNextExpiryLocked() {
  const uint64_t decay = GlobalGates().large_cache_decay_ms;
  uint64_t oldest = UINT64_MAX;
  if (g_resident.count() != 0) oldest = g_resident.OldestCachedAtMs();
  if (g_purged.count() != 0) oldest = std::min(oldest, g_purged.OldestCachedAtMs());
  const uint64_t due = decay != 0 && oldest != UINT64_MAX ? oldest + decay : 0;
  g_large_cache_next_expiry_ms.store(due, std::memory_order_relaxed);
}

// Where a cached mapping is cut for a request of `map_size` bytes
// (CutForRequest), so that the rest starts a chunk of its own: the request
// rounded up to whole chunks, or 0, for no cut, where that would give the
// object more than a quarter over its request (requests under 1.6 MiB, some
// up to 8 MiB).
size_t CutPoint(size_t map_size) {
  const size_t cut = AlignUp(map_size, kChunkSize);
  return cut - map_size <= map_size / 4 ? cut : 0;
}

// What the cache handed a request.
enum class Taken {
  kNothing,
  kFit,        // a mapping between the request and twice it, its pages in
  kFitZeroed,  // such a mapping whose pages were given back: they read as zero
  kLarger,     // a mapping with its pages in, larger
  kSmaller,    // a mapping with its pages in, a little smaller, to grow in place
};

// A cached mapping of at least `size` bytes and at most twice that (within a
// quarter of the smallest such), one with its pages in first. Failing that,
// one with its pages in that is larger, but at least the request's cut point
// (the caller cuts it, as it cuts a fit: CutForRequest), or smaller, but not
// by more than the rest of its last chunk, which hakmem's placement leaves
// free after it (GrowForRequest): either way the request reuses pages a freed
// object left in memory instead of faulting in new ones beside them. A miss
// also takes out a smallest cached mapping with its pages in if it is under
// half of `size`, into *stale for the caller to unmap: a buffer that grows (a
// vector, a hash table's resizes) frees each old copy to the cache and then
// asks for more than any of them, and kept they would hold memory that only a
// much smaller request could take. One per miss, so that a program whose
// large sizes vary keeps most of its cache (letting go of every smaller
// mapping made such a mix a third slower, docs/PERFORMANCE.md, experiment 69).
Taken TakeCached(size_t size, CachedMapping* out, CachedMapping* stale) {
  SpinLockHolder hold(g_lock);
  Taken taken = Taken::kNothing;
  const size_t cut = CutPoint(size);
  if (g_resident.TakeFit(size, out)) {
    taken = Taken::kFit;
  } else if (g_purged.TakeFit(size, out)) {
    taken = Taken::kFitZeroed;
  } else if (cut != 0 && g_resident.TakeAtLeast(cut, out)) {
    taken = Taken::kLarger;
  } else if (g_resident.TakeLargestIn(AlignUp(size, kChunkSize) - kChunkSize + kPageSize, size - kPageSize, out)) {
    taken = Taken::kSmaller;
  }
  // The oldest mapping, and so the decay's due time, changes only when one leaves.
  if (taken != Taken::kNothing || g_resident.TakeSmallestUnder(size / 2, stale)) UpdateNextExpiryLocked();
  return taken;
}

// Whether a cached mapping with its pages in fits `size` (it may be gone by then).
bool CacheCouldServe(size_t size) {
  SpinLockHolder hold(g_lock);
  return g_resident.HasFit(size);
}

// Milliseconds on a clock that only moves forward. The coarse clock is a
// vDSO read of the kernel's tick (a few ns, no system call), which is fine
// enough for a decay counted in tens of milliseconds.
uint64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

// The clock for timestamps and decays: 0 while the decay is off, which needs
// neither.
uint64_t NowMsIfDecaying() { return GlobalGates().large_cache_decay_ms != 0 ? NowMs() : 0; }

// Past the in-memory limit, the oldest mappings with their pages in give them
// back together, down to an eighth of the limit below it, in one system call
// where the kernel takes a batch: a call flushes the other CPUs' TLBs once,
// and one per mapping was most of what a burst of frees cost on two threads
// (docs/PERFORMANCE.md, experiment 97).
constexpr size_t kPurgeBatch = kMaxDecommitRanges;

// Keeps freed mappings (at most LargeFront::kEntries, freed at `now_ms`) for
// reuse where the policy allows, and unmaps the others. They go to g_resident
// with their pages, under one hold of the lock for the batch: on two threads
// handing large objects to each other, a front lets go of mappings in
// bursts, and the lock's line and the index's move between the cores once per
// burst instead of once per mapping. When that takes g_resident past its
// limit, its oldest mappings (or, while memory-lean mode is over its target,
// all the freed ones) give their pages back, outside the lock, and wait in
// g_purged.
void PutCachedOrUnmap(const LargeFront::Entry* entries, size_t n, uint64_t now_ms) {
  const Gates& g = GlobalGates();
  const size_t budget = g.large_cache_mb << 20;
  // Beyond the budget, the cache may hold what keeps the program's large
  // objects, live and cached, within the most it ever had live: threads that
  // free large objects in bursts find them again, and caching never takes
  // the footprint above a peak the program reached on its own (and lasts at
  // most the decay time). With their pages in, up to kBurstBudgets budgets,
  // though: a program that frees gigabytes and then waits for something,
  // with no allocation to run the decay, keeps no more than that in memory.
  // Those past it keep only their address ranges, up to kAddressBudgets in
  // all, which the next burst of allocations takes back without an mmap and
  // an munmap each.
  const size_t live = g_live.mapped.load(std::memory_order_relaxed);
  const size_t peak = g_live.peak_mapped.load(std::memory_order_relaxed);
  const size_t freed_since_peak = peak > live ? peak - live : 0;
  const size_t resident_limit = std::clamp(freed_since_peak, budget, budget * kBurstBudgets);
  const size_t address_limit = std::clamp(freed_since_peak, budget, budget * kAddressBudgets);
  const bool lean = LeanOverTarget();
  const Decommit purge = lean ? g.lean_decommit : Decommit::kDontNeed;
  // What leaves the call's hold of the lock: to give its pages back, or to unmap.
  constexpr size_t kMost = LargeFront::kEntries + kPurgeBatch;
  OsRange purging[kMost];
  OsRange unmapping[kMost];
  size_t purging_count = 0;
  size_t purging_bytes = 0;
  size_t unmapping_count = 0;
  {
    SpinLockHolder hold(g_lock);
    const bool was_empty = CachedCountLocked() == 0;
    // Room is checked here, so that no madvise is wasted on a mapping the
    // second hold would refuse (unless other threads fill it meanwhile).
    const size_t purged_room = g_purged.capacity() - g_purged.count();
    const auto purge_or_unmap = [&](void* base, size_t size) {
      if (purge != Decommit::kNone && purging_count < purged_room &&
          CachedBytesLocked() + purging_bytes + size <= address_limit) {
        purging[purging_count++] = OsRange{base, size};
        purging_bytes += size;
      } else {
        unmapping[unmapping_count++] = OsRange{base, size};
      }
    };
    for (size_t i = 0; i < n; ++i) {
      const LargeFront::Entry& e = entries[i];
      // Larger than the budget: unmapped, before any madvise that would be wasted.
      if (e.size > budget) {
        unmapping[unmapping_count++] = OsRange{e.base, e.size};
      } else if (lean || !g_resident.Insert(CachedMapping{e.base, e.size}, now_ms)) {
        purge_or_unmap(e.base, e.size);
      }
    }
    size_t evicted = 0;
    if (g_resident.bytes() > resident_limit) {
      const size_t target = resident_limit - resident_limit / 8;
      CachedMapping oldest;
      while (evicted < kPurgeBatch && g_resident.bytes() > target &&
             g_resident.TakeCachedAtOrBefore(UINT64_MAX, &oldest, 1) == 1) {
        purge_or_unmap(oldest.base, oldest.size);
        ++evicted;
      }
    }
    // The oldest mapping, and so the decay's due time, changes when the cache
    // was empty or its oldest left.
    if ((was_empty && CachedCountLocked() != 0) || evicted != 0) UpdateNextExpiryLocked();
  }
  if (purging_count != 0) {
    bool zeroed[kMost] = {};
    OsDecommitRanges(purging, purging_count, purge, g.purge_batched, zeroed);
    SpinLockHolder hold(g_lock);
    const bool was_empty = CachedCountLocked() == 0;
    for (size_t i = 0; i < purging_count; ++i) {
      const OsRange& r = purging[i];
      // MADV_FREE leaves the pages in until the kernel needs them: such a
      // mapping counts as resident.
      const bool kept = CachedBytesLocked() + r.size <= address_limit &&
                        (zeroed[i] ? g_purged.Insert(CachedMapping{r.addr, r.size}, now_ms)
                                   : g_resident.bytes() + r.size <= resident_limit &&
                                         g_resident.Insert(CachedMapping{r.addr, r.size}, now_ms));
      if (!kept) unmapping[unmapping_count++] = r;
    }
    if (was_empty && CachedCountLocked() != 0) UpdateNextExpiryLocked();
  }
  for (size_t i = 0; i < unmapping_count; ++i) Unmap(unmapping[i].addr, unmapping[i].size);
}

// Unmaps the cached mappings cached at or before `cutoff_ms`, a batch at a
// time (the lock is not held while the kernel unmaps); returns how many.
size_t UnmapCachedAtOrBefore(uint64_t cutoff_ms) {
  constexpr size_t kBatch = 64;
  CachedMapping batch[kBatch];
  size_t total = 0;
  for (size_t n = kBatch; n == kBatch;) {
    {
      SpinLockHolder hold(g_lock);
      n = g_resident.TakeCachedAtOrBefore(cutoff_ms, batch, kBatch);
      n += g_purged.TakeCachedAtOrBefore(cutoff_ms, batch + n, kBatch - n);
      UpdateNextExpiryLocked();
    }
    for (size_t i = 0; i < n; ++i) Unmap(batch[i].base, batch[i].size);
    total += n;
  }
  return total;
}

// Unmaps the cached mappings unused for the decay time at `now_ms`, if the
// oldest is. (Another thread may have unmapped them meanwhile: the locked take
// then finds none.)
void ReleaseIfDue(uint64_t now_ms) {
  const uint64_t due = g_large_cache_next_expiry_ms.load(std::memory_order_relaxed);
  if (due == 0 || now_ms < due) return;
  // due != 0: the decay is on, and now_ms >= due >= the decay.
  UnmapCachedAtOrBefore(now_ms - GlobalGates().large_cache_decay_ms);
}

template <typename T>
void StoreIfChanged(T& field, T value) {
  if (field != value) field = value;
}

// The span map and sentinel a large header shows the free fast path.
void WriteNoSpans(LargeHeader* h) {
  for (SpanMapEntry& entry : h->no_spans) entry = kNoSpanEntry;
  SlabMakeSentinel(&h->no_span);
}

// Fills in the header of a mapping about to hold an object; `blank`: its
// pages read as zero. A mapping reused from a front or the cache keeps the
// header of its last object, unless the cache gave its pages back: only what
// differs is written, so that the lines another thread's free of the object
// reads (the span map, the sentinel, the sizes) stay in that thread's cache
// instead of moving to this core and back (docs/PERFORMANCE.md, experiment
// 91: two threads handing large objects to each other).
void WriteHeader(LargeHeader* h, bool blank, char* base, size_t map_size, char* user, size_t usable) {
  h->magic = kLargeMagic;
  // Only the kernel changes a freed mapping's header, a page at a time, when
  // the cache gives its pages back: a page it dropped reads as zero.
  if (blank || h->no_spans[0] != kNoSpanEntry) WriteNoSpans(h);
  StoreIfChanged<void*>(h->map_base, base);
  StoreIfChanged(h->map_size, map_size);
  StoreIfChanged<void*>(h->user, user);
  StoreIfChanged(h->usable, usable);
}

// Returns a mapping with its pages in that no object holds (taken from the
// cache, or cut from one) to the cache, freed now.
void PutBackInCache(void* base, size_t size) {
  const uint64_t now = NowMsIfDecaying();
  const LargeFront::Entry entry{base, size, 0, now};
  PutCachedOrUnmap(&entry, 1, now);
}

// Cuts `span`, a cached mapping with its pages in taken for a request of
// `map_size` bytes, at the request's cut point (CutPoint), and caches the rest
// as a mapping of its own: a program that frees a big buffer and then asks
// for smaller ones (sort(1) frees its 64 MiB buffer and asks for three of
// 21 MiB) reuses its pages instead of mapping more beside them, which kept
// its peak RSS at twice glibc's (docs/PERFORMANCE.md, experiment 99). The
// rest gets a freed object's header, like any cached mapping, and its chunk's
// bit. A rest under `least_rest` bytes, or whose bit has no leaf, stays with
// the object, as does all of a mapping too small to cut.
void CutForRequest(CachedMapping* span, size_t map_size, size_t least_rest) {
  const size_t cut = CutPoint(map_size);
  if (cut == 0 || span->size < cut + least_rest) return;
  const size_t rest = span->size - cut;
  char* const rest_base = static_cast<char*>(span->base) + cut;
  LargeHeader* h = reinterpret_cast<LargeHeader*>(rest_base);
  // The header before the bit: only a chunk marked in the map has its header read.
  h->magic = 0;
  WriteNoSpans(h);
  if (!ChunkMapSet(g_chunk_map, reinterpret_cast<uintptr_t>(rest_base))) return;
  span->size = cut;
  PutBackInCache(rest_base, rest);
}

// Grows `span`, a cached mapping with its pages in a little smaller than
// the request of `map_size` bytes it was taken for, where it is: sort(1)'s
// three 21 MiB buffers cut from its 64 MiB one leave 20 MiB for the third,
// and the pages past it in its last chunk are free. False, with the mapping
// back in the cache, when something else has them.
bool GrowForRequest(CachedMapping* span, size_t map_size) {
  if (GrowLargeInPlace(span->base, span->size, map_size)) {
    span->size = map_size;
    return true;
  }
  PutBackInCache(span->base, span->size);
  return false;
}

// --- the threads' fronts ---------------------------------------------------

SpinLock g_fronts_lock;  // the registry
LargeFront* g_fronts = nullptr;
// LargeDrainCache calls so far: each front empties itself when it sees a new
// one (a read of a line nobody writes until the next trim).
std::atomic<uint64_t> g_trims{0};

// Threads with a front, as the heap box last reported (read on every put; it
// changes only when a thread starts or ends).
std::atomic<size_t> g_front_threads{1};
constexpr size_t kMinFrontShares = 8;

void FrontRegister(LargeFront* front) {
  SpinLockHolder hold(g_fronts_lock);
  front->next_registered = g_fronts;
  g_fronts = front;
  front->registered = true;
}

// Takes the `k` entries from `first` on out, into `out`.
void FrontRemove(LargeFront* front, uint32_t first, uint32_t k, LargeFront::Entry* out) {
  const uint32_t n = front->count.load(std::memory_order_relaxed);
  size_t usable = 0;
  size_t bytes = 0;
  for (uint32_t i = 0; i < k; ++i) {
    out[i] = front->entries[first + i];
    usable += out[i].usable;
    bytes += out[i].size;
  }
  std::copy(front->entries + first + k, front->entries + n, front->entries + first);
  front->count.store(n - k, std::memory_order_relaxed);
  front->usable.store(front->usable.load(std::memory_order_relaxed) - usable, std::memory_order_relaxed);
  front->bytes -= bytes;
}

// Freed objects' mappings (leaving a front, or freed past it) stop counting as
// live: to the shared cache when `to_cache` and the cache takes them, else to
// the kernel.
void ReleaseMappings(const LargeFront::Entry* entries, size_t n, bool to_cache, uint64_t now_ms) {
  if (n == 0) return;
  size_t usable = 0;
  size_t mapped = 0;
  for (size_t i = 0; i < n; ++i) {
    usable += entries[i].usable;
    mapped += entries[i].size;
  }
  g_live.count.fetch_sub(n, std::memory_order_relaxed);
  SubtractLive(usable, mapped);
  if (to_cache) {
    PutCachedOrUnmap(entries, n, now_ms);
  } else {
    for (size_t i = 0; i < n; ++i) Unmap(entries[i].base, entries[i].size);
  }
}

// Lets go of the `k` oldest entries in one batch.
void FrontReleaseOldest(LargeFront* front, uint32_t k, bool to_cache, uint64_t now_ms) {
  LargeFront::Entry batch[LargeFront::kEntries];
  FrontRemove(front, 0, k, batch);
  ReleaseMappings(batch, k, to_cache, now_ms);
}

// Entries freed before this went unused for the decay time at `now_ms`
// (0: none did, or the decay is off).
uint64_t ExpiryCutoff(uint64_t now_ms) {
  const uint64_t decay = GlobalGates().large_cache_decay_ms;
  return decay != 0 && now_ms >= decay ? now_ms - decay + 1 : 0;
}

// Lets go of the entries freed before `cutoff_ms` (to the kernel), and of
// everything after a malloc_trim.
void FrontExpire(LargeFront* front, uint64_t cutoff_ms) {
  const uint64_t trims = g_trims.load(std::memory_order_relaxed);
  if (trims != front->trims_seen) {
    front->trims_seen = trims;
    cutoff_ms = UINT64_MAX;
  }
  const uint32_t n = front->count.load(std::memory_order_relaxed);
  uint32_t expired = 0;
  while (expired < n && front->entries[expired].freed_ms < cutoff_ms) ++expired;
  FrontReleaseOldest(front, expired, false, 0);
}

// The smallest held mapping of at least `size` bytes and at most twice that.
bool FrontTake(LargeFront* front, size_t size, LargeFront::Entry* out) {
  if (front->trims_seen != g_trims.load(std::memory_order_relaxed)) return false;  // to be emptied
  const uint32_t n = front->count.load(std::memory_order_relaxed);
  uint32_t best = n;
  size_t best_size = SIZE_MAX;
  for (uint32_t i = 0; i < n; ++i) {
    const size_t s = front->entries[i].size;
    // size <= s <= 2 * size, in one unsigned compare (s < size wraps).
    const bool fits = s - size <= size;
    if (fits & (s < best_size)) {
      best = i;
      best_size = s;
    }
  }
  if (best == n) return false;
  FrontRemove(front, best, 1, out);
  return true;
}

// Keeps a freed object's mapping in the front; false when it cannot hold it.
// Those past the decay time go first (to the kernel), then the oldest, for
// room (to the shared cache).
bool FrontPut(LargeFront* front, void* base, size_t size, size_t usable, uint64_t now_ms) {
  const size_t cap = LargeFrontShareBytes();
  if (size > cap) return false;
  if (!front->registered) FrontRegister(front);
  FrontExpire(front, ExpiryCutoff(now_ms));
  uint32_t n = front->count.load(std::memory_order_relaxed);
  if (n == LargeFront::kEntries || front->bytes + size > cap) {
    // The oldest, as many as make room for this one, and up to a batch.
    uint32_t k = 0;
    size_t bytes = front->bytes;
    while (k < n && (n - k == LargeFront::kEntries || bytes + size > cap ||
                     (k < LargeFront::kEvictBatch && k < n / 2))) {
      bytes -= front->entries[k++].size;
    }
    FrontReleaseOldest(front, k, true, now_ms);
  }
  n = front->count.load(std::memory_order_relaxed);
  front->entries[n] = {base, size, usable, now_ms};
  front->count.store(n + 1, std::memory_order_relaxed);
  front->usable.store(front->usable.load(std::memory_order_relaxed) + usable, std::memory_order_relaxed);
  front->bytes += size;
  return true;
}

}  // namespace

void LargeFrontsSetThreadCount(size_t threads) { g_front_threads.store(threads, std::memory_order_relaxed); }

// The shared cache's budget over the number of threads (at least 8, rounded up
// to a power of two: a shift, not a division, on every put), nothing while
// memory-lean mode is over its target (the shared cache then decommits).
size_t LargeFrontShareBytes() {
  if (LeanOverTarget()) return 0;
  const size_t shares = std::bit_ceil(std::max(kMinFrontShares, g_front_threads.load(std::memory_order_relaxed)));
  return (GlobalGates().large_cache_mb << 20) >> std::countr_zero(shares);
}

void LargeFrontFlush(LargeFront* front) {
  const uint64_t now = NowMsIfDecaying();
  FrontReleaseOldest(front, front->count.load(std::memory_order_relaxed), true, now);
}

void LargeFrontTickSlow(LargeFront* front) {
  FrontExpire(front, ExpiryCutoff(NowMsIfDecaying()));
}

void* LargeAlloc(size_t size, size_t alignment, bool zero, LargeFront* front) {
  if (alignment < kPageSize) alignment = kPageSize;
  const bool huge_aligned = alignment > kMaxInChunkAlignment;
  const size_t offset = huge_aligned ? alignment : (alignment > kPageSize ? alignment : kPageSize);
  if (!WithinAddressSpace(size, offset)) {
    errno = ENOMEM;
    return nullptr;
  }
  const size_t map_size = AlignUp(offset + size, kPageSize);
  CachedMapping span;
  CachedMapping stale;
  // A mapping from the front still counts as live, as the object freed into it.
  LargeFront::Entry reused{};
  const bool from_front = !huge_aligned && front != nullptr && FrontTake(front, map_size, &reused);
  Taken taken = Taken::kNothing;
  if (from_front) {
    span = {reused.base, reused.size};
  } else if (!huge_aligned) {
    taken = TakeCached(map_size, &span, &stale);
    if (taken == Taken::kFit) CutForRequest(&span, map_size, kLeastRestOfAFit);
    if (taken == Taken::kLarger) CutForRequest(&span, map_size, kSmallestLargeMapping);
    if (taken == Taken::kSmaller && !GrowForRequest(&span, map_size)) taken = Taken::kNothing;
  }
  bool blank = taken == Taken::kFitZeroed;  // its pages read as zero
  const bool fresh = !from_front && taken == Taken::kNothing;
  if (fresh) {
    // Before the new map, for a lower peak: what the miss lets go of, and what
    // the decay does (the clock is read on misses only, which map anyway).
    if (stale.base != nullptr) Unmap(stale.base, stale.size);
    LargeCacheTick();
    if (front != nullptr) LargeFrontTick(front);
    span.base = MapLarge(map_size, huge_aligned ? alignment : kChunkSize);
    if (span.base == nullptr) {
      errno = ENOMEM;
      return nullptr;
    }
    span.size = map_size;
    blank = true;
  }
  char* base = static_cast<char*>(span.base);
  char* user = base + offset;
  LargeHeader* h = reinterpret_cast<LargeHeader*>(huge_aligned ? user - kPageSize : base);
  WriteHeader(h, blank, base, span.size, user, span.size - offset);
  // Huge-aligned objects (always fresh: never cached) only in their own map:
  // the free fast path, which reads a chunk's header, must not take their
  // chunk (user data) for a superslab. A cached mapping kept its bit (Unmap
  // clears it): a locked write to a word that maps 128 MiB, which other
  // threads' frees read, only when new.
  if (fresh && !ChunkMapSet(huge_aligned ? g_huge_aligned_map : g_chunk_map,
                            reinterpret_cast<uintptr_t>(huge_aligned ? user : base))) {
    UnmapLarge(span.base, span.size);  // no memory for the map's leaf
    errno = ENOMEM;
    return nullptr;
  }
  if (zero && !blank) memset(user, 0, h->usable);
  if (from_front) {
    // Differs only when the alignments, and so the offsets, differ.
    if (h->usable != reused.usable) g_live.bytes.fetch_add(h->usable - reused.usable, std::memory_order_relaxed);
  } else {
    g_live.count.fetch_add(1, std::memory_order_relaxed);
    AddLive(h->usable, span.size);
  }
  return user;
}

LargeHeader* LargeHeaderOf(const void* p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  LargeHeader* h;
  if ((a & kChunkMask) == 0) {
    if (!ChunkMapTest(g_huge_aligned_map, a)) return nullptr;
    h = reinterpret_cast<LargeHeader*>(a - kPageSize);
  } else {
    if (!ChunkMapTest(g_chunk_map, a)) return nullptr;  // only such chunks start with a header
    h = reinterpret_cast<LargeHeader*>(a & ~kChunkMask);
  }
  if (h->magic != kLargeMagic || h->user != p) return nullptr;
  return h;
}

void LargeFree(LargeHeader* h, LargeFront* front) {
  void* base = h->map_base;
  const size_t size = h->map_size;
  const size_t usable = h->usable;
  const uintptr_t user = reinterpret_cast<uintptr_t>(h->user);
  h->magic = 0;  // a second free of the same pointer is recognised as invalid
  if ((user & kChunkMask) == 0) {
    g_live.count.fetch_sub(1, std::memory_order_relaxed);
    SubtractLive(usable, size);
    ChunkMapClear(g_huge_aligned_map, user);
    UnmapLarge(base, size);
    return;
  }
  // One clock read serves the timestamps and the decays.
  const uint64_t now = NowMsIfDecaying();
  if (front == nullptr || !FrontPut(front, base, size, usable, now)) {
    const LargeFront::Entry e{base, size, usable, now};
    ReleaseMappings(&e, 1, true, now);
  }
  ReleaseIfDue(now);
}

void* LargeGrow(LargeHeader* h, size_t size, LargeFront* front) {
  // A growth is a system call or a copy, and may be all a program asks of
  // hakmem for a while (Python's small objects come from its own arenas, its
  // lists and strings grow by realloc): the decay runs here too.
  LargeCacheTick();
  if (front != nullptr) LargeFrontTick(front);
  const uintptr_t user = reinterpret_cast<uintptr_t>(h->user);
  // Huge-aligned objects keep their header below the object, outside the
  // first page a move takes along.
  if ((user & kChunkMask) == 0) return nullptr;
  char* const base = static_cast<char*>(h->map_base);
  const size_t offset = user - reinterpret_cast<uintptr_t>(base);
  if (!WithinAddressSpace(size, offset)) return nullptr;
  const size_t old_size = h->map_size;
  const size_t new_size = AlignUp(offset + size, kPageSize);
  // A cached mapping has its pages already: copying into it beats moving ours
  // and faulting in the rest (a buffer grown again and again, freed and grown).
  if (CacheCouldServe(new_size)) return nullptr;
  const size_t old_usable = h->usable;
  // Growth in place fails whenever the next pages are taken: errno stays as
  // the caller left it, whichever way realloc then succeeds.
  if (!GrowLargeInPlace(base, old_size, new_size)) {
    const int saved_errno = errno;
    void* dest = MapLarge(new_size, kChunkSize);
    // The bit first, while the move can still be given up if its leaf cannot be made.
    if (dest != nullptr && !ChunkMapSet(g_chunk_map, reinterpret_cast<uintptr_t>(dest))) {
      UnmapLarge(dest, new_size);
      dest = nullptr;
    }
    if (dest != nullptr && !OsMoveInto(base, old_size, dest, new_size)) {
      ChunkMapClear(g_chunk_map, reinterpret_cast<uintptr_t>(dest));
      UnmapLarge(dest, new_size);
      dest = nullptr;
    }
    errno = saved_errno;
    if (dest == nullptr) return nullptr;
    LeanNoteLargeUnmapped(old_size);  // the old range went with the move
    // The header came along in the first page.
    ChunkMapClear(g_chunk_map, reinterpret_cast<uintptr_t>(base));
    h = static_cast<LargeHeader*>(dest);
    h->map_base = dest;
    h->user = static_cast<char*>(dest) + offset;
  }
  h->map_size = new_size;
  h->usable = new_size - offset;
  AddLive(h->usable - old_usable, new_size - old_size);
  return h->user;
}

bool LargeShrink(LargeHeader* h, size_t size) {
  const uintptr_t user = reinterpret_cast<uintptr_t>(h->user);
  if ((user & kChunkMask) == 0) return false;  // as LargeGrow: header below the object
  char* const base = static_cast<char*>(h->map_base);
  const size_t offset = user - reinterpret_cast<uintptr_t>(base);
  const size_t new_size = AlignUp(offset + size, kPageSize);
  if (new_size >= h->map_size) return true;  // within the last page already
  // The tail of the mapping only: the kernel trims the region in place, with
  // no new region to make, and the header in the first page stays.
  UnmapLarge(base + new_size, h->map_size - new_size);
  SubtractLive(h->map_size - new_size, h->map_size - new_size);
  h->map_size = new_size;
  h->usable = new_size - offset;
  return true;
}

size_t LargeDrainCache(LargeFront* own) {
  // The calling thread's front at once, the others' at their owners' next
  // large call or slow path: they are their owners' alone.
  g_trims.fetch_add(1, std::memory_order_relaxed);
  size_t total = 0;
  if (own != nullptr) {
    total = own->count.load(std::memory_order_relaxed);
    FrontExpire(own, UINT64_MAX);
  }
  return total + UnmapCachedAtOrBefore(UINT64_MAX);
}

void LargeCacheTickSlow() { ReleaseIfDue(NowMs()); }

namespace {

// The live figure less what the fronts hold (freed objects they still count),
// read while their owners may be at work: a statistic, which a thread
// freeing or allocating meanwhile may leave an object off.
size_t LiveLessFronts(const std::atomic<size_t>& live, size_t (*held)(const LargeFront&)) {
  size_t in_fronts = 0;
  SpinLockHolder hold(g_fronts_lock);
  const size_t total = live.load(std::memory_order_relaxed);
  for (const LargeFront* front = g_fronts; front != nullptr; front = front->next_registered) in_fronts += held(*front);
  return total > in_fronts ? total - in_fronts : 0;
}

}  // namespace

size_t LargeLiveCount() {
  return LiveLessFronts(g_live.count, [](const LargeFront& f) -> size_t { return f.count.load(std::memory_order_relaxed); });
}
size_t LargeLiveBytes() {
  return LiveLessFronts(g_live.bytes, [](const LargeFront& f) { return f.usable.load(std::memory_order_relaxed); });
}

void LargeLockForFork() {
  g_fronts_lock.Lock();
  g_lock.Lock();
}
void LargeUnlockForFork(bool child) {
  if (child) {
    g_lock.ResetAfterFork();
    g_fronts_lock.ResetAfterFork();
  } else {
    g_lock.Unlock();
    g_fronts_lock.Unlock();
  }
}

}  // namespace hakmem
