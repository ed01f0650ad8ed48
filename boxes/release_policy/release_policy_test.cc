// The release policy's gates applied end to end. A child process allocates
// 64 MiB of 1 KiB blocks, frees them all and reports the OS calls made while
// freeing and the bytes still mapped; then hak_trim. Memory-lean mode
// (HAKMEM_SS_MEM_LEAN, _TARGET_MB, _DECOMMIT) and the empty-superslab cache
// (HAKMEM_SS_CACHE) decide what happens to the ~32 superslabs that empty.
//
// With the mem_lean box compiled out (--//profiles:mem_lean=off, as in FAST
// and OBSERVE) the lean gates must have no effect.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "allocator/hakmem.h"
#include "boxes/mem_lean/mem_lean_testing.h"
#include "gtest/gtest.h"
#include "profiles/profile.h"
#include "profiles/tests/child_process.h"

namespace {

using hakmem_test::ChildResult;
using hakmem_test::kLeanCompiledIn;
using hakmem_test::kLeanCompiledOutNote;
using hakmem_test::NumberOf;
using hakmem_test::RunSelf;

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kTotalBytes = 64 * kMiB;
constexpr size_t kBlockSize = 1024;
// 64 MiB of blocks fill about 32 superslabs of 2 MiB.
constexpr unsigned long long kSuperslabsFilled = kTotalBytes / (2 * kMiB);

size_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size_pages = 0, resident_pages = 0;
  const int got = std::fscanf(f, "%llu %llu", &size_pages, &resident_pages);
  std::fclose(f);
  return got == 2 ? resident_pages * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

int AllocateFreeTrim() {
  std::vector<void*> blocks;
  blocks.reserve(kTotalBytes / kBlockSize);
  for (size_t i = 0; i < kTotalBytes / kBlockSize; ++i) {
    void* p = hak_malloc(kBlockSize);
    if (p == nullptr) return 1;
    std::memset(p, 0x5a, kBlockSize);
    blocks.push_back(p);
  }
  hak_os_counters full_os;
  hak_heap_info full;
  hak_os_counters_get(&full_os);
  hak_heap_info_get(&full);
  const size_t rss_full = ResidentBytes();

  for (void* p : blocks) hak_free(p);
  hak_os_counters freed_os;
  hak_heap_info freed;
  hak_os_counters_get(&freed_os);
  hak_heap_info_get(&freed);
  const size_t rss_freed = ResidentBytes();

  const int trimmed = hak_trim(0);
  hak_heap_info after_trim;
  hak_heap_info_get(&after_trim);

  std::printf("mapped_full=%zu\n", full.mapped_bytes);
  std::printf("mapped_after_free=%zu\n", freed.mapped_bytes);
  std::printf("mapped_after_trim=%zu\n", after_trim.mapped_bytes);
  std::printf("munmap_during_free=%llu\n",
              static_cast<unsigned long long>(freed_os.munmap_calls - full_os.munmap_calls));
  std::printf("madvise_during_free=%llu\n",
              static_cast<unsigned long long>(freed_os.madvise_calls - full_os.madvise_calls));
  std::printf("rss_drop=%zu\n", rss_full > rss_freed ? rss_full - rss_freed : 0);
  std::printf("trimmed=%d\n", trimmed);
  return 0;
}

struct ChildRun {
  ChildResult child;
  unsigned long long mapped_full, mapped_after_free, mapped_after_trim;
  unsigned long long munmap_during_free, madvise_during_free, rss_drop, trimmed;
};

ChildRun RunWith(std::vector<std::string> env) {
  env.push_back("HAKMEM_PREWARM=0");  // fewer moving parts
  ChildRun r{};
  r.child = RunSelf("allocate_free_trim", env);
  const std::string& out = r.child.out;
  r.mapped_full = NumberOf(out, "mapped_full");
  r.mapped_after_free = NumberOf(out, "mapped_after_free");
  r.mapped_after_trim = NumberOf(out, "mapped_after_trim");
  r.munmap_during_free = NumberOf(out, "munmap_during_free");
  r.madvise_during_free = NumberOf(out, "madvise_during_free");
  r.rss_drop = NumberOf(out, "rss_drop");
  r.trimmed = NumberOf(out, "trimmed");
  return r;
}

// Every emptied superslab stays mapped (cached); hak_trim then unmaps them.
void ExpectAllCached(const ChildRun& r) {
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  EXPECT_GE(r.mapped_full, kTotalBytes) << r.child.Describe();
  EXPECT_EQ(r.munmap_during_free, 0u) << r.child.Describe();
  EXPECT_GE(r.mapped_after_free, kTotalBytes - 4 * kMiB) << r.child.Describe();
  EXPECT_LT(r.mapped_after_trim, 8 * kMiB) << r.child.Describe();
  EXPECT_EQ(r.trimmed, 1u) << r.child.Describe();
}

// Emptied superslabs are unmapped while freeing.
void ExpectUnmappedWhileFreeing(const ChildRun& r) {
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  EXPECT_GE(r.mapped_full, kTotalBytes) << r.child.Describe();
  EXPECT_GE(r.munmap_during_free, kSuperslabsFilled - 4) << r.child.Describe();
  EXPECT_LT(r.mapped_after_free, 8 * kMiB) << r.child.Describe();
}

TEST(ReleasePolicyTest, LeanOffKeepsEmptySuperslabsInTheCache) {
  ExpectAllCached(RunWith({"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_SS_CACHE=1024"}));
}

TEST(ReleasePolicyTest, SuperslabCacheZeroUnmapsAtOnce) {
  ExpectUnmappedWhileFreeing(RunWith({"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_SS_CACHE=0"}));
}

TEST(ReleasePolicyTest, LeanWithDecommitOffUnmapsAboveTheTarget) {
  const ChildRun r = RunWith({"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=0", "HAKMEM_SS_MEM_LEAN_DECOMMIT=OFF",
                         "HAKMEM_SS_CACHE=1024"});
  if (kLeanCompiledIn) {
    ExpectUnmappedWhileFreeing(r);
  } else {
    SCOPED_TRACE(kLeanCompiledOutNote);
    ExpectAllCached(r);
  }
}

TEST(ReleasePolicyTest, LeanWithDontneedKeepsTheMappingButReturnsThePages) {
  const ChildRun r = RunWith({"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=0",
                         "HAKMEM_SS_MEM_LEAN_DECOMMIT=DONTNEED", "HAKMEM_SS_CACHE=1024"});
  if (!kLeanCompiledIn) {
    SCOPED_TRACE(kLeanCompiledOutNote);
    ExpectAllCached(r);
    EXPECT_EQ(r.madvise_during_free, 0u) << r.child.Describe();
    return;
  }
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  EXPECT_EQ(r.munmap_during_free, 0u) << r.child.Describe();
  EXPECT_GE(r.madvise_during_free, kSuperslabsFilled - 4) << r.child.Describe();
  EXPECT_GE(r.mapped_after_free, kTotalBytes - 4 * kMiB) << r.child.Describe();
  // MADV_DONTNEED drops the pages at once (MADV_FREE would not, without pressure).
  EXPECT_GE(r.rss_drop, kTotalBytes * 3 / 4) << r.child.Describe();
}

TEST(ReleasePolicyTest, LeanWithFreeKeepsTheMappingAndAdvises) {
  const ChildRun r = RunWith({"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=0",
                         "HAKMEM_SS_MEM_LEAN_DECOMMIT=FREE", "HAKMEM_SS_CACHE=1024"});
  if (!kLeanCompiledIn) {
    SCOPED_TRACE(kLeanCompiledOutNote);
    ExpectAllCached(r);
    return;
  }
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  EXPECT_EQ(r.munmap_during_free, 0u) << r.child.Describe();
  EXPECT_GE(r.madvise_during_free, kSuperslabsFilled - 4) << r.child.Describe();
  EXPECT_GE(r.mapped_after_free, kTotalBytes - 4 * kMiB) << r.child.Describe();
}

TEST(ReleasePolicyTest, LeanBelowItsTargetReleasesNothing) {
  const ChildRun r = RunWith({"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=1024",
                         "HAKMEM_SS_MEM_LEAN_DECOMMIT=DONTNEED", "HAKMEM_SS_CACHE=1024"});
  ExpectAllCached(r);
  EXPECT_EQ(r.madvise_during_free, 0u) << r.child.Describe();
}

// BALANCED: lean by default (target 10 MiB, unmap); FAST/OBSERVE: 8 cached.
TEST(ReleasePolicyTest, ProfileDefaults) {
  const ChildRun r = RunWith({});
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  if (hakmem::kProfile == hakmem::Profile::kBalanced && kLeanCompiledIn) {
    EXPECT_LE(r.mapped_after_free, 14 * kMiB) << r.child.Describe();
  } else if (hakmem::kProfile == hakmem::Profile::kBalanced) {
    EXPECT_LE(r.mapped_after_free, 8 * kMiB) << "one cached superslab\n" << r.child.Describe();
  } else {
    EXPECT_GE(r.mapped_after_free, 16 * kMiB) << "eight cached superslabs\n" << r.child.Describe();
    EXPECT_LE(r.mapped_after_free, 24 * kMiB) << r.child.Describe();
  }
  EXPECT_LT(r.mapped_after_trim, 8 * kMiB) << r.child.Describe();
}

}  // namespace

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"allocate_free_trim", AllocateFreeTrim}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
