// Prewarm: a new thread heap fills the thread-cache bins of the hottest tiny
// classes at once, so the first allocations of each class skip the refill
// path. On in FAST and OBSERVE, suppressed in BALANCED (it costs memory).
// HAKMEM_PREWARM=0 turns it off at run time; the compile-out switch
// //profiles:prewarm=off removes it.
#ifndef HAKMEM_BOXES_PREWARM_PREWARM_H_
#define HAKMEM_BOXES_PREWARM_PREWARM_H_

#include <cstddef>

#include "boxes/env_gates/env_gates.h"

namespace hakmem {

// Classes 16..256 B.
inline constexpr size_t kPrewarmClasses = 16;

#if HAKMEM_PREWARM_ENABLED
inline bool PrewarmEnabled() { return GlobalGates().prewarm; }
#else
inline constexpr bool PrewarmEnabled() { return false; }
#endif

}  // namespace hakmem

#endif  // HAKMEM_BOXES_PREWARM_PREWARM_H_
