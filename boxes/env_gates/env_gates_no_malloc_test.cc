// The gates are read inside malloc (the first allocation initialises them), so
// reading, warning and the HAKMEM_VERBOSE report must never call malloc. This
// binary replaces malloc/calloc/realloc with counting forwarders to glibc's
// own and checks the count does not move. Tagged "override": sanitizers, which
// bring their own malloc, skip it.
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>

#include "boxes/env_gates/env_gates.h"
#include "gtest/gtest.h"

extern "C" void* __libc_malloc(size_t size);
extern "C" void* __libc_calloc(size_t count, size_t size);
extern "C" void* __libc_realloc(void* ptr, size_t size);

namespace {
std::atomic<long> g_malloc_calls{0};
}  // namespace

extern "C" void* malloc(size_t size) noexcept {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
extern "C" void* calloc(size_t count, size_t size) noexcept {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
extern "C" void* realloc(void* ptr, size_t size) noexcept {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(ptr, size);
}

namespace hakmem {
namespace {

// Every path: known gates, a malformed value, an unknown variable, the report.
const char* const kEnv[] = {
    "HAKMEM_VERBOSE=1",
    "HAKMEM_SS_CACHE=3",
    "HAKMEM_SS_MEM_LEAN_DECOMMIT=DONTNEED",
    "HAKMEM_PREWARM=not-a-bool",
    "HAKMEM_NO_SUCH_GATE=1",
    nullptr,
};

TEST(EnvGatesNoMallocTest, TheCounterSeesMalloc) {
  const long before = g_malloc_calls.load();
  void* volatile p = malloc(24);
  free(p);
  EXPECT_GT(g_malloc_calls.load(), before);
}

TEST(EnvGatesNoMallocTest, ParseAndPrintDoNotAllocate) {
  const int devnull = STDERR_FILENO;  // warnings go to the test log
  const long before = g_malloc_calls.load();
  const Gates gates = ParseGates(kEnv, devnull);
  PrintGates(gates, kEnv, devnull);
  EXPECT_EQ(g_malloc_calls.load(), before);
  EXPECT_EQ(gates.superslab_cache, 3u);
}

TEST(EnvGatesNoMallocTest, GlobalGatesReadTheProcessEnvironmentOnceWithoutAllocating) {
  // setenv allocates: done before counting.
  ASSERT_EQ(setenv("HAKMEM_SS_CACHE", "5", 1), 0);
  ASSERT_EQ(setenv("HAKMEM_VERBOSE", "1", 1), 0);
  const long before = g_malloc_calls.load();
  const Gates& first = GlobalGates();
  EXPECT_EQ(g_malloc_calls.load(), before);
  EXPECT_EQ(first.superslab_cache, 5u);
  EXPECT_TRUE(first.verbose);
  // Read once: later changes to the environment are not seen.
  ASSERT_EQ(setenv("HAKMEM_SS_CACHE", "6", 1), 0);
  EXPECT_EQ(GlobalGates().superslab_cache, 5u);
  EXPECT_EQ(&GlobalGates(), &first);
}

}  // namespace
}  // namespace hakmem
