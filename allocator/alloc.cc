// The allocator's slow paths and the functions built on the fast paths:
// large and aligned allocation, calloc, realloc, trim, fork handlers.
#include <pthread.h>
#include <string.h>

#include <cstdint>

#include "allocator/alloc_inline.h"
#include "boxes/large_objects/large_objects.h"
#include "boxes/os_memory/os_memory.h"
#include "boxes/release_policy/release_policy.h"

namespace hakmem {
namespace {

// Alignments slab blocks can honour: spans start on 4 KiB boundaries.
constexpr size_t kMaxSlabAlignment = kPageSize;

bool IsHakmemChunk(const void* p) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  return ChunkMapTest(g_chunk_map, addr) || ChunkMapTest(g_huge_aligned_map, addr);
}

bool IsPowerOfTwo(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

// Large objects go through the calling thread's front to the shared cache:
// `call(front)` with the front of `h` (the thread's heap), the heap busy
// meanwhile (HeapBusyScope: a front changes in several stores), or with none
// for a thread without a heap (the empty heap is shared; nullptr: it could not
// be made).
template <typename Call>
auto WithLargeFront(Heap* h, Call call) {
  if (h == nullptr || h == &g_empty_heap) return call(nullptr);
  HeapBusyScope busy(h);
  return call(&h->large_front);
}

// A large allocation makes the thread's heap if it has none, so that a thread
// that only ever asks for large objects keeps the ones it frees like any
// other. A free does not make one: a thread that only frees what others
// allocated (a consumer) hands them to the shared cache, where the threads
// that allocate find them.
void* LargeAllocByThread(size_t size, size_t alignment, bool zero) {
  return WithLargeFront(HeapOfThisThread(),
                        [&](LargeFront* front) { return LargeAlloc(size, alignment, zero, front); });
}

}  // namespace

void* AllocBig(size_t size) {
  if (size <= kMaxSlabSize) return AllocClass(ComputeClass(size));
  if (size > PTRDIFF_MAX) {
    errno = ENOMEM;
    return nullptr;
  }
  return LargeAllocByThread(size, 0, false);
}

void FreeGeneral(void* p, const char* call) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  const uintptr_t offset = addr & kChunkMask;
  // nullptr, foreign pointers and huge-aligned large objects go the slow way.
  if (HAKMEM_UNLIKELY(!ChunkMapTest(g_chunk_map, addr))) {
    if (p != nullptr) FreeSlow(p, call);  // free(NULL), common in C, returns at once
    return;
  }
  // Offsets outside any span (free slabs, the header, large objects, whose
  // header's span map names only the no_span sentinel) fail the block test
  // like interior pointers do; the slow path tells them apart.
  Superslab* ss = SuperslabOf(p);
  Slab* s = SpanAtOffset(ss, offset);
  if (HAKMEM_UNLIKELY(!IsBlockStart(s, offset))) {
    FreeSlow(p, call);
    return;
  }
  Heap* h = tls_heap;
  if (HAKMEM_LIKELY(ss->owner.load(std::memory_order_relaxed) == h)) {
    HeapRememberOwned(h, ss);  // its slot had gone to another superslab
    FreeToCache(h, s, p, call);
    return;
  }
  HeapRemoteFree(h, ss, s, p);
}

// Large objects, and everything the fast path could not attribute to a span.
void FreeSlow(void* p, const char* call) {
  if (p == nullptr) return;
  // A chunk in either map is hakmem's, and LargeHeaderOf reads only headers.
  if (IsHakmemChunk(p)) {
    if (LargeHeader* h = LargeHeaderOf(p)) {
      WithLargeFront(tls_heap, [h](LargeFront* front) { LargeFree(h, front); });
      return;
    }
  }
  ReportInvalidPointer(call, p);
}

size_t UsableSizeSlow(const void* p, const char* call) {
  if (p == nullptr) return 0;
  if (IsHakmemChunk(p)) {
    if (const LargeHeader* h = LargeHeaderOf(p)) return h->usable;
  }
  ReportInvalidPointer(call, p);
  return 0;
}

void* AllocAligned(size_t alignment, size_t size) {
  if (alignment <= 16) return Alloc(size);
  if (size > PTRDIFF_MAX) {
    errno = ENOMEM;
    return nullptr;
  }
  if (alignment <= kMaxSlabAlignment && size <= kMaxSlabSize) {
    // A class whose size is a multiple of the alignment: every block of it is
    // aligned, because spans start on 4 KiB boundaries.
    size_t rounded = (size + alignment - 1) & ~(alignment - 1);
    if (rounded == 0) rounded = alignment;
    if (rounded <= kMaxSlabSize) {
      for (size_t cls = SizeClass(rounded); cls < kNumClasses; ++cls) {
        if (ClassSize(cls) % alignment == 0) return AllocClass(cls);
      }
    }
  }
  return LargeAllocByThread(size, alignment, false);
}

void* Calloc(size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total) || total > PTRDIFF_MAX) {
    errno = ENOMEM;
    return nullptr;
  }
  if (total > kMaxSlabSize) return LargeAllocByThread(total, 0, true);  // fresh pages stay untouched
  void* p = Alloc(total);
  if (p != nullptr) memset(p, 0, total);
  return p;
}

void* Realloc(void* p, size_t size, const char* call) {
  if (p == nullptr) return Alloc(size);
  if (size == 0) {
    // As glibc: realloc(p, 0) frees p and returns NULL.
    Free(p, call);
    return nullptr;
  }
  const size_t old_size = UsableSize(p, call);
  if (old_size == 0) return nullptr;  // invalid pointer, reported (warn mode)
  // Keep the block when the request still fits and would not waste over half.
  if (size <= old_size && size >= old_size / 2) return p;
  // A large object grows without a copy, its pages remapped (as glibc's mmapped
  // chunks do): a buffer grown by realloc to hundreds of MiB would otherwise be
  // copied at every step...
  if (size > old_size) {
    if (LargeHeader* h = LargeHeaderOf(p)) {
      if (void* q = WithLargeFront(tls_heap, [&](LargeFront* front) { return LargeGrow(h, size, front); })) return q;
    }
  } else if (size > kMaxSlabSize) {
    // ... and shrinks without one, its tail unmapped (a copy would cost more
    // than the mapping it saves; smaller sizes move to a slab's block).
    if (LargeHeader* h = LargeHeaderOf(p); h != nullptr && LargeShrink(h, size)) return p;
  }
  void* q = Alloc(size);
  if (q == nullptr) return nullptr;  // p is left intact, as C requires
  memcpy(q, p, size < old_size ? size : old_size);
  Free(p, call);
  return q;
}

void* ReallocArray(void* p, size_t count, size_t size, const char* call) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return Realloc(p, total, call);
}

int PosixMemalign(void** out, size_t alignment, size_t size) {
  if (alignment < sizeof(void*) || !IsPowerOfTwo(alignment)) return EINVAL;
  const int saved = errno;
  void* p = AllocAligned(alignment, size);
  if (p == nullptr) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  return 0;
}

void* AlignedAllocC11(size_t alignment, size_t size) {
  if (!IsPowerOfTwo(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  return AllocAligned(alignment, size);
}

void* Memalign(size_t alignment, size_t size) {
  // As glibc: an alignment that is not a power of two is rounded up to one.
  if (alignment > (size_t{1} << 62)) {
    errno = EINVAL;
    return nullptr;
  }
  size_t rounded = 1;
  while (rounded < alignment) rounded <<= 1;
  return AllocAligned(rounded, size);
}

void* Valloc(size_t size) { return AllocAligned(kPageSize, size); }

void* Pvalloc(size_t size) {
  size_t rounded = (size + kPageSize - 1) & ~(kPageSize - 1);
  if (rounded < size) {
    errno = ENOMEM;
    return nullptr;
  }
  if (rounded == 0) rounded = kPageSize;
  return AllocAligned(kPageSize, rounded);
}

int Trim() {
  const OsCounters before = OsCountersSnapshot();
  HeapTrim();
  ReleasePolicyDrainCache();
  WithLargeFront(tls_heap, [](LargeFront* front) { return LargeDrainCache(front); });
  const OsCounters after = OsCountersSnapshot();
  return after.munmap_calls != before.munmap_calls || after.madvise_calls != before.madvise_calls;
}

namespace {

void ForkPrepare() {
  HeapLockForFork();
  ReleasePolicyLockForFork();
  LargeLockForFork();
}
void ForkParent() {
  LargeUnlockForFork(false);
  ReleasePolicyUnlockForFork(false);
  HeapUnlockForFork(false);
}
void ForkChild() {
  LargeUnlockForFork(true);
  ReleasePolicyUnlockForFork(true);
  HeapUnlockForFork(true);
  HeapForkChild();
}

// Runs when the library is loaded (before main); the first malloc may come
// earlier and initialises lazily, so nothing here is needed by malloc itself.
__attribute__((constructor)) void RegisterForkHandlers() {
  HeapGlobalInit();
  pthread_atfork(ForkPrepare, ForkParent, ForkChild);
}

}  // namespace
}  // namespace hakmem
