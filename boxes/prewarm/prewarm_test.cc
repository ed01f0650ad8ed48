// HAKMEM_PREWARM applied end to end: right after a fresh thread's first
// allocation, its thread-cache bins of the prewarmed classes (16..256 B) are
// already filled when prewarm is on, and empty when it is off or compiled out
// (--//profiles:prewarm=off). Not visible through hak_os_counters_get or
// hak_heap_info_get (the same superslab is mapped either way, and in-use bytes
// exclude thread caches), so the test reads the thread's heap directly; with
// the stats box on, the public hak_stats_get shows the refills too.
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "boxes/heap/heap.h"
#include "boxes/prewarm/prewarm.h"
#include "gtest/gtest.h"
#include "profiles/profile.h"
#include "profiles/tests/child_process.h"

namespace {

using hakmem_test::ChildResult;
using hakmem_test::NumberOf;
using hakmem_test::RunSelf;

#if HAKMEM_PREWARM_ENABLED
constexpr bool kPrewarmCompiledIn = true;
#else
constexpr bool kPrewarmCompiledIn = false;
#endif

// The classes other than the one allocated (class 0, 16 B) that hold blocks.
size_t OtherFilledBins(size_t first, size_t end) {
  size_t filled = 0;
  for (size_t c = first; c < end; ++c) filled += hakmem::CacheCount(&hakmem::tls_heap->cache, c) > 0;
  return filled;
}

void ReportThread(const char* prefix) {
  void* p = hak_malloc(16);
  const size_t prewarmed = OtherFilledBins(1, hakmem::kPrewarmClasses);
  const size_t beyond = OtherFilledBins(hakmem::kPrewarmClasses, hakmem::kNumClasses);
  std::printf("%s_prewarmed_bins=%zu\n%s_bins_beyond=%zu\n", prefix, prewarmed, prefix, beyond);
  hak_free(p);
}

int FirstAllocations() {
  ReportThread("main");
  std::thread([] { ReportThread("thread"); }).join();
  hak_stats stats;
  hak_stats_get(&stats);
  size_t refilled_unallocated = 0;
  for (size_t c = 1; c < hakmem::kPrewarmClasses; ++c) {
    refilled_unallocated += stats.classes[c].refills > 0 && stats.classes[c].allocs == 0;
  }
  std::printf("stats_enabled=%d\nstats_refilled_unallocated=%zu\n", stats.enabled, refilled_unallocated);
  return 0;
}

void ExpectPrewarm(const std::vector<std::string>& env, bool expected) {
  const ChildResult r = RunSelf("first_allocations", env);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  const unsigned long long want = expected ? hakmem::kPrewarmClasses - 1 : 0;
  EXPECT_EQ(NumberOf(r.out, "main_prewarmed_bins"), want) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "thread_prewarmed_bins"), want) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "main_bins_beyond"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "thread_bins_beyond"), 0u) << r.Describe();
  if (NumberOf(r.out, "stats_enabled") != 0) {
    EXPECT_EQ(NumberOf(r.out, "stats_refilled_unallocated"), want) << r.Describe();
  }
}

TEST(PrewarmTest, OnFillsTheHotBinsOfAFreshThread) {
  ExpectPrewarm({"HAKMEM_PREWARM=1"}, kPrewarmCompiledIn);
}

TEST(PrewarmTest, OffLeavesThemEmpty) { ExpectPrewarm({"HAKMEM_PREWARM=0"}, false); }

// FAST and OBSERVE prewarm; BALANCED suppresses it.
TEST(PrewarmTest, ProfileDefault) {
  ExpectPrewarm({}, kPrewarmCompiledIn && hakmem::kProfile != hakmem::Profile::kBalanced);
}

}  // namespace

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"first_allocations", FirstAllocations}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
