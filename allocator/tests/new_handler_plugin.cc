// A C++ shared library for cxx_runtime_preload_test.sh: c_host (a C program)
// dlopen()s it, which brings libstdc++ into a process that started without it.
// Under LD_PRELOAD=libhakmem.so its operator new is hakmem's, whose failure
// path must then find this late libstdc++: the new-handler is called, then
// std::bad_alloc is thrown and caught here, and the nothrow forms give nullptr.
#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "allocator/tests/new_handler_reserve.h"

namespace {

using hakmem_test::FreeReserveThenThrow;
using hakmem_test::g_handler_calls;
using hakmem_test::g_reserve;

int g_failures = 0;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAIL: %s (handler calls: %d)\n", what, g_handler_calls);
    ++g_failures;
  }
}

// An allocation that cannot succeed, hidden from the optimiser.
size_t ImpossibleSize() {
  volatile size_t size = SIZE_MAX / 2;
  return size;
}

void RemoveSelf() {
  ++g_handler_calls;
  std::set_new_handler(nullptr);
}

template <typename F>
bool ThrowsBadAlloc(F allocate) {
  try {
    void* volatile p = allocate();
    ::operator delete(p);
  } catch (const std::bad_alloc&) {
    return true;
  }
  return false;
}

void Reset(std::new_handler handler) {
  g_handler_calls = 0;
  std::free(g_reserve);
  g_reserve = std::malloc(1 << 20);
  std::set_new_handler(handler);
}

}  // namespace

// Prints one line per failed check and "where ..." lines; returns the failures.
extern "C" __attribute__((visibility("default"))) int hakmem_test_new_semantics(void) {
  Dl_info info{};
  const void* new_address = reinterpret_cast<void*>(static_cast<void* (*)(size_t)>(&::operator new));
  std::printf("where operator_new %s\n",
              dladdr(new_address, &info) != 0 && info.dli_fname != nullptr ? info.dli_fname : "?");

  // No handler: bad_alloc at once; nothrow forms: nullptr.
  Reset(nullptr);
  Check(ThrowsBadAlloc([] { return static_cast<void*>(new char[ImpossibleSize()]); }), "new char[SIZE_MAX/2] throws");
  Check(ThrowsBadAlloc([] { return ::operator new(ImpossibleSize()); }), "operator new throws");
  Check(ThrowsBadAlloc([] { return ::operator new(ImpossibleSize(), std::align_val_t{64}); }),
        "aligned operator new throws");
  Check(::operator new(ImpossibleSize(), std::nothrow) == nullptr, "nothrow new returns nullptr");
  Check(::operator new[](ImpossibleSize(), std::align_val_t{64}, std::nothrow) == nullptr,
        "aligned nothrow new[] returns nullptr");
  Check(g_handler_calls == 0, "no handler installed, none called");

  // A handler that frees a reserve, then throws: called twice per allocation.
  Reset(FreeReserveThenThrow);
  Check(ThrowsBadAlloc([] { return static_cast<void*>(new char[ImpossibleSize()]); }),
        "new char[] with a handler throws once the handler gives up");
  Check(g_handler_calls == 2, "handler called twice (frees the reserve, then throws)");
  Reset(FreeReserveThenThrow);
  Check(ThrowsBadAlloc([] { return ::operator new(ImpossibleSize(), std::align_val_t{4096}); }),
        "aligned new with a handler throws");
  Check(g_handler_calls == 2, "aligned: handler called twice");
  Reset(FreeReserveThenThrow);
  Check(::operator new(ImpossibleSize(), std::nothrow) == nullptr, "nothrow new with a throwing handler: nullptr");
  Check(g_handler_calls == 2, "nothrow: handler called twice");
  Reset(FreeReserveThenThrow);
  Check(::operator new(ImpossibleSize(), std::align_val_t{64}, std::nothrow) == nullptr,
        "aligned nothrow new with a throwing handler: nullptr");
  Check(g_handler_calls == 2, "aligned nothrow: handler called twice");

  // A handler that uninstalls itself: then bad_alloc, not a loop.
  Reset(RemoveSelf);
  Check(ThrowsBadAlloc([] { return ::operator new(ImpossibleSize()); }), "self-removing handler leads to bad_alloc");
  Check(g_handler_calls == 1, "self-removing handler called once");

  // Ordinary allocations still work, and the handler is not called for them.
  Reset(RemoveSelf);
  for (int i = 0; i < 1000; ++i) {
    char* p = new char[static_cast<size_t>(i) * 100 + 1];
    p[0] = 1;
    delete[] p;
  }
  Check(g_handler_calls == 0, "handler not called when memory is available");
  std::set_new_handler(nullptr);
  std::free(g_reserve);
  g_reserve = nullptr;
  return g_failures;
}
