// mallinfo2, malloc_stats, malloc_trim, and (with //allocator linked) proof
// that every libc allocation function really is hakmem's.
#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(HAKMEM_TEST_BACKEND_OVERRIDE)
#include "allocator/hakmem.h"
#endif
#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

constexpr size_t kBig = size_t{64} << 20;

// glibc puts large blocks in hblkhd (mmapped) and the rest in arena/uordblks;
// an allocator may file them either way, so sums are compared.
size_t ArenaTotal(const struct mallinfo2& mi) { return mi.arena + mi.hblkhd; }
size_t InUseTotal(const struct mallinfo2& mi) { return mi.uordblks + mi.hblkhd; }

TEST(LibcIntrospectionTest, Mallinfo2ReportsAndGrowsWithSixtyFourMebibytes) {
  void* small = std::malloc(100);
  ASSERT_NE(small, nullptr);
  const struct mallinfo2 before = mallinfo2();
  EXPECT_GT(ArenaTotal(before), 0u);
  EXPECT_GT(InUseTotal(before), 0u);

  void* big = std::malloc(Opaque(kBig));
  ASSERT_NE(big, nullptr);
  FillBlock(big, kBig);
  const struct mallinfo2 during = mallinfo2();
  EXPECT_GE(ArenaTotal(during), ArenaTotal(before) + kBig)
      << "arena+hblkhd before " << ArenaTotal(before) << ", with 64 MiB live " << ArenaTotal(during);
  EXPECT_GE(InUseTotal(during), InUseTotal(before) + kBig)
      << "uordblks+hblkhd before " << InUseTotal(before) << ", with 64 MiB live " << InUseTotal(during);

  std::free(big);
  const struct mallinfo2 after = mallinfo2();
  EXPECT_LT(InUseTotal(after), InUseTotal(before) + kBig / 2) << "the freed 64 MiB is still reported in use";
  std::free(small);
}

TEST(LibcIntrospectionTest, MallocStatsPrintsWithoutDisturbingTheHeap) {
  std::vector<void*> blocks;
  for (size_t n = 1; n < (size_t{4} << 20); n = n * 3 + 1) {
    blocks.push_back(std::malloc(n));
    FillBlock(blocks.back(), n);
  }
  malloc_stats();  // to stderr; must neither crash nor deadlock
  size_t n = 1;
  for (void* p : blocks) {
    EXPECT_EQ(FindBlockMismatch(p, n), kPatternOk) << n;
    std::free(p);
    n = n * 3 + 1;
  }
}

TEST(LibcIntrospectionTest, MallocTrimThenKeepAllocating) {
  std::vector<void*> blocks;
  for (int i = 0; i < 2000; ++i) blocks.push_back(std::malloc(static_cast<size_t>(i) * 97 % 300000));
  for (void* p : blocks) std::free(p);
  const int released = malloc_trim(0);
  EXPECT_TRUE(released == 0 || released == 1) << released;
  for (int i = 0; i < 2000; ++i) {
    const size_t n = static_cast<size_t>(i) * 97 % 300000;
    void* p = std::malloc(n);
    ASSERT_NE(p, nullptr);
    FillBlock(p, n);
    ASSERT_EQ(FindBlockMismatch(p, n), kPatternOk);
    std::free(p);
  }
}

// With //allocator linked every libc allocation entry point must resolve to
// it: one left to glibc would hand glibc's blocks to hakmem's free.
TEST(LibcIntrospectionTest, EveryAllocationFunctionIsTheReplacement) {
  if (!Backend::kIsHakmem) GTEST_SKIP() << "reference build: glibc's functions are expected";
  struct Fn {
    const char* name;
    void* address;
  };
  const Fn functions[] = {
      {"malloc", reinterpret_cast<void*>(&::malloc)},
      {"free", reinterpret_cast<void*>(&::free)},
      {"calloc", reinterpret_cast<void*>(&::calloc)},
      {"realloc", reinterpret_cast<void*>(&::realloc)},
      {"reallocarray", reinterpret_cast<void*>(&::reallocarray)},
      {"posix_memalign", reinterpret_cast<void*>(&::posix_memalign)},
      {"aligned_alloc", reinterpret_cast<void*>(&::aligned_alloc)},
      {"memalign", reinterpret_cast<void*>(&::memalign)},
      {"valloc", reinterpret_cast<void*>(&::valloc)},
      {"pvalloc", reinterpret_cast<void*>(&::pvalloc)},
      {"malloc_usable_size", reinterpret_cast<void*>(&::malloc_usable_size)},
      {"malloc_trim", reinterpret_cast<void*>(&::malloc_trim)},
      {"mallinfo2", reinterpret_cast<void*>(&::mallinfo2)},
      {"malloc_stats", reinterpret_cast<void*>(&::malloc_stats)},
#if defined(HAKMEM_TEST_BACKEND_OVERRIDE)
      {"free_sized", reinterpret_cast<void*>(&::free_sized)},
      {"free_aligned_sized", reinterpret_cast<void*>(&::free_aligned_sized)},
#endif
  };
  for (const Fn& fn : functions) {
    Dl_info info{};
    ASSERT_NE(dladdr(fn.address, &info), 0) << fn.name;
    ASSERT_NE(info.dli_fname, nullptr) << fn.name;
    EXPECT_EQ(std::strstr(info.dli_fname, "libc.so"), nullptr) << fn.name << " comes from " << info.dli_fname;
  }
  // What the loader binds for other libraries (e.g. libstdc++'s calls).
  for (const char* name : {"malloc", "free", "calloc", "realloc", "posix_memalign", "aligned_alloc",
                           "malloc_usable_size"}) {
    void* bound = dlsym(RTLD_DEFAULT, name);
    ASSERT_NE(bound, nullptr) << name;
    Dl_info info{};
    ASSERT_NE(dladdr(bound, &info), 0) << name;
    EXPECT_EQ(std::strstr(info.dli_fname, "libc.so"), nullptr)
        << "dlsym(RTLD_DEFAULT, \"" << name << "\") resolves into " << info.dli_fname;
  }
}

#if defined(HAKMEM_TEST_BACKEND_OVERRIDE)
// //allocator exports both name sets for one allocator: blocks may cross.
TEST(LibcIntrospectionTest, PrefixedAndLibcNamesShareOneHeap) {
  for (size_t n : {size_t{1}, size_t{100}, size_t{5000}, size_t{300000}, size_t{8} << 20}) {
    void* p = hak_malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(malloc_usable_size(p), hak_usable_size(p));
    FillBlock(p, n);
    p = std::realloc(p, n * 2);
    ASSERT_NE(p, nullptr);
    std::free(p);
    void* q = std::malloc(n);
    ASSERT_NE(q, nullptr);
    q = hak_realloc(q, n + 1);
    ASSERT_NE(q, nullptr);
    hak_free(q);
  }
  hak_heap_info before{};
  hak_heap_info_get(&before);
  void* big = std::malloc(kBig);
  ASSERT_NE(big, nullptr);
  hak_heap_info during{};
  hak_heap_info_get(&during);
  EXPECT_GE(during.in_use_bytes, before.in_use_bytes + kBig) << "malloc'd 64 MiB not in hak_heap_info";
  std::free(big);
}
#endif

// Blocks crossing the libc boundary: strdup/getline/open_memstream allocate
// inside glibc (with the process's malloc) and are freed here, and vice versa.
TEST(LibcIntrospectionTest, LibcInternalAllocationsPairWithFree) {
  for (int i = 0; i < 1000; ++i) {
    char* s = strdup("hakmem strdup test string");
    ASSERT_NE(s, nullptr);
    std::free(s);
    char* buffer = nullptr;
    size_t size = 0;
    FILE* stream = open_memstream(&buffer, &size);
    ASSERT_NE(stream, nullptr);
    for (int k = 0; k < 100; ++k) std::fprintf(stream, "line %d of round %d\n", k, i);
    std::fclose(stream);
    ASSERT_NE(buffer, nullptr);
    EXPECT_GT(size, 1000u);
    std::free(buffer);
    char* formatted = nullptr;
    ASSERT_GT(asprintf(&formatted, "%d-%s", i, "x"), 0);
    std::free(formatted);
    char* path = realpath("/proc/self/exe", nullptr);
    ASSERT_NE(path, nullptr);
    std::free(path);
  }
}

}  // namespace
}  // namespace hakmem_test
