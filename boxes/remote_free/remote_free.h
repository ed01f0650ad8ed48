// Remote free: a block freed by a thread that does not own its superslab goes
// onto its span's lock-free multi-producer list; the owner collects the whole
// list with one exchange when it refills.
//
// After the push the freeing thread must not touch the superslab again: the
// owner may collect the block and release the memory at once. So the owner is
// read first, and the wake-up goes to the owner's heap (never unmapped).
#ifndef HAKMEM_BOXES_REMOTE_FREE_REMOTE_FREE_H_
#define HAKMEM_BOXES_REMOTE_FREE_REMOTE_FREE_H_

#include <atomic>

#include "boxes/diagnostics/diagnostics.h"
#include "boxes/superslab/superslab.h"

namespace hakmem {

// Pushes `p`; returns true when the list was empty before (the caller then
// wakes the owner, once per batch of remote frees).
inline bool RemotePush(Slab* s, void* p) {
  void* old = s->remote.load(std::memory_order_relaxed);
  do {
    // The same block on top already: an immediate double free from another
    // thread, which would make the list loop on itself.
    if (__builtin_expect(old == p, 0)) {
      ReportDoubleFree("free", p);
      return false;
    }
    *static_cast<void**>(p) = old;
  } while (!s->remote.compare_exchange_weak(old, p, std::memory_order_release,
                                            std::memory_order_relaxed));
  return old == nullptr;
}

// Takes every pending block; returns the list head (nullptr when none).
inline void* RemoteTakeAll(Slab* s) {
  if (s->remote.load(std::memory_order_relaxed) == nullptr) return nullptr;
  return s->remote.exchange(nullptr, std::memory_order_acquire);
}

}  // namespace hakmem

#endif  // HAKMEM_BOXES_REMOTE_FREE_REMOTE_FREE_H_
