// A new-handler that behaves like a real program's: the first call frees a
// reserve so that operator new can retry, the next one, with nothing left to
// free, gives up by throwing std::bad_alloc. Shared by cpp_operators_test and
// new_handler_plugin (the preloaded-library case).
#ifndef HAKMEM_ALLOCATOR_TESTS_NEW_HANDLER_RESERVE_H_
#define HAKMEM_ALLOCATOR_TESTS_NEW_HANDLER_RESERVE_H_

#include <cstdlib>
#include <new>

namespace hakmem_test {

inline int g_handler_calls = 0;
inline void* g_reserve = nullptr;

inline void FreeReserveThenThrow() {
  ++g_handler_calls;
  if (g_reserve != nullptr) {
    std::free(g_reserve);
    g_reserve = nullptr;
    return;
  }
  throw std::bad_alloc();
}

}  // namespace hakmem_test

#endif  // HAKMEM_ALLOCATOR_TESTS_NEW_HANDLER_RESERVE_H_
