#include "boxes/os_memory/os_memory.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "boxes/fault_injection/fault_injection.h"

namespace hakmem {
namespace {

// Statistics on slow paths, read while other threads map and unmap. Written
// with release and read with acquire, in orders that keep a snapshot's own
// invariants however the reader is delayed between two loads (see
// OsCountersSnapshot).
std::atomic<uint64_t> g_mmap_calls{0};
std::atomic<uint64_t> g_munmap_calls{0};
std::atomic<uint64_t> g_madvise_calls{0};
std::atomic<uint64_t> g_madvise_skipped{0};
std::atomic<uint64_t> g_mmap_bytes{0};
std::atomic<uint64_t> g_munmap_bytes{0};
std::atomic<uint64_t> g_madvise_bytes{0};
// Mapped right now: one counter, so a reader never pairs a map with an unmap
// it did not see (mmap_bytes - munmap_bytes read separately can go negative).
std::atomic<int64_t> g_mapped_bytes{0};

// The bytes before the call, so that a reader who sees the call sees its bytes.
void Count(std::atomic<uint64_t>& calls, std::atomic<uint64_t>& bytes, size_t n) {
  bytes.fetch_add(n, std::memory_order_release);
  calls.fetch_add(1, std::memory_order_release);
}
// A call that mapped `n` bytes (0: it failed) or unmapped them.
void CountMapped(size_t n) {
  Count(g_mmap_calls, g_mmap_bytes, n);
  g_mapped_bytes.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
}
void CountUnmapped(size_t n) {
  Count(g_munmap_calls, g_munmap_bytes, n);
  g_mapped_bytes.fetch_sub(static_cast<int64_t>(n), std::memory_order_relaxed);
}

void* RawMap(void* hint, size_t size) {
  if (FaultInjectionShouldFailMap()) {
    errno = ENOMEM;
    return nullptr;
  }
  // Without MAP_NORESERVE the kernel's overcommit check applies (as to glibc's
  // mappings): a request larger than the machine's memory and swap fails here
  // with ENOMEM, instead of handing out a block that the first pages written
  // beyond what there is would get the process killed for.
  void* p = mmap(hint, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const bool mapped = p != MAP_FAILED;
  CountMapped(mapped ? size : 0);  // a failed call maps 0 bytes
  return mapped ? p : nullptr;
}

void RawUnmap(void* addr, size_t size) {
  if (size == 0) return;
  munmap(addr, size);
  CountUnmapped(size);
}

// Aligned mappings are asked for in a region of their own, from 2 TiB up (as
// mimalloc's aligned hints): the kernel places everything else top down from
// below 128 TiB (executables near 85 TiB), so the address after the last hint
// is free, and an aligned mapping costs one mmap instead of an over-sized one
// and two munmaps trimming it (docs/PERFORMANCE.md, experiment 74). Each
// process starts at its own place in the first 4 TiB of the region, on 2 MiB,
// so that addresses stay unpredictable, and starts over past 30 TiB. Not under
// AddressSanitizer or ThreadSanitizer (kAlignedMappingHints).
constexpr uintptr_t kHintRegionStart = uintptr_t{2} << 40;
constexpr uintptr_t kHintRegionSpread = uintptr_t{4} << 40;
constexpr uintptr_t kHintRegionEnd = uintptr_t{30} << 40;
constexpr size_t kHintGranule = size_t{2} << 20;
// Larger mappings are left where the kernel puts them: a hint for a huge one
// would make a few known addresses likely to lie inside it.
constexpr size_t kMaxHintedSize = size_t{1} << 30;

// Where the next hint goes (0 before the first).
std::atomic<uintptr_t> g_next_hint{0};

// A per-process start: the addresses of this library's data and of the
// caller's stack are randomised by the kernel (ASLR); mixed, they pick it.
uintptr_t HintRegionFirst() {
  uintptr_t local = 0;
  uint64_t x = reinterpret_cast<uintptr_t>(&g_next_hint) ^ (reinterpret_cast<uintptr_t>(&local) << 17);
  x *= 0x9E3779B97F4A7C15u;
  x ^= x >> 31;
  return kHintRegionStart + (x & (kHintRegionSpread - 1) & ~(kHintGranule - 1));
}

// Reserves [hint, hint + size) in the region for the caller.
uintptr_t NextHint(size_t size, size_t alignment) {
  uintptr_t next = g_next_hint.load(std::memory_order_relaxed);
  for (;;) {
    uintptr_t hint = AlignUp(next == 0 ? HintRegionFirst() : next, alignment);
    if (hint + size > kHintRegionEnd) hint = AlignUp(kHintRegionStart, alignment);
    const uintptr_t end = AlignUp(hint + size, kHintGranule);
    if (g_next_hint.compare_exchange_weak(next, end, std::memory_order_relaxed)) return hint;
  }
}

}  // namespace

void* OsMapAligned(size_t size, size_t alignment) {
  if (kAlignedMappingHints && size <= kMaxHintedSize && alignment <= kMaxHintedSize) {
    void* p = RawMap(reinterpret_cast<void*>(NextHint(size, alignment)), size);
    if (p == nullptr) return nullptr;
    if (reinterpret_cast<uintptr_t>(p) % alignment == 0) return p;
    RawUnmap(p, size);  // the hint was taken (a sanitizer's memory, a fixed mapping)
  }
  // Over-map and trim to the alignment.
  const size_t padded = size + alignment;
  if (padded < size) {
    errno = ENOMEM;
    return nullptr;
  }
  char* raw = static_cast<char*>(RawMap(nullptr, padded));
  if (raw == nullptr) return nullptr;
  const uintptr_t start = AlignUp(reinterpret_cast<uintptr_t>(raw), alignment);
  char* aligned = reinterpret_cast<char*>(start);
  RawUnmap(raw, static_cast<size_t>(aligned - raw));
  RawUnmap(aligned + size, static_cast<size_t>(raw + padded - (aligned + size)));
  return aligned;
}

void OsUnmap(void* addr, size_t size) { RawUnmap(addr, size); }

bool OsGrowInPlace(void* addr, size_t old_size, size_t new_size) {
  const bool grown = !FaultInjectionShouldFailMap() && mremap(addr, old_size, new_size, 0) != MAP_FAILED;
  CountMapped(grown ? new_size - old_size : 0);
  if (!grown) return false;
  // The next hint goes after this mapping's new end, not inside it, when it
  // was to follow the old one (hints are 2 MiB-granular).
  uintptr_t old_end = AlignUp(reinterpret_cast<uintptr_t>(addr) + old_size, kHintGranule);
  const uintptr_t new_end = AlignUp(reinterpret_cast<uintptr_t>(addr) + new_size, kHintGranule);
  g_next_hint.compare_exchange_strong(old_end, new_end, std::memory_order_relaxed);
  return true;
}

bool OsMoveInto(void* addr, size_t old_size, void* dest, size_t new_size) {
  const bool moved = !FaultInjectionShouldFailMap() &&
                     mremap(addr, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dest) == dest;
  CountUnmapped(moved ? old_size : 0);
  return moved;
}

bool OsDecommit(void* addr, size_t size, Decommit how) {
  if (how == Decommit::kNone || size == 0) return false;
  const int advice = how == Decommit::kFree ? MADV_FREE : MADV_DONTNEED;
  const int rc = madvise(addr, size, advice);
  Count(g_madvise_calls, g_madvise_bytes, size);
  return rc == 0 && how == Decommit::kDontNeed;
}

namespace {

#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
// PIDFD_SELF (linux/pidfd.h; kernels without it answer EBADF): the calling
// process, without a pidfd_open (a descriptor to open, close, and run out of).
constexpr int kPidfdSelf = -10000;

std::atomic<bool> g_decommit_batch_refused{false};

// Gives back what the kernel takes of ranges[0, n), n <= kMaxDecommitRanges,
// in one call; returns how many ranges it covered whole (0 when it refused).
size_t DecommitBatch(const OsRange* ranges, size_t n, int advice) {
  iovec iov[kMaxDecommitRanges];
  for (size_t i = 0; i < n; ++i) iov[i] = iovec{ranges[i].addr, ranges[i].size};
  const long rc = syscall(SYS_process_madvise, kPidfdSelf, iov, n, advice, 0);
  const size_t advised = rc > 0 ? static_cast<size_t>(rc) : 0;
  Count(g_madvise_calls, g_madvise_bytes, advised);
  // Refused outright (no such call, no PIDFD_SELF, an advice it does not take
  // from process_madvise, a filter): every later batch would be too.
  if (rc < 0 && (errno == ENOSYS || errno == EBADF || errno == EINVAL || errno == EPERM)) {
    g_decommit_batch_refused.store(true, std::memory_order_relaxed);
  }
  // The kernel advises the ranges in order and stops at the first it cannot.
  size_t covered = 0;
  for (size_t bytes = 0; covered < n && bytes + ranges[covered].size <= advised; ++covered) {
    bytes += ranges[covered].size;
  }
  return covered;
}

}  // namespace

void OsDecommitRanges(const OsRange* ranges, size_t n, Decommit how, bool batched, bool* zeroed) {
  const int saved_errno = errno;
  for (size_t first = 0; first < n; first += kMaxDecommitRanges) {
    const size_t k = std::min(n - first, kMaxDecommitRanges);
    size_t done = 0;
    if (how != Decommit::kNone && batched && k > 1 && !g_decommit_batch_refused.load(std::memory_order_relaxed)) {
      done = DecommitBatch(ranges + first, k, how == Decommit::kFree ? MADV_FREE : MADV_DONTNEED);
      for (size_t i = 0; i < done; ++i) zeroed[first + i] = how == Decommit::kDontNeed;
    }
    for (size_t i = done; i < k; ++i) {
      zeroed[first + i] = OsDecommit(ranges[first + i].addr, ranges[first + i].size, how);
    }
  }
  errno = saved_errno;
}

bool OsDecommitBatchRefused() { return g_decommit_batch_refused.load(std::memory_order_relaxed); }

void OsUseSmallPages(void* addr, size_t size) {
  madvise(addr, size, MADV_NOHUGEPAGE);
  Count(g_madvise_calls, g_madvise_bytes, size);
}

void OsNoteDecommitSkipped() { g_madvise_skipped.fetch_add(1, std::memory_order_relaxed); }

// Loads in the reverse of the order the counters grow in: an unmap's counts
// after its map's (program order, or the hand-over of the pointer), and a
// call's count after its bytes (Count). So a snapshot never shows more bytes
// unmapped than mapped, nor a call without its bytes, even when the reader is
// held up between two loads while others map and unmap gigabytes (a reader
// that loaded mmap_bytes first once saw 1.1 GB mapped against 3.7 GB unmapped:
// heap_info_api_test in a loaded CI run).
OsCounters OsCountersSnapshot() {
  OsCounters c;
  c.munmap_calls = g_munmap_calls.load(std::memory_order_acquire);
  c.munmap_bytes = g_munmap_bytes.load(std::memory_order_acquire);
  c.madvise_calls = g_madvise_calls.load(std::memory_order_acquire);
  c.madvise_bytes = g_madvise_bytes.load(std::memory_order_acquire);
  c.madvise_skipped = g_madvise_skipped.load(std::memory_order_acquire);
  c.mmap_calls = g_mmap_calls.load(std::memory_order_acquire);
  c.mmap_bytes = g_mmap_bytes.load(std::memory_order_acquire);
  return c;
}

size_t OsMappedBytes() {
  const int64_t mapped = g_mapped_bytes.load(std::memory_order_relaxed);
  return mapped > 0 ? static_cast<size_t>(mapped) : 0;
}

}  // namespace hakmem
