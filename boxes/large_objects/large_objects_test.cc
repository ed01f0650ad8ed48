// HAKMEM_LARGE_CACHE_MB applied end to end, and memory-lean mode's effect on
// large objects: a child process frees a 4 MiB object and allocates (calloc)
// another, reporting the OS calls each step made and whether the reused memory
// reads as zero. Then which cached mappings a request the cache cannot serve
// unmaps.
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

size_t MappedBytes() {
  hak_heap_info info;
  hak_heap_info_get(&info);
  return info.mapped_bytes;
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

// A buffer that outgrows the cache: 1 MiB freed to it, then 4 MiB asked for
// (which it cannot serve), then 1 MiB again.
int GrowPastTheCache() {
  void* a = hak_malloc(size_t{1} << 20);
  if (a == nullptr) return 1;
  hak_free(a);
  const size_t mapped_before_grow = MappedBytes();
  void* b = hak_malloc(size_t{4} << 20);
  const size_t mapped_after_grow = MappedBytes();
  const hak_os_counters after_grow = Counters();
  void* c = hak_malloc(size_t{1} << 20);
  const hak_os_counters after_small = Counters();
  if (b == nullptr || c == nullptr) return 1;
  hak_free(c);
  hak_free(b);
  // What the grow added to hakmem's mappings: 4 MiB and a page, less the
  // freed 1 MiB mapping if it went (an over-map's trimmed ends are not counted).
  std::printf("mapped_kib_on_grow=%zu\n", (mapped_after_grow - mapped_before_grow) >> 10);
  std::printf("mmap_on_small_again=%llu\n",
              static_cast<unsigned long long>(after_small.mmap_calls - after_grow.mmap_calls));
  return 0;
}

// A smaller request the cache cannot serve leaves larger cached mappings be:
// 8 MiB freed to the cache, 1 MiB asked for, then 8 MiB again.
int SmallMissThenLargeAgain() {
  void* x = hak_malloc(size_t{8} << 20);
  if (x == nullptr) return 1;
  hak_free(x);
  void* a = hak_malloc(size_t{1} << 20);
  const hak_os_counters after_small = Counters();
  void* y = hak_malloc(size_t{8} << 20);
  const hak_os_counters after_large = Counters();
  if (a == nullptr || y == nullptr) return 1;
  hak_free(y);
  hak_free(a);
  std::printf("mmap_on_large_again=%llu\n",
              static_cast<unsigned long long>(after_large.mmap_calls - after_small.mmap_calls));
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

// Cache on, lean mode off (its target could unmap on its own).
const std::vector<std::string> kCacheOn = {"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=64"};

TEST(LargeObjectsTest, AMissUnmapsTheCachedMappingsTooSmallForIt) {
  const ChildResult r = RunSelf("grow_past_the_cache", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  // 4 MiB + 4 KiB mapped, 1 MiB + 4 KiB unmapped.
  EXPECT_EQ(NumberOf(r.out, "mapped_kib_on_grow"), 3u * 1024) << "the freed 1 MiB mapping, unmapped\n"
                                                             << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_on_small_again"), 1u) << "so 1 MiB needs a mapping of its own\n" << r.Describe();
}

TEST(LargeObjectsTest, AMissKeepsTheLargerCachedMappings) {
  const ChildResult r = RunSelf("small_miss_then_large_again", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_on_large_again"), 0u) << "the 8 MiB mapping, reused\n" << r.Describe();
}

}  // namespace

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"free_then_calloc", FreeThenCalloc},
                                         {"grow_past_the_cache", GrowPastTheCache},
                                         {"small_miss_then_large_again", SmallMissThenLargeAgain}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
