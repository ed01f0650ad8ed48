#include "boxes/release_policy/release_policy.h"

#include "boxes/env_gates/env_gates.h"
#include "boxes/mem_lean/mem_lean.h"
#include "boxes/os_memory/os_memory.h"
#include "boxes/spinlock/spinlock.h"
#include "boxes/stats/stats.h"

namespace hakmem {
namespace {

SpinLock g_cache_lock;
Superslab* g_cache = nullptr;  // singly linked through `next`
size_t g_cached = 0;

void Unmap(Superslab* ss) {
  ChunkMapClear(g_chunk_map, reinterpret_cast<uintptr_t>(ss));
  SuperslabNoteUnmapped();
  OsUnmap(ss, kChunkSize);
}

}  // namespace

Superslab* ReleasePolicyTakeSuperslab() {
  SpinLockHolder hold(g_cache_lock);
  Superslab* ss = g_cache;
  if (ss != nullptr) {
    g_cache = ss->next;
    g_cached--;
    // A decommitted superslab counts as resident again once reused.
    if (ss->decommitted) LeanNoteRecommitted(kChunkSize);
  }
  return ss;
}

void ReleasePolicyReleaseSuperslab(Superslab* ss) {
  const Gates& g = GlobalGates();
  ss->owner.store(nullptr, std::memory_order_relaxed);
  bool decommitted = false;
  if (LeanOverTarget()) {
    if (g.lean_decommit == Decommit::kNone) {
      Unmap(ss);
      return;
    }
    OsDecommit(reinterpret_cast<char*>(ss) + kSuperslabHeaderSize, kChunkSize - kSuperslabHeaderSize,
               g.lean_decommit);
    decommitted = true;
  }
  {
    SpinLockHolder hold(g_cache_lock);
    if (g_cached < g.superslab_cache) {
      ss->decommitted = decommitted;
      if (decommitted) LeanNoteDecommitted(kChunkSize);
      ss->next = g_cache;
      g_cache = ss;
      g_cached++;
      return;
    }
  }
  Unmap(ss);
}

void ReleasePolicyFreedSpan(Superslab* ss, Slab* s, size_t touched_bytes) {
  (void)ss;
  if (touched_bytes < kSlabSize || !LeanOverTarget()) return;
  const Gates& g = GlobalGates();
  const Decommit how = g.lean_decommit == Decommit::kNone ? Decommit::kDontNeed : g.lean_decommit;
  // Whole pages inside the touched part of the span only.
  const uintptr_t start = SpanStart(s);
  const uintptr_t begin = (start + kPageSize - 1) & ~(kPageSize - 1);
  const uintptr_t end = (start + touched_bytes) & ~(kPageSize - 1);
  if (end > begin) OsDecommit(reinterpret_cast<void*>(begin), end - begin, how);
}

size_t ReleasePolicyDrainCache() {
  Superslab* list;
  {
    SpinLockHolder hold(g_cache_lock);
    list = g_cache;
    g_cache = nullptr;
    g_cached = 0;
  }
  size_t n = 0;
  while (list != nullptr) {
    Superslab* next = list->next;
    if (list->decommitted) LeanNoteRecommitted(kChunkSize);
    Unmap(list);
    list = next;
    ++n;
  }
  return n;
}

size_t ReleasePolicyCachedSuperslabs() {
  SpinLockHolder hold(g_cache_lock);
  return g_cached;
}

void ReleasePolicyLockForFork() { g_cache_lock.Lock(); }
void ReleasePolicyUnlockForFork(bool child) {
  if (child) {
    g_cache_lock.ResetAfterFork();
  } else {
    g_cache_lock.Unlock();
  }
}

}  // namespace hakmem
