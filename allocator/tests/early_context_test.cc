// Allocation before main (high-priority constructor, a thread started from a
// constructor) and through the dynamic loader (dlopen/dlsym/dlerror), which
// allocates internally with whatever malloc the process has.
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

using A = Backend;

constexpr size_t kEarlySizes[] = {0, 1, 16, 100, 1000, 5000, 70000, 1 << 20, 9 << 20};
constexpr size_t kEarlyCount = sizeof(kEarlySizes) / sizeof(kEarlySizes[0]);

// Written before main; plain arrays so no constructor of ours runs first.
void* g_early_blocks[kEarlyCount];
void* g_early_calloc;
void* g_early_aligned;
int g_early_failures;

pthread_t g_early_thread;
bool g_early_thread_started;
struct EarlyThreadResult {
  std::vector<void*>* blocks;
  int failures;
};
EarlyThreadResult g_early_thread_result;

__attribute__((constructor(101))) void AllocateInHighPriorityConstructor() {
  for (size_t i = 0; i < kEarlyCount; ++i) {
    g_early_blocks[i] = A::Malloc(kEarlySizes[i]);
    if (g_early_blocks[i] == nullptr) {
      ++g_early_failures;
      continue;
    }
    FillBlock(g_early_blocks[i], kEarlySizes[i]);
  }
  g_early_calloc = A::Calloc(1000, 8);
  if (g_early_calloc == nullptr || FindNonZero(g_early_calloc, 8000) != kPatternOk) ++g_early_failures;
  g_early_aligned = A::AlignedAlloc(4096, 4096);
  if (g_early_aligned == nullptr || reinterpret_cast<uintptr_t>(g_early_aligned) % 4096 != 0) ++g_early_failures;
  void* tmp = A::Realloc(A::Malloc(10), 100000);  // and a free before main
  A::Free(tmp);
}

void* EarlyThreadBody(void*) {
  // Blocks allocated here are checked and freed by main's thread.
  auto* blocks = new std::vector<void*>();
  for (size_t n = 1; n < 200000; n = n * 2 + 3) {
    void* p = A::Malloc(n);
    if (p == nullptr) {
      ++g_early_thread_result.failures;
      continue;
    }
    FillBlock(p, n);
    blocks->push_back(p);
    void* q = A::Malloc(n);
    A::Free(q);
  }
  g_early_thread_result.blocks = blocks;
  return nullptr;
}

__attribute__((constructor(102))) void StartThreadInConstructor() {
  g_early_thread_started = pthread_create(&g_early_thread, nullptr, EarlyThreadBody, nullptr) == 0;
}

TEST(EarlyContextTest, BlocksFromHighPriorityConstructorAreIntact) {
  EXPECT_EQ(g_early_failures, 0);
  for (size_t i = 0; i < kEarlyCount; ++i) {
    ASSERT_NE(g_early_blocks[i], nullptr) << "malloc(" << kEarlySizes[i] << ") before main";
    EXPECT_GE(A::UsableSize(g_early_blocks[i]), kEarlySizes[i]);
    EXPECT_EQ(FindBlockMismatch(g_early_blocks[i], kEarlySizes[i]), kPatternOk) << kEarlySizes[i];
    A::Free(g_early_blocks[i]);
  }
  A::Free(g_early_calloc);
  A::Free(g_early_aligned);
}

TEST(EarlyContextTest, ThreadStartedInConstructorAllocates) {
  ASSERT_TRUE(g_early_thread_started);
  ASSERT_EQ(pthread_join(g_early_thread, nullptr), 0);
  EXPECT_EQ(g_early_thread_result.failures, 0);
  ASSERT_NE(g_early_thread_result.blocks, nullptr);
  size_t n = 1;
  for (void* p : *g_early_thread_result.blocks) {
    EXPECT_EQ(FindBlockMismatch(p, n), kPatternOk) << "size " << n;
    A::Free(p);
    n = n * 2 + 3;
  }
  delete g_early_thread_result.blocks;
}

// The loader and dlerror() allocate with the process's malloc and free each
// other's blocks; with hakmem as the malloc every one of those goes through it.
TEST(EarlyContextTest, DlopenDlsymAndDlerrorWork) {
  for (int round = 0; round < 50; ++round) {
    void* libm = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(libm, nullptr) << dlerror();
    using UnaryFn = double (*)(double);
    auto cos_fn = reinterpret_cast<UnaryFn>(dlsym(libm, "cos"));
    ASSERT_NE(cos_fn, nullptr) << dlerror();
    EXPECT_DOUBLE_EQ(cos_fn(0.0), 1.0);

    void* libz = dlopen("libz.so.1", RTLD_LAZY);
    ASSERT_NE(libz, nullptr) << dlerror();
    using VersionFn = const char* (*)();
    auto zlib_version = reinterpret_cast<VersionFn>(dlsym(libz, "zlibVersion"));
    ASSERT_NE(zlib_version, nullptr) << dlerror();
    EXPECT_EQ(zlib_version()[0], '1');

    // Errors are formatted into malloc'd strings.
    EXPECT_EQ(dlsym(libm, "no_such_symbol_in_libm"), nullptr);
    const char* error = dlerror();
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::strstr(error, "no_such_symbol_in_libm"), nullptr) << error;
    EXPECT_EQ(dlopen("libdoes-not-exist-hakmem.so", RTLD_NOW), nullptr);
    error = dlerror();
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::strstr(error, "libdoes-not-exist-hakmem.so"), nullptr) << error;
    EXPECT_EQ(dlerror(), nullptr) << "dlerror() must clear the error";

    EXPECT_EQ(dlclose(libz), 0);
    EXPECT_EQ(dlclose(libm), 0);
  }
}

// dlerror state is per thread: threads loading and failing concurrently.
TEST(EarlyContextTest, ConcurrentDlopenAndDlerror) {
  std::atomic<int> failures{0};
  auto worker = [&failures](int id) {
    for (int i = 0; i < 100; ++i) {
      const std::string missing = "libhakmem-missing-" + std::to_string(id) + ".so";
      if (dlopen(missing.c_str(), RTLD_NOW) != nullptr) failures.fetch_add(1);
      const char* error = dlerror();
      if (error == nullptr || std::strstr(error, missing.c_str()) == nullptr) failures.fetch_add(1);
      void* libm = dlopen("libm.so.6", RTLD_NOW);
      if (libm == nullptr || dlsym(libm, "sqrt") == nullptr) failures.fetch_add(1);
      if (libm != nullptr) dlclose(libm);
      void* p = A::Malloc(static_cast<size_t>(i * 97));
      A::Free(p);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace hakmem_test
