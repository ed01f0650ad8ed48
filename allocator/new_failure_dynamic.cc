// new_failure.h for libhakmem.so, which needs nothing but libc: no symbol of
// libstdc++ (nor libgcc_s's unwinder) is referenced at link time. A process
// that calls operator new has a C++ runtime loaded, either from the start or
// dlopen()ed later with the library that uses it (a C program such as python3
// loading a C++ extension), so when an allocation fails we look for that
// libstdc++ then, by soname, and use its own functions:
//   std::get_new_handler       the handler the program installed;
//   std::__throw_bad_alloc     libstdc++'s "throw std::bad_alloc()";
//   nothrow operator new       the standard's default behaviour for the nothrow
//                              forms: call the (here: hakmem's) throwing form
//                              and return nullptr if it throws.
// Weak references to these would not do: ld.so binds them once, when it
// relocates libhakmem.so at start-up, so they would stay null in a process that
// dlopen()s its C++ code (cxx_runtime_preload_test covers that case).
// No code of ours throws or catches, so none needs __gxx_personality_v0. The
// exception only passes through our frames, which needs only their unwind
// tables (.eh_frame). With no libstdc++ loaded nothing can have installed a
// handler nor catch a C++ exception: the nothrow forms return nullptr and the
// throwing forms report on stderr and abort().
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <new>
#include <type_traits>

#include "allocator/alloc_inline.h"
#include "allocator/new_failure.h"
#include "boxes/env_gates/env_gates.h"

namespace hakmem {
namespace {

constexpr char kLibStdCxx[] = "libstdc++.so.6";
// The mangled names below spell size_t as unsigned long ("m").
static_assert(std::is_same_v<size_t, unsigned long>);
// Not std::nothrow: that object lives in libstdc++.
constexpr std::nothrow_t kNoThrow{};

using GetNewHandlerFn = std::new_handler (*)() noexcept;
using ThrowBadAllocFn = void (*)();  // never returns
using NoThrowNewFn = void* (*)(size_t, const std::nothrow_t&) noexcept;
using NoThrowNewAlignedFn = void* (*)(size_t, std::align_val_t, const std::nothrow_t&) noexcept;

// The process's libstdc++, once found; our reference keeps the functions we
// call mapped even if the library that brought it in is dlclose()d.
constinit std::atomic<void*> g_libstdcxx{nullptr};

template <typename Fn>
Fn FindInLibStdCxx(const char* symbol) noexcept {
  void* lib = g_libstdcxx.load(std::memory_order_acquire);
  if (lib == nullptr) {
    lib = dlopen(kLibStdCxx, RTLD_LAZY | RTLD_NOLOAD);  // only if already loaded
    if (lib == nullptr) return nullptr;
    void* expected = nullptr;
    if (!g_libstdcxx.compare_exchange_strong(expected, lib, std::memory_order_acq_rel)) {
      dlclose(lib);  // another thread found it first
      lib = expected;
    }
  }
  return reinterpret_cast<Fn>(dlsym(lib, symbol));
}

[[noreturn]] void AbortWithoutCxxRuntime(size_t size) noexcept {
  char digits[21];
  WriteString(STDERR_FILENO, "hakmem: operator new(");
  WriteString(STDERR_FILENO, FormatUnsigned(size, digits));
  WriteString(STDERR_FILENO,
              ") failed and no C++ runtime (libstdc++.so.6) is loaded to throw std::bad_alloc; aborting\n");
  abort();
}

}  // namespace

void* NewFailed(size_t size, size_t alignment) {
  for (;;) {
    const auto get_new_handler = FindInLibStdCxx<GetNewHandlerFn>("_ZSt15get_new_handlerv");
    if (get_new_handler == nullptr) AbortWithoutCxxRuntime(size);
    const std::new_handler handler = get_new_handler();
    if (handler == nullptr) {
      const auto throw_bad_alloc = FindInLibStdCxx<ThrowBadAllocFn>("_ZSt17__throw_bad_allocv");
      if (throw_bad_alloc == nullptr) AbortWithoutCxxRuntime(size);
      throw_bad_alloc();
      abort();  // not reached: it throws
    }
    handler();
    void* p = alignment == 0 ? Alloc(size) : AllocAligned(alignment, size);
    if (p != nullptr) return p;
  }
}

void* NewNoThrowFailed(size_t size, size_t alignment) noexcept {
  const auto get_new_handler = FindInLibStdCxx<GetNewHandlerFn>("_ZSt15get_new_handlerv");
  if (get_new_handler == nullptr || get_new_handler() == nullptr) return nullptr;
  // A handler may throw, and catching needs the C++ runtime: let libstdc++'s
  // own nothrow form run NewFailed (through hakmem's throwing operator new)
  // inside its try block.
  if (alignment == 0) {
    const auto nothrow_new = FindInLibStdCxx<NoThrowNewFn>("_ZnwmRKSt9nothrow_t");
    return nothrow_new != nullptr ? nothrow_new(size, kNoThrow) : nullptr;
  }
  const auto nothrow_new_aligned = FindInLibStdCxx<NoThrowNewAlignedFn>("_ZnwmSt11align_val_tRKSt9nothrow_t");
  return nothrow_new_aligned != nullptr ? nothrow_new_aligned(size, std::align_val_t{alignment}, kNoThrow)
                                        : nullptr;
}

}  // namespace hakmem
