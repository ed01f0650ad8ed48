// Memory-lean mode (BALANCED's "LEAN"): decides when freed memory goes back to
// the OS instead of into caches: once the allocator's resident estimate is
// above HAKMEM_SS_MEM_LEAN_TARGET_MB. HAKMEM_SS_MEM_LEAN=0 turns it off at run
// time; --//profiles:mem_lean=off compiles it out (LeanOverTarget() is then a
// constant false and nothing here is linked).
#ifndef HAKMEM_BOXES_MEM_LEAN_MEM_LEAN_H_
#define HAKMEM_BOXES_MEM_LEAN_MEM_LEAN_H_

#include <cstddef>

namespace hakmem {

#if HAKMEM_MEM_LEAN_ENABLED
// True when lean mode is on and the resident estimate is above target.
bool LeanOverTarget();
// Decommitted memory that stays mapped does not count as resident.
void LeanNoteDecommitted(size_t bytes);
void LeanNoteRecommitted(size_t bytes);
// Large objects' mappings (boxes/large_objects: live, in the fronts and in
// the cache), which the estimate leaves out: the live ones cannot be given
// back, the freed ones are bounded by the large-object cache's own budget
// (HAKMEM_LARGE_CACHE_MB), and counted whole (most of a big buffer's pages may
// never be touched) a program with a few of them was always over the target,
// so every large object freed went back to the kernel at once
// (docs/PERFORMANCE.md, experiment 98).
void LeanNoteLargeMapped(size_t bytes);
void LeanNoteLargeUnmapped(size_t bytes);
// Mapped bytes minus decommitted ones and minus large objects' mappings: the
// small-object memory lean mode governs.
size_t LeanResidentEstimate();
#else
inline constexpr bool LeanOverTarget() { return false; }
inline void LeanNoteDecommitted(size_t) {}
inline void LeanNoteRecommitted(size_t) {}
inline void LeanNoteLargeMapped(size_t) {}
inline void LeanNoteLargeUnmapped(size_t) {}
#endif

}  // namespace hakmem

#endif  // HAKMEM_BOXES_MEM_LEAN_MEM_LEAN_H_
