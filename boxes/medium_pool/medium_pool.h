// Medium pool: classes up to 8 KiB live in spans of one 64 KiB slab; the
// classes above, up to 256 KiB, get spans of several consecutive slabs of a
// superslab (up to the whole 2 MiB), long enough for at least 8 blocks, so a
// 256 KiB block wastes no more than a small one. It also decides whether an
// emptied span is kept for reuse: a medium span can hold 2 MiB, which
// memory-lean mode will not keep.
#ifndef HAKMEM_BOXES_MEDIUM_POOL_MEDIUM_POOL_H_
#define HAKMEM_BOXES_MEDIUM_POOL_MEDIUM_POOL_H_

#include <cstddef>
#include <cstdint>

#include "boxes/mem_lean/mem_lean.h"
#include "boxes/size_classes/size_classes.h"
#include "boxes/superslab/superslab.h"

namespace hakmem {

inline constexpr uint32_t kMinBlocksPerSpan = 8;

// Slabs per span for a class: enough for kMinBlocksPerSpan blocks, 1..32.
inline uint32_t SpanSlabsForClass(size_t cls) {
  const size_t slabs = (kMinBlocksPerSpan * ClassSize(cls) + kSlabSize - 1) / kSlabSize;
  return slabs <= 1 ? 1 : slabs > kSlabsPerSuperslab ? kSlabsPerSuperslab : static_cast<uint32_t>(slabs);
}

inline bool IsMediumSpan(const Slab* s) { return s->nslabs > 1; }

// Whether the class's last partial span, now empty, stays with its heap.
inline bool KeepLastEmptySpan(const Slab* s) { return !IsMediumSpan(s) || !LeanOverTarget(); }

}  // namespace hakmem

#endif  // HAKMEM_BOXES_MEDIUM_POOL_MEDIUM_POOL_H_
