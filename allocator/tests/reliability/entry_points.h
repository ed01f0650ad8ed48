// The allocator's entry points under test, chosen at compile time: hakmem's
// prefixed API (HAKMEM_TEST_BACKEND_API, also built under the sanitizers) or
// hakmem linked in as the libc malloc (HAKMEM_TEST_BACKEND_OVERRIDE). Each entry
// point carries the name hakmem's diagnostics use for it.
#ifndef HAKMEM_ALLOCATOR_TESTS_RELIABILITY_ENTRY_POINTS_H_
#define HAKMEM_ALLOCATOR_TESTS_RELIABILITY_ENTRY_POINTS_H_

#include <dlfcn.h>
#include <malloc.h>
#include <stdlib.h>

#include <cstddef>

#include "allocator/hakmem.h"

namespace hakmem_reliability {

#if defined(HAKMEM_TEST_BACKEND_API)

inline constexpr const char* kBackendName = "api";
inline constexpr const char* kFreeName = "hak_free";
inline constexpr const char* kReallocName = "hak_realloc";
inline constexpr const char* kUsableSizeName = "hak_usable_size";
inline void* Malloc(size_t n) { return hak_malloc(n); }
inline void Free(void* p) { hak_free(p); }
inline void* Realloc(void* p, size_t n) { return hak_realloc(p, n); }
inline size_t UsableSize(void* p) { return hak_usable_size(p); }
inline void* Calloc(size_t count, size_t n) { return hak_calloc(count, n); }
inline void* AlignedAlloc(size_t alignment, size_t n) { return hak_aligned_alloc(alignment, n); }
// Memory from an allocator that is not hakmem: libc's own malloc here.
inline void* ForeignMalloc(size_t n) { return ::malloc(n); }
inline void ForeignFree(void* p) { ::free(p); }

#elif defined(HAKMEM_TEST_BACKEND_OVERRIDE)

inline constexpr const char* kBackendName = "override";
inline constexpr const char* kFreeName = "free";
inline constexpr const char* kReallocName = "realloc";
inline constexpr const char* kUsableSizeName = "malloc_usable_size";
inline void* Malloc(size_t n) { return ::malloc(n); }
inline void Free(void* p) { ::free(p); }
inline void* Realloc(void* p, size_t n) { return ::realloc(p, n); }
inline size_t UsableSize(void* p) { return ::malloc_usable_size(p); }
inline void* Calloc(size_t count, size_t n) { return ::calloc(count, n); }
inline void* AlignedAlloc(size_t alignment, size_t n) { return ::aligned_alloc(alignment, n); }
// glibc's malloc, found behind hakmem's (the executable defines malloc, so
// the next definition in lookup order is libc.so's).
inline void* ForeignMalloc(size_t n) {
  using MallocFn = void* (*)(size_t);
  static MallocFn libc_malloc = reinterpret_cast<MallocFn>(dlsym(RTLD_NEXT, "malloc"));
  return libc_malloc != nullptr ? libc_malloc(n) : nullptr;
}
inline void ForeignFree(void* p) {
  using FreeFn = void (*)(void*);
  static FreeFn libc_free = reinterpret_cast<FreeFn>(dlsym(RTLD_NEXT, "free"));
  if (libc_free != nullptr) libc_free(p);
}

#else
#error "define HAKMEM_TEST_BACKEND_API or HAKMEM_TEST_BACKEND_OVERRIDE (see BUILD.bazel)"
#endif

// Hides a value from the optimiser so that calls on "impossible" pointers are
// really made.
template <typename T>
inline T Opaque(T value) {
  asm volatile("" : "+r"(value));
  return value;
}

}  // namespace hakmem_reliability

#endif  // HAKMEM_ALLOCATOR_TESTS_RELIABILITY_ENTRY_POINTS_H_
