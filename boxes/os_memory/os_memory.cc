#include "boxes/os_memory/os_memory.h"

#include <errno.h>
#include <sys/mman.h>

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
  void* p = mmap(hint, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  const bool mapped = p != MAP_FAILED;
  CountMapped(mapped ? size : 0);  // a failed call maps 0 bytes
  return mapped ? p : nullptr;
}

void RawUnmap(void* addr, size_t size) {
  if (size == 0) return;
  munmap(addr, size);
  CountUnmapped(size);
}

// Where the last aligned mapping ended: the next one is tried right after it,
// which usually yields an aligned region with a single mmap.
std::atomic<uintptr_t> g_next_hint{0};

}  // namespace

void* OsMapAligned(size_t size, size_t alignment) {
  const uintptr_t hint = g_next_hint.load(std::memory_order_relaxed);
  if (hint != 0 && hint % alignment == 0) {
    void* p = RawMap(reinterpret_cast<void*>(hint), size);
    if (p == nullptr) return nullptr;
    if (reinterpret_cast<uintptr_t>(p) % alignment == 0) {
      g_next_hint.store(reinterpret_cast<uintptr_t>(p) + size, std::memory_order_relaxed);
      return p;
    }
    RawUnmap(p, size);
  }
  // Over-map and trim to the alignment.
  const size_t padded = size + alignment;
  if (padded < size) {
    errno = ENOMEM;
    return nullptr;
  }
  char* raw = static_cast<char*>(RawMap(nullptr, padded));
  if (raw == nullptr) return nullptr;
  const uintptr_t start = (reinterpret_cast<uintptr_t>(raw) + alignment - 1) & ~(alignment - 1);
  char* aligned = reinterpret_cast<char*>(start);
  RawUnmap(raw, static_cast<size_t>(aligned - raw));
  RawUnmap(aligned + size, static_cast<size_t>(raw + padded - (aligned + size)));
  g_next_hint.store(start + size, std::memory_order_relaxed);
  return aligned;
}

void OsUnmap(void* addr, size_t size) { RawUnmap(addr, size); }

bool OsGrowInPlace(void* addr, size_t old_size, size_t new_size) {
  const bool grown = !FaultInjectionShouldFailMap() && mremap(addr, old_size, new_size, 0) != MAP_FAILED;
  CountMapped(grown ? new_size - old_size : 0);
  if (!grown) return false;
  // The next aligned mapping is tried after this one's new end, not inside it.
  uintptr_t old_end = reinterpret_cast<uintptr_t>(addr) + old_size;
  g_next_hint.compare_exchange_strong(old_end, reinterpret_cast<uintptr_t>(addr) + new_size,
                                      std::memory_order_relaxed);
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
