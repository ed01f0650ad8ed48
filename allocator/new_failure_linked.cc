// new_failure.h for //allocator: the program links libstdc++, so the handler,
// the throw and the catch are plain C++.
#include <new>

#include "allocator/alloc_inline.h"
#include "allocator/new_failure.h"

namespace hakmem {
namespace {

template <bool kNoThrow>
void* CallHandlerUntilAllocated(size_t size, size_t alignment) noexcept(kNoThrow) {
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
    void* p = alignment == 0 ? Alloc(size) : AllocAligned(alignment, size);
    if (p != nullptr) return p;
  }
}

}  // namespace

void* NewFailed(size_t size, size_t alignment) { return CallHandlerUntilAllocated<false>(size, alignment); }

void* NewNoThrowFailed(size_t size, size_t alignment) noexcept {
  return CallHandlerUntilAllocated<true>(size, alignment);
}

}  // namespace hakmem
