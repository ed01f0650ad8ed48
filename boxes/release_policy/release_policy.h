// Release policy: what happens to an empty superslab and to a span that empties
// inside a live one. FAST keeps a few empty superslabs mapped (lazy release);
// BALANCED's memory-lean mode releases memory once the allocator's resident
// estimate exceeds HAKMEM_SS_MEM_LEAN_TARGET_MB, unmapping it (decommit OFF) or
// keeping the mapping with MADV_DONTNEED / MADV_FREE.
#ifndef HAKMEM_BOXES_RELEASE_POLICY_RELEASE_POLICY_H_
#define HAKMEM_BOXES_RELEASE_POLICY_RELEASE_POLICY_H_

#include <cstddef>

#include "boxes/mem_lean/mem_lean.h"
#include "boxes/superslab/superslab.h"

namespace hakmem {

// Takes a cached empty superslab (header not initialised), or nullptr.
Superslab* ReleasePolicyTakeSuperslab();
// Called with an empty superslab nobody owns any more.
void ReleasePolicyReleaseSuperslab(Superslab* ss);
// Called when a span of a live superslab became empty and was freed.
void ReleasePolicyFreedSpan(Superslab* ss, Slab* s, size_t touched_bytes);
// Unmaps every cached superslab; returns how many.
size_t ReleasePolicyDrainCache();
size_t ReleasePolicyCachedSuperslabs();

// fork() support: the cache lock.
void ReleasePolicyLockForFork();
void ReleasePolicyUnlockForFork(bool child);

}  // namespace hakmem

#endif  // HAKMEM_BOXES_RELEASE_POLICY_RELEASE_POLICY_H_
