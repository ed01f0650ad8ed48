// The per-thread heap: the thread cache's bins, the partial spans of every
// class, the superslabs the thread owns, and the slow paths that move blocks
// between them (refill, flush, remote collection, thread exit, adoption of
// abandoned superslabs). Spans of several slabs (classes above 8 KiB, up to
// 256 KiB) make up the medium pool; they live in the same superslabs.
#ifndef HAKMEM_BOXES_HEAP_HEAP_H_
#define HAKMEM_BOXES_HEAP_HEAP_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "boxes/large_objects/large_objects.h"
#include "boxes/size_classes/size_classes.h"
#include "boxes/stats/stats.h"
#include "boxes/superslab/superslab.h"
#include "boxes/thread_cache/thread_cache.h"

namespace hakmem {

// Superslabs a heap owns, one per slot (chunk index mod kCount): a freed block
// whose superslab is in its slot is the calling thread's own, so the free fast
// path skips the chunk-map and owner tests for it. Owner-only. A superslab
// that lost its slot to another with the same index takes the general path,
// which puts it back.
struct OwnedSlots {
  static constexpr size_t kCount = 16;
  // No superslab is at an odd address, and an empty slot must not match the
  // "superslab" of free(NULL) (address 0).
  static constexpr uintptr_t kEmpty = 1;
  uintptr_t slots[kCount];
  constexpr OwnedSlots() : slots{} {
    for (uintptr_t& slot : slots) slot = kEmpty;
  }
};

struct Heap {
  ThreadCache cache;  // first: the fast paths address it from the heap pointer alone
  OwnedSlots owned;
  Slab* partial[kNumClasses];  // spans with free blocks, per class
  Superslab* avail;            // owned superslabs with free slabs
  Superslab* full;             // owned superslabs without
  Heap* next_in_registry;
  Heap* next_free;  // in the pool of heaps of exited threads
  bool live;
  // How many fork()s this process had been through when the heap was taken
  // (HeapForkChild: a heap older than the last fork is the forking thread's
  // or a thread's the child does not have).
  uint64_t forks_before;
  // Non-zero while the owner changes its heap in more than a fast path's
  // single stores (HeapBusyScope).
  std::atomic<uint32_t> busy;
  ThreadStats stats;
  // Blocks of other threads this thread freed last, each pushed to its owner
  // kRemoteDelay remote frees later, or when the thread trims or exits
  // (HeapRemoteFree). Owner-only.
  static constexpr uint32_t kRemoteDelay = 8;  // a power of two
  void* remote_delay[kRemoteDelay];
  uint32_t remote_delay_next;
  LargeFront large_front;  // the large objects this thread freed last
  // Other threads write here (once per batch of remote frees): own cache line.
  alignas(64) std::atomic<uint32_t> remote_hint;
};

// Keeps the stores before it (a heap's busy mark) ahead of those after it, as
// another core, and so a fork's copy of memory, sees them. x86 commits stores
// in order, so there only the compiler must be kept from moving them (and
// ThreadSanitizer, which does not model fences, has none to warn about).
inline void StoresBeforeStay() {
#if defined(__x86_64__) || defined(__i386__)
  std::atomic_signal_fence(std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_release);
#endif
}

// Marks the heap busy while its owner changes it in more than a fast path's
// single stores (a slow path, a walk of its large-object front), so that a
// fork() child does not take back the heap of a thread that was in the middle
// of it (HeapForkChild): such a heap is left as it was. Owner-only; nests.
// The mark comes before the changes and goes after them (a release store).
class HeapBusyScope {
 public:
  explicit HeapBusyScope(Heap* h) : h_(h) {
    h_->busy.store(h_->busy.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    StoresBeforeStay();
  }
  ~HeapBusyScope() { h_->busy.store(h_->busy.load(std::memory_order_relaxed) - 1, std::memory_order_release); }
  HeapBusyScope(const HeapBusyScope&) = delete;
  HeapBusyScope& operator=(const HeapBusyScope&) = delete;

 private:
  Heap* h_;
};

inline size_t OwnedSlotOf(const Superslab* ss) {
  return (reinterpret_cast<uintptr_t>(ss) >> kChunkShift) & (OwnedSlots::kCount - 1);
}
// True only for a superslab `h` owns (false for any other address).
inline bool HeapOwnsRecent(const Heap* h, const Superslab* ss) {
  return h->owned.slots[OwnedSlotOf(ss)] == reinterpret_cast<uintptr_t>(ss);
}
// `ss` is owned by `h` (and stays so until HeapForgetOwned).
inline void HeapRememberOwned(Heap* h, const Superslab* ss) {
  h->owned.slots[OwnedSlotOf(ss)] = reinterpret_cast<uintptr_t>(ss);
}
inline void HeapForgetOwned(Heap* h, const Superslab* ss) {
  if (HeapOwnsRecent(h, ss)) h->owned.slots[OwnedSlotOf(ss)] = OwnedSlots::kEmpty;
}

// The calling thread's heap. Threads start on the empty heap, whose bins are
// always empty and which owns nothing, so the fast paths need no "initialised?"
// test: the first malloc takes the slow path, which creates the real heap.
extern Heap g_empty_heap;
extern __thread Heap* tls_heap __attribute__((tls_model("initial-exec")));

// Slow path of allocation once the calling thread's bin of `cls` (possibly the
// empty heap's) came up empty: makes the heap, refills, pops. nullptr with
// errno = ENOMEM when memory is exhausted.
void* HeapAllocSlow(size_t cls);
// The calling thread's heap, made now if the thread has none (as its first
// small allocation would make it); nullptr when memory is exhausted.
Heap* HeapOfThisThread();
// A bin went over its limit: hand half of it back to the slabs.
void HeapFlush(Heap* heap, size_t cls);
// Free of a block owned by another thread (or by nobody), by a thread whose
// heap is `h`.
void HeapRemoteFree(Heap* h, Superslab* ss, Slab* s, void* p);

// Returns this thread's cached blocks and every empty span and superslab it can
// find (abandoned ones too) to the OS or the policy's caches.
void HeapTrim();
// Thread exit: cached blocks go back, empty memory is released, the rest of the
// thread's superslabs are abandoned for live threads to adopt.
void HeapThreadExit(Heap* heap);

// Process-wide initialisation (idempotent, allocation-free).
void HeapGlobalInit();

// Heaps of all threads, for statistics. `fn` runs under the registry lock.
void HeapForEach(void (*fn)(const Heap&, void*), void* arg);
// Bytes in blocks handed out of slabs (to users or thread caches).
size_t HeapBytesOutOfSlabs();
// Bytes sitting in the thread caches of live threads (read without
// synchronising with their owners: a statistic, exact only when they are idle).
size_t HeapBytesInThreadCaches();
size_t HeapAbandonedSuperslabs();

// Verifies the calling thread's heap and the abandoned superslabs; writes each
// problem found to stderr and returns how many there were (0: consistent).
size_t HeapCheck();

void HeapLockForFork();
void HeapUnlockForFork(bool child);
// fork(), in the child, after HeapUnlockForFork: the parent's other threads
// do not exist here, and their heaps would keep their cached blocks, their
// superslabs and their large-object fronts for as long as the child runs
// (frees of their blocks landing on remote lists nobody collects). The call
// only notes the fork; the child takes those heaps back (as their threads'
// exits would have) the first time it would otherwise take memory from an
// abandoned superslab or the OS for a refill, or at malloc_trim: a child that
// goes on to exec, as most do, copies none of their pages. A heap whose thread
// was in the middle of changing it (HeapBusyScope) stays as it was.
void HeapForkChild();

}  // namespace hakmem

#endif  // HAKMEM_BOXES_HEAP_HEAP_H_
