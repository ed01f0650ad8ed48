// The allocator under test, chosen at compile time by defs.bzl: hakmem's
// prefixed API, hakmem installed as the libc malloc, or plain glibc.
#ifndef HAKMEM_ALLOCATOR_TESTS_BACKEND_H_
#define HAKMEM_ALLOCATOR_TESTS_BACKEND_H_

#include <malloc.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>

#if defined(HAKMEM_TEST_BACKEND_API)
#include "allocator/hakmem.h"
#elif defined(HAKMEM_TEST_BACKEND_OVERRIDE)
#include "allocator/hakmem.h"
// C23 functions that glibc 2.36 does not declare; //allocator defines them.
extern "C" void free_sized(void* ptr, size_t size) noexcept;
extern "C" void free_aligned_sized(void* ptr, size_t alignment, size_t size) noexcept;
#elif !defined(HAKMEM_TEST_BACKEND_GLIBC)
#error "Build this through allocator_test() in defs.bzl"
#endif

// Sanitizers change what "the heap" means (quarantine, shadow memory, slower
// code); RSS bounds and work budgets take that into account.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HAKMEM_TEST_UNDER_SANITIZER 1
#else
#define HAKMEM_TEST_UNDER_SANITIZER 0
#endif

namespace hakmem_test {

#if defined(HAKMEM_TEST_BACKEND_API)

struct Backend {
  static constexpr const char* kName = "hakmem api";
  static constexpr bool kIsHakmem = true;
  static void* Malloc(size_t n) { return hak_malloc(n); }
  static void Free(void* p) { hak_free(p); }
  static void* Calloc(size_t count, size_t n) { return hak_calloc(count, n); }
  static void* Realloc(void* p, size_t n) { return hak_realloc(p, n); }
  static void* Reallocarray(void* p, size_t count, size_t n) { return hak_reallocarray(p, count, n); }
  static int PosixMemalign(void** out, size_t align, size_t n) { return hak_posix_memalign(out, align, n); }
  static void* AlignedAlloc(size_t align, size_t n) { return hak_aligned_alloc(align, n); }
  static void* Memalign(size_t align, size_t n) { return hak_memalign(align, n); }
  static void* Valloc(size_t n) { return hak_valloc(n); }
  static void* Pvalloc(size_t n) { return hak_pvalloc(n); }
  static size_t UsableSize(void* p) { return hak_usable_size(p); }
  static void FreeSized(void* p, size_t n) { hak_free_sized(p, n); }
  static void FreeAlignedSized(void* p, size_t align, size_t n) { hak_free_aligned_sized(p, align, n); }
  static int Trim(size_t pad) { return hak_trim(pad); }
  // Bytes the allocator counts as handed out, where it can say.
  static bool InUseBytes(size_t* out) {
    hak_heap_info info{};
    hak_heap_info_get(&info);
    *out = info.in_use_bytes;
    return true;
  }
};

#else  // libc names: hakmem's when //allocator is linked in, else glibc's.

struct Backend {
#if defined(HAKMEM_TEST_BACKEND_OVERRIDE)
  static constexpr const char* kName = "hakmem override";
  static constexpr bool kIsHakmem = true;
#else
  static constexpr const char* kName = "glibc";
  static constexpr bool kIsHakmem = false;
#endif
  static void* Malloc(size_t n) { return ::malloc(n); }
  static void Free(void* p) { ::free(p); }
  static void* Calloc(size_t count, size_t n) { return ::calloc(count, n); }
  static void* Realloc(void* p, size_t n) { return ::realloc(p, n); }
  static void* Reallocarray(void* p, size_t count, size_t n) { return ::reallocarray(p, count, n); }
  static int PosixMemalign(void** out, size_t align, size_t n) { return ::posix_memalign(out, align, n); }
  static void* AlignedAlloc(size_t align, size_t n) { return ::aligned_alloc(align, n); }
  static void* Memalign(size_t align, size_t n) { return ::memalign(align, n); }
  static void* Valloc(size_t n) { return ::valloc(n); }
  static void* Pvalloc(size_t n) { return ::pvalloc(n); }
  static size_t UsableSize(void* p) { return ::malloc_usable_size(p); }
#if defined(HAKMEM_TEST_BACKEND_OVERRIDE)
  static void FreeSized(void* p, size_t n) { ::free_sized(p, n); }
  static void FreeAlignedSized(void* p, size_t align, size_t n) { ::free_aligned_sized(p, align, n); }
#else
  // glibc 2.36 predates C23's sized frees; plain free is their reference.
  static void FreeSized(void* p, size_t) { ::free(p); }
  static void FreeAlignedSized(void* p, size_t, size_t) { ::free(p); }
#endif
  static int Trim(size_t pad) { return ::malloc_trim(pad); }
#if defined(HAKMEM_TEST_BACKEND_OVERRIDE)
  static bool InUseBytes(size_t* out) {
    hak_heap_info info{};
    hak_heap_info_get(&info);
    *out = info.in_use_bytes;
    return true;
  }
#else
  // mallinfo2 covers only glibc's main arena: not a process-wide figure.
  static bool InUseBytes(size_t*) { return false; }
#endif
};

#endif

// Hides a value from the optimiser so that calls with "impossible" constant
// arguments are really made (and no -Walloc-size-larger-than fires).
template <typename T>
inline T Opaque(T value) {
  asm volatile("" : "+r"(value));
  return value;
}

// Makes the optimiser assume `p` (and the memory behind it) escapes.
inline void Escape(const void* p) { asm volatile("" : : "g"(p) : "memory"); }

}  // namespace hakmem_test

#endif  // HAKMEM_ALLOCATOR_TESTS_BACKEND_H_
