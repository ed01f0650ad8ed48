#include "boxes/large_objects/large_objects.h"

#include <errno.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "boxes/env_gates/env_gates.h"
#include "boxes/os_memory/os_memory.h"
#include "boxes/release_policy/release_policy.h"
#include "boxes/spinlock/spinlock.h"
#include "boxes/superslab/superslab.h"

namespace hakmem {

std::atomic<uint64_t> g_large_cache_next_expiry_ms{0};

namespace {

// Alignments up to this place the object inside the first chunk, after the
// header; larger ones start the object on a chunk and put the header below it.
constexpr size_t kMaxInChunkAlignment = kChunkSize / 2;

struct CachedSpan {
  void* base;
  size_t size;
  bool zeroed;
  uint64_t cached_at_ms;  // when it was freed to the cache (a coarse clock)
};
constexpr size_t kCacheSlots = 64;

SpinLock g_lock;
CachedSpan g_cache[kCacheSlots];
size_t g_cache_count = 0;
size_t g_cache_bytes = 0;
std::atomic<size_t> g_live_count{0};
std::atomic<size_t> g_live_bytes{0};

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) & ~(to - 1); }

// Whether `size` bytes `offset` into a mapping can be mapped at all.
bool WithinAddressSpace(size_t size, size_t offset) {
  return size <= (size_t{1} << kAddressBits) - offset - kChunkSize;
}

// A cached mapping of `cached` bytes serves requests of half that up to all.
bool Fits(size_t cached, size_t size) { return cached >= size && cached / 2 <= size; }

void Unmap(void* base, size_t size) {
  ChunkMapClear(g_chunk_map, reinterpret_cast<uintptr_t>(base));
  OsUnmap(base, size);
}

// The cache, kept in order of size (smallest first), so that a request finds
// its mapping by binary search: a scan of every slot with a compare per slot
// that goes either way took most of a large allocation's time once the cache
// held dozens of mappings (docs/PERFORMANCE.md, experiment 71).

// The first slot whose mapping is at least `size` bytes (g_cache_count if
// none). Caller holds g_lock.
size_t FirstAtLeast(size_t size) {
  size_t lo = 0, hi = g_cache_count;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (g_cache[mid].size < size) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Takes slot `i` out, keeping the order. Caller holds g_lock.
CachedSpan RemoveAt(size_t i) {
  const CachedSpan span = g_cache[i];
  memmove(&g_cache[i], &g_cache[i + 1], (g_cache_count - i - 1) * sizeof(CachedSpan));
  --g_cache_count;
  g_cache_bytes -= span.size;
  if (g_cache_count == 0) g_large_cache_next_expiry_ms.store(0, std::memory_order_relaxed);
  return span;
}

// A cached mapping of at least `size` bytes and at most twice that: the
// smallest such. A miss also takes out the smallest cached mapping if it is
// under half of `size`, into *stale for the caller to unmap: a buffer that
// grows (a vector, a hash table's resizes) frees each old copy to the cache
// and then asks for more than any of them, and kept they would hold memory
// that only a much smaller request could take. One per miss, so that a program
// whose large sizes vary keeps most of its cache (letting go of every smaller
// mapping made such a mix a third slower, docs/PERFORMANCE.md, experiment 69).
bool TakeCached(size_t size, CachedSpan* out, CachedSpan* stale) {
  SpinLockHolder hold(g_lock);
  const size_t first = FirstAtLeast(size);
  if (first < g_cache_count && Fits(g_cache[first].size, size)) {
    *out = RemoveAt(first);
    return true;
  }
  if (g_cache_count != 0 && g_cache[0].size < size / 2) *stale = RemoveAt(0);
  return false;
}

// Whether TakeCached(size) would find a mapping (it may be gone by then).
bool CacheCouldServe(size_t size) {
  SpinLockHolder hold(g_lock);
  const size_t first = FirstAtLeast(size);
  return first < g_cache_count && Fits(g_cache[first].size, size);
}

// Milliseconds on a clock that only moves forward. The coarse clock is a
// vDSO read of the kernel's tick (a few ns, no system call), which is fine
// enough for a decay counted in tens of milliseconds.
uint64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

// Takes out the cached mappings freed at or before `cutoff_ms` into `out` and
// sets the next expiry from those that stay. Caller holds g_lock.
size_t TakeExpiredLocked(uint64_t cutoff_ms, uint64_t decay_ms, CachedSpan* out) {
  size_t n = 0;
  size_t kept = 0;
  uint64_t oldest_kept = UINT64_MAX;
  for (size_t i = 0; i < g_cache_count; ++i) {
    const CachedSpan& span = g_cache[i];
    if (span.cached_at_ms <= cutoff_ms) {
      out[n++] = span;
      g_cache_bytes -= span.size;
      continue;
    }
    if (span.cached_at_ms < oldest_kept) oldest_kept = span.cached_at_ms;
    g_cache[kept++] = span;  // in order still
  }
  g_cache_count = kept;
  g_large_cache_next_expiry_ms.store(oldest_kept == UINT64_MAX ? 0 : oldest_kept + decay_ms, std::memory_order_relaxed);
  return n;
}

// Keeps the mapping for reuse when the policy allows, as freed at `now_ms`;
// false: caller unmaps.
bool PutCached(void* base, size_t size, uint64_t now_ms) {
  const Gates& g = GlobalGates();
  const size_t budget = g.large_cache_mb << 20;
  if (size > budget) return false;  // before any madvise that would be wasted
  bool zeroed = false;
  if (LeanOverTarget()) {
    if (g.lean_decommit == Decommit::kNone) return false;
    zeroed = OsDecommit(base, size, g.lean_decommit);
  }
  SpinLockHolder hold(g_lock);
  // Only what fits is kept; older spans are not evicted for it.
  if (g_cache_count == kCacheSlots || g_cache_bytes + size > budget) return false;
  const size_t at = FirstAtLeast(size);
  memmove(&g_cache[at + 1], &g_cache[at], (g_cache_count - at) * sizeof(CachedSpan));
  g_cache[at] = CachedSpan{base, size, zeroed, now_ms};
  ++g_cache_count;
  g_cache_bytes += size;
  if (g.large_cache_decay_ms != 0 && g_large_cache_next_expiry_ms.load(std::memory_order_relaxed) == 0) {
    g_large_cache_next_expiry_ms.store(now_ms + g.large_cache_decay_ms, std::memory_order_relaxed);
  }
  return true;
}

// Unmaps the cached mappings unused for the decay time at `now_ms`; returns
// how many.
size_t ReleaseExpired(uint64_t now_ms) {
  const uint64_t decay = GlobalGates().large_cache_decay_ms;
  CachedSpan expired[kCacheSlots];
  size_t n;
  {
    SpinLockHolder hold(g_lock);
    const uint64_t due = g_large_cache_next_expiry_ms.load(std::memory_order_relaxed);
    if (due == 0 || now_ms < due) return 0;  // another thread was first
    n = TakeExpiredLocked(now_ms - decay, decay, expired);
  }
  for (size_t i = 0; i < n; ++i) Unmap(expired[i].base, expired[i].size);
  return n;
}

}  // namespace

void* LargeAlloc(size_t size, size_t alignment, bool zero) {
  if (alignment < kPageSize) alignment = kPageSize;
  const bool huge_aligned = alignment > kMaxInChunkAlignment;
  const size_t offset = huge_aligned ? alignment : (alignment > kPageSize ? alignment : kPageSize);
  if (!WithinAddressSpace(size, offset)) {
    errno = ENOMEM;
    return nullptr;
  }
  const size_t map_size = RoundUp(offset + size, kPageSize);
  CachedSpan span{nullptr, 0, true, 0};
  CachedSpan stale{nullptr, 0, false, 0};
  if (huge_aligned || !TakeCached(map_size, &span, &stale)) {
    // Before the new map, for a lower peak: what the miss lets go of, and what
    // the decay does (the clock is read on misses only, which map anyway).
    if (stale.base != nullptr) Unmap(stale.base, stale.size);
    LargeCacheTick();
    span.base = OsMapAligned(map_size, huge_aligned ? alignment : kChunkSize);
    if (span.base == nullptr) {
      errno = ENOMEM;
      return nullptr;
    }
    span.size = map_size;
    span.zeroed = true;
  }
  char* base = static_cast<char*>(span.base);
  char* user = base + offset;
  LargeHeader* h = reinterpret_cast<LargeHeader*>(huge_aligned ? user - kPageSize : base);
  h->magic = kLargeMagic;
  for (SpanMapEntry& entry : h->no_spans) entry = kNoSpanEntry;
  SlabMakeSentinel(&h->no_span);
  h->map_base = base;
  h->map_size = span.size;
  h->user = user;
  h->usable = span.size - offset;
  if (huge_aligned) {
    // Only in the huge-aligned map: the free fast path, which reads a chunk's
    // header, must not take this chunk (user data) for a superslab.
    ChunkMapSet(g_huge_aligned_map, reinterpret_cast<uintptr_t>(user));
  } else {
    ChunkMapSet(g_chunk_map, reinterpret_cast<uintptr_t>(base));
  }
  if (zero && !span.zeroed) memset(user, 0, h->usable);
  g_live_count.fetch_add(1, std::memory_order_relaxed);
  g_live_bytes.fetch_add(h->usable, std::memory_order_relaxed);
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

void LargeFree(LargeHeader* h) {
  void* base = h->map_base;
  const size_t size = h->map_size;
  const uintptr_t user = reinterpret_cast<uintptr_t>(h->user);
  g_live_count.fetch_sub(1, std::memory_order_relaxed);
  g_live_bytes.fetch_sub(h->usable, std::memory_order_relaxed);
  h->magic = 0;  // a second free of the same pointer is recognised as invalid
  if ((user & kChunkMask) == 0) {
    ChunkMapClear(g_huge_aligned_map, user);
    OsUnmap(base, size);
    return;
  }
  // One clock read serves the cache's timestamp and its decay.
  const uint64_t now = GlobalGates().large_cache_decay_ms != 0 ? NowMs() : 0;
  if (!PutCached(base, size, now)) Unmap(base, size);
  const uint64_t due = g_large_cache_next_expiry_ms.load(std::memory_order_relaxed);
  if (due != 0 && now >= due) ReleaseExpired(now);
}

void* LargeGrow(LargeHeader* h, size_t size) {
  const uintptr_t user = reinterpret_cast<uintptr_t>(h->user);
  // Huge-aligned objects keep their header below the object, outside the
  // first page a move takes along.
  if ((user & kChunkMask) == 0) return nullptr;
  char* const base = static_cast<char*>(h->map_base);
  const size_t offset = user - reinterpret_cast<uintptr_t>(base);
  if (!WithinAddressSpace(size, offset)) return nullptr;
  const size_t old_size = h->map_size;
  const size_t new_size = RoundUp(offset + size, kPageSize);
  // A cached mapping has its pages already: copying into it beats moving ours
  // and faulting in the rest (a buffer grown again and again, freed and grown).
  if (CacheCouldServe(new_size)) return nullptr;
  const size_t old_usable = h->usable;
  // Growth in place fails whenever the next pages are taken: errno stays as
  // the caller left it, whichever way realloc then succeeds.
  const int saved_errno = errno;
  if (!OsGrowInPlace(base, old_size, new_size)) {
    void* dest = OsMapAligned(new_size, kChunkSize);
    if (dest != nullptr && !OsMoveInto(base, old_size, dest, new_size)) {
      OsUnmap(dest, new_size);
      dest = nullptr;
    }
    errno = saved_errno;
    if (dest == nullptr) return nullptr;
    // The header came along in the first page.
    ChunkMapSet(g_chunk_map, reinterpret_cast<uintptr_t>(dest));
    ChunkMapClear(g_chunk_map, reinterpret_cast<uintptr_t>(base));
    h = static_cast<LargeHeader*>(dest);
    h->map_base = dest;
    h->user = static_cast<char*>(dest) + offset;
  }
  h->map_size = new_size;
  h->usable = new_size - offset;
  g_live_bytes.fetch_add(h->usable - old_usable, std::memory_order_relaxed);
  return h->user;
}

bool LargeShrink(LargeHeader* h, size_t size) {
  const uintptr_t user = reinterpret_cast<uintptr_t>(h->user);
  if ((user & kChunkMask) == 0) return false;  // as LargeGrow: header below the object
  char* const base = static_cast<char*>(h->map_base);
  const size_t offset = user - reinterpret_cast<uintptr_t>(base);
  const size_t new_size = RoundUp(offset + size, kPageSize);
  if (new_size >= h->map_size) return true;  // within the last page already
  // The tail of the mapping only: the kernel trims the region in place, with
  // no new region to make, and the header in the first page stays.
  OsUnmap(base + new_size, h->map_size - new_size);
  const size_t old_usable = h->usable;
  h->map_size = new_size;
  h->usable = new_size - offset;
  g_live_bytes.fetch_sub(old_usable - h->usable, std::memory_order_relaxed);
  return true;
}

size_t LargeDrainCache() {
  CachedSpan spans[kCacheSlots];
  size_t n;
  {
    SpinLockHolder hold(g_lock);
    n = g_cache_count;
    memcpy(spans, g_cache, n * sizeof(CachedSpan));
    g_cache_count = 0;
    g_cache_bytes = 0;
    g_large_cache_next_expiry_ms.store(0, std::memory_order_relaxed);
  }
  for (size_t i = 0; i < n; ++i) Unmap(spans[i].base, spans[i].size);
  return n;
}

void LargeCacheTickSlow() {
  const uint64_t due = g_large_cache_next_expiry_ms.load(std::memory_order_relaxed);
  if (due == 0) return;
  const uint64_t now = NowMs();
  if (now >= due) ReleaseExpired(now);
}

size_t LargeLiveCount() { return g_live_count.load(std::memory_order_relaxed); }
size_t LargeLiveBytes() { return g_live_bytes.load(std::memory_order_relaxed); }

void LargeLockForFork() { g_lock.Lock(); }
void LargeUnlockForFork(bool child) {
  if (child) {
    g_lock.ResetAfterFork();
  } else {
    g_lock.Unlock();
  }
}

}  // namespace hakmem
