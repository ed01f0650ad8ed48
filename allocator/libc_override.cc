// The one place that replaces libc's malloc family. Linking //allocator (or
// preloading libhakmem.so) makes these the process's definitions; glibc's
// internal __libc_* names are provided too so a static link never pulls in
// glibc's malloc.o beside ours.
#include <malloc.h>
#include <stdlib.h>

#include "allocator/alloc_inline.h"
#include "allocator/heap_info.h"

using namespace hakmem;  // NOLINT: thin C shims over the core

#define HAKMEM_EXPORT extern "C" __attribute__((visibility("default"), used))

HAKMEM_EXPORT void* malloc(size_t size) { return Alloc(size); }
HAKMEM_EXPORT void free(void* ptr) { Free(ptr, "free"); }
HAKMEM_EXPORT void* calloc(size_t count, size_t size) { return Calloc(count, size); }
HAKMEM_EXPORT void* realloc(void* ptr, size_t size) { return Realloc(ptr, size, "realloc"); }
HAKMEM_EXPORT void* reallocarray(void* ptr, size_t count, size_t size) {
  return ReallocArray(ptr, count, size, "reallocarray");
}
HAKMEM_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) {
  return PosixMemalign(out, alignment, size);
}
HAKMEM_EXPORT void* aligned_alloc(size_t alignment, size_t size) {
  return AlignedAllocC11(alignment, size);
}
HAKMEM_EXPORT void* memalign(size_t alignment, size_t size) { return Memalign(alignment, size); }
HAKMEM_EXPORT void* valloc(size_t size) { return Valloc(size); }
HAKMEM_EXPORT void* pvalloc(size_t size) { return Pvalloc(size); }
HAKMEM_EXPORT size_t malloc_usable_size(void* ptr) { return UsableSize(ptr, "malloc_usable_size"); }
HAKMEM_EXPORT void free_sized(void* ptr, size_t) { Free(ptr, "free_sized"); }
HAKMEM_EXPORT void free_aligned_sized(void* ptr, size_t, size_t) { Free(ptr, "free_aligned_sized"); }
HAKMEM_EXPORT void cfree(void* ptr) { Free(ptr, "cfree"); }

HAKMEM_EXPORT int malloc_trim(size_t) { return Trim(); }

HAKMEM_EXPORT struct mallinfo2 mallinfo2(void) {
  hak_heap_info info;
  HeapInfoGet(&info);
  struct mallinfo2 mi = {};
  mi.arena = info.mapped_bytes;
  mi.uordblks = info.in_use_bytes;
  mi.fordblks = info.free_bytes;
  mi.hblks = info.large_live;
  mi.usmblks = info.mapped_bytes;
  mi.keepcost = 0;
  return mi;
}

HAKMEM_EXPORT struct mallinfo mallinfo(void) {
  const struct mallinfo2 mi2 = mallinfo2();
  struct mallinfo mi = {};
  mi.arena = static_cast<int>(mi2.arena);
  mi.uordblks = static_cast<int>(mi2.uordblks);
  mi.fordblks = static_cast<int>(mi2.fordblks);
  mi.hblks = static_cast<int>(mi2.hblks);
  mi.usmblks = static_cast<int>(mi2.usmblks);
  return mi;
}

HAKMEM_EXPORT void malloc_stats(void) { PrintMallocStats(); }
// Tuning knobs of glibc's allocator have no meaning here; accepted and ignored.
HAKMEM_EXPORT int mallopt(int, int) { return 1; }

// glibc-internal names (used by a static link and by some programs directly).
HAKMEM_EXPORT void* __libc_malloc(size_t size) { return Alloc(size); }
HAKMEM_EXPORT void __libc_free(void* ptr) { Free(ptr, "free"); }
HAKMEM_EXPORT void* __libc_calloc(size_t count, size_t size) { return Calloc(count, size); }
HAKMEM_EXPORT void* __libc_realloc(void* ptr, size_t size) { return Realloc(ptr, size, "realloc"); }
HAKMEM_EXPORT void* __libc_memalign(size_t alignment, size_t size) { return Memalign(alignment, size); }
HAKMEM_EXPORT void* __libc_valloc(size_t size) { return Valloc(size); }
HAKMEM_EXPORT void* __libc_pvalloc(size_t size) { return Pvalloc(size); }
HAKMEM_EXPORT int __posix_memalign(void** out, size_t alignment, size_t size) {
  return PosixMemalign(out, alignment, size);
}
