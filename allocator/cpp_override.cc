// Every C++ operator new/delete form, on the same allocator. new honours
// std::get_new_handler() and throws std::bad_alloc, as the standard requires.
#include <cstddef>
#include <new>

#include "allocator/alloc_inline.h"

namespace {

// The fast path stays inline; failure calls the new-handler until it gives up.
template <bool kNoThrow>
__attribute__((noinline)) void* NewFailed(size_t size, size_t alignment) {
  for (;;) {
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) {
      if constexpr (kNoThrow) {
        return nullptr;
      } else {
        throw std::bad_alloc();
      }
    }
    if constexpr (kNoThrow) {
      try {
        handler();
      } catch (const std::bad_alloc&) {
        return nullptr;
      }
    } else {
      handler();
    }
    void* p = alignment == 0 ? hakmem::Alloc(size) : hakmem::AllocAligned(alignment, size);
    if (p != nullptr) return p;
  }
}

inline void* New(size_t size) {
  void* p = hakmem::Alloc(size);
  if (HAKMEM_LIKELY(p != nullptr)) return p;
  return NewFailed<false>(size, 0);
}

inline void* NewNoThrow(size_t size) noexcept {
  void* p = hakmem::Alloc(size);
  if (HAKMEM_LIKELY(p != nullptr)) return p;
  return NewFailed<true>(size, 0);
}

inline void* NewAligned(size_t size, std::align_val_t al) {
  void* p = hakmem::AllocAligned(static_cast<size_t>(al), size);
  if (HAKMEM_LIKELY(p != nullptr)) return p;
  return NewFailed<false>(size, static_cast<size_t>(al));
}

inline void* NewAlignedNoThrow(size_t size, std::align_val_t al) noexcept {
  void* p = hakmem::AllocAligned(static_cast<size_t>(al), size);
  if (HAKMEM_LIKELY(p != nullptr)) return p;
  return NewFailed<true>(size, static_cast<size_t>(al));
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
