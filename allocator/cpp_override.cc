// Every C++ operator new/delete form, on the same allocator. new honours
// std::get_new_handler() and throws std::bad_alloc, as the standard requires
// (new_failure.h). Nothing here refers to libstdc++: libhakmem.so needs libc only.
#include <cstddef>
#include <new>

#include "allocator/alloc_inline.h"
#include "allocator/new_failure.h"

namespace {

// The fast paths stay inline; on failure new_failure.h calls the new-handler.
inline void* New(size_t size) {
  void* p = hakmem::Alloc(size);
  if (HAKMEM_LIKELY(p != nullptr)) return p;
  return hakmem::NewFailed(size, 0);
}

inline void* NewNoThrow(size_t size) noexcept {
  void* p = hakmem::Alloc(size);
  if (HAKMEM_LIKELY(p != nullptr)) return p;
  return hakmem::NewNoThrowFailed(size, 0);
}

inline void* NewAligned(size_t size, std::align_val_t al) {
  void* p = hakmem::AllocAligned(static_cast<size_t>(al), size);
  if (HAKMEM_LIKELY(p != nullptr)) return p;
  return hakmem::NewFailed(size, static_cast<size_t>(al));
}

inline void* NewAlignedNoThrow(size_t size, std::align_val_t al) noexcept {
  void* p = hakmem::AllocAligned(static_cast<size_t>(al), size);
  if (HAKMEM_LIKELY(p != nullptr)) return p;
  return hakmem::NewNoThrowFailed(size, static_cast<size_t>(al));
}

inline void Delete(void* p) noexcept { hakmem::Free(p, "operator delete"); }

}  // namespace

#define HAKMEM_CXX_EXPORT __attribute__((visibility("default"), used))

HAKMEM_CXX_EXPORT void* operator new(size_t size) { return New(size); }
HAKMEM_CXX_EXPORT void* operator new[](size_t size) { return New(size); }
HAKMEM_CXX_EXPORT void* operator new(size_t size, const std::nothrow_t&) noexcept { return NewNoThrow(size); }
HAKMEM_CXX_EXPORT void* operator new[](size_t size, const std::nothrow_t&) noexcept { return NewNoThrow(size); }
HAKMEM_CXX_EXPORT void* operator new(size_t size, std::align_val_t al) { return NewAligned(size, al); }
HAKMEM_CXX_EXPORT void* operator new[](size_t size, std::align_val_t al) { return NewAligned(size, al); }
HAKMEM_CXX_EXPORT void* operator new(size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return NewAlignedNoThrow(size, al);
}
HAKMEM_CXX_EXPORT void* operator new[](size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return NewAlignedNoThrow(size, al);
}

HAKMEM_CXX_EXPORT void operator delete(void* p) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete[](void* p) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete(void* p, const std::nothrow_t&) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete[](void* p, const std::nothrow_t&) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete(void* p, size_t) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete[](void* p, size_t) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete(void* p, std::align_val_t) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete[](void* p, std::align_val_t) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete(void* p, size_t, std::align_val_t) noexcept { Delete(p); }
HAKMEM_CXX_EXPORT void operator delete[](void* p, size_t, std::align_val_t) noexcept { Delete(p); }
