// Remote free: a block freed by a thread that does not own its superslab goes
// onto its span's lock-free multi-producer list; the owner collects the whole
// list with one exchange when it refills.
//
// The list's links are encoded with the process's link key, as the spans' own
// free lists are (thread_cache.h), so the owner splices a collected list onto
// the span's free list whole: it reads every block (to count them and find the
// tail) but writes only the tail. Each block's line, last written by the
// freeing thread's core, then crosses cores once instead of twice (a read,
// then a write to re-encode the link), which is what remote frees cost when
// the cores are far apart.
//
// After the push the freeing thread must not touch the superslab again: the
// owner may collect the block and release the memory at once. So the owner is
// read first, and the wake-up goes to the owner's heap (never unmapped).
#ifndef HAKMEM_BOXES_REMOTE_FREE_REMOTE_FREE_H_
#define HAKMEM_BOXES_REMOTE_FREE_REMOTE_FREE_H_

#include <atomic>

#include "boxes/diagnostics/diagnostics.h"
#include "boxes/superslab/superslab.h"
#include "boxes/thread_cache/thread_cache.h"

namespace hakmem {

// Asks for the line at `p` in a state that allows writing, without waiting for
// it (a prefetch never faults).
inline void PrefetchForWrite(const void* p) {
#if defined(__x86_64__)
  // prefetchw: AMD since the K6-2, Intel since Broadwell (a no-op before).
  asm volatile("prefetchw %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p, 1);
#endif
}

// Pushes `p`; returns true when the list was empty before (the caller then
// wakes the owner with RemoteWake, once per batch of remote frees).
// seq_cst: see RemoteWake.
inline bool RemotePush(Slab* s, void* p) {
  std::atomic<void*>& list = RemoteListOf(s);
  void* old = list.load(std::memory_order_relaxed);
  do {
    // The same block on top already: an immediate double free from another
    // thread, which would make the list loop on itself.
    if (__builtin_expect(old == p, 0)) {
      ReportDoubleFree("free", p);
      return false;
    }
    SetNext(p, old);
  } while (!list.compare_exchange_weak(old, p, std::memory_order_seq_cst, std::memory_order_relaxed));
  return old == nullptr;
}

// Sets the owner's wake-up hint after a push, unless it is set already: most
// remote frees then only read the owner's hint line instead of writing it (a
// locked instruction on a line the owner also writes). The collector clears the
// hint (seq_cst exchange) before it scans the lists (seq_cst loads in
// RemoteTakeAll), and the pusher pushes before it reads the hint, all in one
// total order: either this read comes after the clear and sets the hint again,
// or it came before it, and then so did the push, which the scan sees.
inline void RemoteWake(std::atomic<uint32_t>* hint) {
  if (hint->load(std::memory_order_seq_cst) == 0) hint->store(1, std::memory_order_seq_cst);
}

// Takes every pending block; returns the list head (nullptr when none).
// The wake-up hint must be cleared (seq_cst) before the scan calls this.
inline void* RemoteTakeAll(Slab* s) {
  std::atomic<void*>& list = RemoteListOf(s);
  if (list.load(std::memory_order_seq_cst) == nullptr) return nullptr;
  return list.exchange(nullptr, std::memory_order_acquire);
}

}  // namespace hakmem

#endif  // HAKMEM_BOXES_REMOTE_FREE_REMOTE_FREE_H_
