// HAKMEM_LARGE_CACHE_MB applied end to end, and memory-lean mode's effect on
// large objects: a child process frees a 4 MiB object and allocates (calloc)
// another, reporting the OS calls each step made and whether the reused memory
// reads as zero.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "allocator/hakmem.h"
#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"

namespace {

using hakmem_test::ChildResult;
using hakmem_test::NumberOf;
using hakmem_test::RunSelf;

#if HAKMEM_MEM_LEAN_ENABLED
constexpr bool kLeanCompiledIn = true;
#else
constexpr bool kLeanCompiledIn = false;
#endif

// Printed with failures of the compiled-out expectations.
constexpr const char* kCompiledOutNote =
    "memory-lean mode is compiled out here (--//profiles:mem_lean=off defines HAKMEM_MEM_LEAN_ENABLED=0), "
    "so its run-time gates must have no effect";

constexpr size_t kLargeSize = size_t{4} << 20;

hak_os_counters Counters() {
  hak_os_counters c;
  hak_os_counters_get(&c);
  return c;
}

int FreeThenCalloc() {
  char* p = static_cast<char*>(hak_malloc(kLargeSize));
  if (p == nullptr) return 1;
  std::memset(p, 0x7e, kLargeSize);
  const hak_os_counters before_free = Counters();
  hak_free(p);
  const hak_os_counters after_free = Counters();
  char* q = static_cast<char*>(hak_calloc(1, kLargeSize));
  if (q == nullptr) return 1;
  const hak_os_counters after_calloc = Counters();
  size_t nonzero = 0;
  for (size_t i = 0; i < kLargeSize; ++i) nonzero += q[i] != 0;
  hak_free(q);
  std::printf("munmap_on_free=%llu\n",
              static_cast<unsigned long long>(after_free.munmap_calls - before_free.munmap_calls));
  std::printf("madvise_on_free=%llu\n",
              static_cast<unsigned long long>(after_free.madvise_calls - before_free.madvise_calls));
  std::printf("mmap_on_calloc=%llu\n",
              static_cast<unsigned long long>(after_calloc.mmap_calls - after_free.mmap_calls));
  std::printf("nonzero_bytes=%zu\n", nonzero);
  return 0;
}

struct ChildRun {
  ChildResult child;
  unsigned long long munmap_on_free, madvise_on_free, mmap_on_calloc, nonzero_bytes;
};

ChildRun RunWith(const std::vector<std::string>& env) {
  ChildRun r{};
  r.child = RunSelf("free_then_calloc", env);
  r.munmap_on_free = NumberOf(r.child.out, "munmap_on_free");
  r.madvise_on_free = NumberOf(r.child.out, "madvise_on_free");
  r.mmap_on_calloc = NumberOf(r.child.out, "mmap_on_calloc");
  r.nonzero_bytes = NumberOf(r.child.out, "nonzero_bytes");
  EXPECT_EQ(r.child.err, "") << r.child.Describe();
  return r;
}

void ExpectReusedFromCache(const ChildRun& r) {
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  EXPECT_EQ(r.munmap_on_free, 0u) << r.child.Describe();
  EXPECT_EQ(r.mmap_on_calloc, 0u) << r.child.Describe();
  EXPECT_EQ(r.nonzero_bytes, 0u) << "calloc of a reused mapping\n" << r.child.Describe();
}

void ExpectUnmappedAndMappedAgain(const ChildRun& r) {
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  EXPECT_GE(r.munmap_on_free, 1u) << r.child.Describe();
  EXPECT_GE(r.mmap_on_calloc, 1u) << r.child.Describe();
  EXPECT_EQ(r.nonzero_bytes, 0u) << r.child.Describe();
}

TEST(LargeObjectsTest, CacheKeepsAFreedMappingForReuse) {
  ExpectReusedFromCache(RunWith({"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=64"}));
}

TEST(LargeObjectsTest, CacheZeroUnmapsOnFree) {
  ExpectUnmappedAndMappedAgain(RunWith({"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=0"}));
}

TEST(LargeObjectsTest, ObjectsAboveTheCacheBudgetAreUnmapped) {
  ExpectUnmappedAndMappedAgain(RunWith({"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=2"}));
}

TEST(LargeObjectsTest, LeanAboveTargetUnmapsDespiteTheCache) {
  const ChildRun r = RunWith({"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=0", "HAKMEM_SS_MEM_LEAN_DECOMMIT=OFF",
                         "HAKMEM_LARGE_CACHE_MB=64"});
  if (kLeanCompiledIn) {
    ExpectUnmappedAndMappedAgain(r);
  } else {
    SCOPED_TRACE(kCompiledOutNote);
    ExpectReusedFromCache(r);
  }
}

TEST(LargeObjectsTest, LeanWithDontneedCachesADecommittedMapping) {
  const ChildRun r = RunWith({"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=0",
                         "HAKMEM_SS_MEM_LEAN_DECOMMIT=DONTNEED", "HAKMEM_LARGE_CACHE_MB=64"});
  ExpectReusedFromCache(r);
  EXPECT_EQ(r.madvise_on_free, kLeanCompiledIn ? 1u : 0u) << (kLeanCompiledIn ? "" : kCompiledOutNote) << "\n"
                                                          << r.child.Describe();
}

}  // namespace

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"free_then_calloc", FreeThenCalloc}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
