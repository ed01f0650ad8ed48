// The allocator's entry points as inline functions, shared by the prefixed API
// (hakmem_api.cc) and the libc/C++ overrides (libc_override.cc,
// cpp_override.cc) so that malloc and free inline their fast paths.
#ifndef HAKMEM_ALLOCATOR_ALLOC_INLINE_H_
#define HAKMEM_ALLOCATOR_ALLOC_INLINE_H_

#include <errno.h>
#include <stddef.h>

#include <cstdint>

#include "boxes/diagnostics/diagnostics.h"
#include "boxes/heap/heap.h"
#include "boxes/size_classes/size_classes.h"
#include "boxes/superslab/superslab.h"
#include "boxes/thread_cache/thread_cache.h"

#define HAKMEM_LIKELY(x) __builtin_expect(!!(x), 1)
#define HAKMEM_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace hakmem {

// Slow paths (alloc.cc). `call` names the libc function for diagnostics.
void* AllocBig(size_t size);
void FreeSlow(void* p, const char* call);
size_t UsableSizeSlow(const void* p, const char* call);

__attribute__((always_inline)) inline void* AllocClass(size_t cls) {
  Heap* h = tls_heap;
  if constexpr (kFrontStacks) {
    if (void* p = FrontPop(&h->cache, cls); HAKMEM_LIKELY(p != nullptr)) {
      HAKMEM_STAT(h->stats, cls, allocs);
      return p;
    }
  }
  void* p = CachePop(&h->cache, cls);
  if (HAKMEM_UNLIKELY(p == nullptr)) return HeapAllocSlow(cls);  // counts its own allocation
  HAKMEM_STAT(h->stats, cls, allocs);
  return p;
}

__attribute__((always_inline)) inline void* Alloc(size_t size) {
  if (HAKMEM_LIKELY(size <= kLookupMaxSize)) return AllocClass(SmallSizeClass(size));
  return AllocBig(size);
}

// The push of a block of the calling thread's heap `h` onto its cache (the
// stack, or the list behind a full stack), after the immediate double-free
// test: `p` is not the block the same push went to last.
__attribute__((always_inline)) inline void FreeToCache(Heap* h, const Slab* s, void* p, const char* call) {
  const size_t cls = s->cls;
  ThreadCache* tc = &h->cache;
  if constexpr (kFrontStacks) {
    // The stack's top is the block the last free pushed there, full or not.
    if (HAKMEM_UNLIKELY(FrontPeek(tc, cls) == p)) {
      ReportDoubleFree(call, p);
      return;
    }
    if (HAKMEM_LIKELY(FrontPush(tc, cls, p))) {
      HAKMEM_STAT(h->stats, cls, frees);
      return;
    }
  }
  if (HAKMEM_UNLIKELY(tc->heads[cls] == p)) {
    ReportDoubleFree(call, p);
    return;
  }
  HAKMEM_STAT(h->stats, cls, frees);
  if (HAKMEM_UNLIKELY(CachePush(tc, cls, p))) HeapFlush(h, cls);
}

// Free of a block whose superslab is not in the heap's slots: another
// thread's block, a foreign pointer, NULL, a large object, or an own superslab
// that lost its slot (alloc.cc). Out of line, so that nothing it needs is
// computed on the fast path.
void FreeGeneral(void* p, const char* call);

// Frees `p`; every pointer is checked, so a pointer hakmem did not hand out is
// reported, not pushed onto a free list.
__attribute__((always_inline)) inline void Free(void* p, const char* call) {
  const uintptr_t offset = reinterpret_cast<uintptr_t>(p) & kChunkMask;
  Superslab* ss = SuperslabOf(p);
  Heap* h = tls_heap;
  if (HAKMEM_LIKELY(HeapOwnsRecent(h, ss))) {
    // One of the heap's own superslabs: hakmem's memory, owned by this thread,
    // so neither the chunk map nor the owner needs asking, and the slab's own
    // Slab stands for its span. Offsets outside any span (free slabs, the
    // header) fail the block test like interior pointers do; the slow path
    // tells them apart.
    const Slab* s = OwnSlabAtOffset(ss, offset);
    if (HAKMEM_UNLIKELY(!IsOwnBlockStart(s, offset))) {
      FreeSlow(p, call);
      return;
    }
    FreeToCache(h, s, p, call);
    return;
  }
  FreeGeneral(p, call);
}

inline size_t UsableSize(const void* p, const char* call) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  const uintptr_t offset = addr & kChunkMask;
  if (HAKMEM_LIKELY(ChunkMapTest(g_chunk_map, addr))) {
    const Slab* s = SpanAtOffset(SuperslabOf(p), offset);
    if (HAKMEM_LIKELY(IsBlockStart(s, offset))) return s->block_size;
  }
  return UsableSizeSlow(p, call);
}

// Aligned allocation; `alignment` is a power of two.
void* AllocAligned(size_t alignment, size_t size);
void* Calloc(size_t count, size_t size);
void* Realloc(void* p, size_t size, const char* call);
// realloc(p, count * size), NULL/ENOMEM when the product overflows.
void* ReallocArray(void* p, size_t count, size_t size, const char* call);
// 0, EINVAL or ENOMEM, as posix_memalign.
int PosixMemalign(void** out, size_t alignment, size_t size);
void* AlignedAllocC11(size_t alignment, size_t size);
// memalign: any alignment, rounded up to a power of two.
void* Memalign(size_t alignment, size_t size);
void* Valloc(size_t size);
void* Pvalloc(size_t size);
int Trim();

}  // namespace hakmem

#endif  // HAKMEM_ALLOCATOR_ALLOC_INLINE_H_
