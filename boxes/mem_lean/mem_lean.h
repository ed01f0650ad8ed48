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
// Mapped bytes minus decommitted ones.
size_t LeanResidentEstimate();
#else
inline constexpr bool LeanOverTarget() { return false; }
inline void LeanNoteDecommitted(size_t) {}
inline void LeanNoteRecommitted(size_t) {}
#endif

}  // namespace hakmem

#endif  // HAKMEM_BOXES_MEM_LEAN_MEM_LEAN_H_
