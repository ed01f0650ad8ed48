// The prefixed API (hakmem.h): the allocator under names that do not replace
// libc's, for sanitizer builds and for embedding beside another malloc.
#include "allocator/hakmem.h"

#include "allocator/alloc_inline.h"
#include "allocator/heap_info.h"

using namespace hakmem;  // NOLINT: thin C shims over the core

extern "C" {

void* hak_malloc(size_t size) { return Alloc(size); }
void hak_free(void* ptr) { Free(ptr, "hak_free"); }
void* hak_calloc(size_t count, size_t size) { return Calloc(count, size); }
void* hak_realloc(void* ptr, size_t size) { return Realloc(ptr, size, "hak_realloc"); }
void* hak_reallocarray(void* ptr, size_t count, size_t size) {
  return ReallocArray(ptr, count, size, "hak_reallocarray");
}
int hak_posix_memalign(void** out, size_t alignment, size_t size) {
  return PosixMemalign(out, alignment, size);
}
void* hak_aligned_alloc(size_t alignment, size_t size) { return AlignedAllocC11(alignment, size); }
void* hak_memalign(size_t alignment, size_t size) { return Memalign(alignment, size); }
void* hak_valloc(size_t size) { return Valloc(size); }
void* hak_pvalloc(size_t size) { return Pvalloc(size); }
size_t hak_usable_size(const void* ptr) { return UsableSize(ptr, "hak_usable_size"); }
void hak_free_sized(void* ptr, size_t) { Free(ptr, "hak_free_sized"); }
void hak_free_aligned_sized(void* ptr, size_t, size_t) { Free(ptr, "hak_free_aligned_sized"); }
int hak_trim(size_t) { return Trim(); }
void hak_heap_info_get(hak_heap_info* out) { HeapInfoGet(out); }
void hak_os_counters_get(hak_os_counters* out) { OsCountersGet(out); }

}  // extern "C"
