// What operator new does once the allocator has no block for it: call the
// new-handler until a retry succeeds, else throw std::bad_alloc (the nothrow
// forms return nullptr instead). Kept out of line and away from the fast paths.
//
// Two definitions, one per way hakmem enters a process:
//   new_failure_linked.cc   //allocator, linked into a C++ program: calls
//                           libstdc++ directly (it is always there).
//   new_failure_dynamic.cc  libhakmem.so: must not need libstdc++ (a preloaded
//                           C program would map it for nothing), so it finds
//                           the libstdc++ that the process has loaded, if any,
//                           when an allocation fails.
#ifndef HAKMEM_ALLOCATOR_NEW_FAILURE_H_
#define HAKMEM_ALLOCATOR_NEW_FAILURE_H_

#include <cstddef>

namespace hakmem {

// alignment 0: the default-aligned forms.
__attribute__((cold, noinline)) void* NewFailed(size_t size, size_t alignment);
__attribute__((cold, noinline)) void* NewNoThrowFailed(size_t size, size_t alignment) noexcept;

}  // namespace hakmem

#endif  // HAKMEM_ALLOCATOR_NEW_FAILURE_H_
