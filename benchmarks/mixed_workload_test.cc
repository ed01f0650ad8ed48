#include "benchmarks/mixed_workload.h"

#include <malloc.h>

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

// The workload's allocation count, recomputed from the definition with a
// bitmap instead of real blocks.
uint64_t ReferenceAllocations(uint64_t cycles, uint32_t ws, uint32_t seed) {
  std::vector<bool> held(ws, false);
  uint32_t x = seed;
  uint64_t allocations = 0;
  for (uint64_t i = 0; i < cycles; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    const uint32_t slot = x % ws;
    if (!held[slot]) ++allocations;
    held[slot] = !held[slot];
  }
  return allocations;
}

TEST(Xorshift32Test, MatchesTheDefinition) {
  uint32_t state = 1;
  EXPECT_EQ(NextXorshift32(state), 270369u);
  EXPECT_EQ(state, 270369u);
  uint32_t reference = kDefaultSeed;
  uint32_t state2 = kDefaultSeed;
  for (int i = 0; i < 1000; ++i) {
    reference ^= reference << 13;
    reference ^= reference >> 17;
    reference ^= reference << 5;
    ASSERT_EQ(NextXorshift32(state2), reference);
  }
}

TEST(SizeRangeTest, DefaultRangeIsSixteenPlusLowTenBits) {
  const SizeRange range(kDefaultMinSize, kDefaultMaxSize);
  EXPECT_TRUE(range.width_is_power_of_two());
  uint32_t state = kDefaultSeed;
  for (int i = 0; i < 100000; ++i) {
    const uint32_t r = NextXorshift32(state);
    ASSERT_EQ(range.Map(r), 16u + (r & 0x3FF)) << "r=" << r;
  }
  EXPECT_EQ(range.Map(0), 16u);
  EXPECT_EQ(range.Map(0xFFFFFFFFu), 1039u);
}

TEST(SizeRangeTest, OtherRangesStayInsideAndReachBothEnds) {
  const SizeRange range(100, 1000);  // width 901, not a power of two
  EXPECT_FALSE(range.width_is_power_of_two());
  EXPECT_EQ(range.Map(0), 100u);
  EXPECT_EQ(range.Map(0xFFFFFFFFu), 1000u);
  uint32_t state = 99;
  for (int i = 0; i < 100000; ++i) {
    const size_t size = range.Map(NextXorshift32(state));
    ASSERT_GE(size, 100u);
    ASSERT_LE(size, 1000u);
  }
  const SizeRange single(64, 64);
  EXPECT_EQ(single.Map(12345), 64u);
  const SizeRange power(32, 32 + 255);
  EXPECT_TRUE(power.width_is_power_of_two());
  EXPECT_EQ(power.Map(0x1234), 32u + 0x34);
}

TEST(SlotIndexTest, IsTheRemainderForEveryWorkingSet) {
  const uint32_t edges[] = {0u, 1u, 2u, 399u, 400u, 401u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu};
  uint32_t state = kDefaultSeed;
  for (uint32_t ws : {1u, 3u, 7u, 400u, 1000u, 6007u, 65535u, 65537u, (1u << 28) - 1, 1u << 28}) {
    const SlotIndex slots(ws);
    EXPECT_EQ(slots.ws_is_power_of_two(), (ws & (ws - 1)) == 0) << "ws=" << ws;
    for (uint32_t r : edges) ASSERT_EQ(slots.Map(r), r % ws) << "ws=" << ws << " r=" << r;
    // Around multiples of ws, where a remainder that is off by one shows.
    for (uint64_t k = 1; k * ws <= 0xFFFFFFFFu && k < 5000; k = k * 3 + 1) {
      const uint32_t multiple = static_cast<uint32_t>(k * ws);
      for (uint32_t r : {multiple - 1, multiple, multiple + 1}) {
        ASSERT_EQ(slots.Map(r), r % ws) << "ws=" << ws << " r=" << r;
      }
    }
    for (int i = 0; i < 100000; ++i) {
      const uint32_t r = NextXorshift32(state);
      ASSERT_EQ(slots.Map(r), r % ws) << "ws=" << ws << " r=" << r;
    }
  }
}

TEST(SlotIndexTest, EveryWordAtTheDefaultSmallWorkingSet) {
  const SlotIndex slots(400);
  for (uint64_t r = 0; r <= 0xFFFFFFFFu; r += 997) {
    ASSERT_EQ(slots.Map(static_cast<uint32_t>(r)), r % 400) << "r=" << r;
  }
}

TEST(RunMixedTest, SingleThreadReproducesTheDefinition) {
  MixedConfig config;
  config.cycles = 200000;
  config.ws = 400;
  const MixedResult result = RunMixed(config);
  EXPECT_EQ(result.operations, 200000u);
  EXPECT_EQ(result.allocations, ReferenceAllocations(200000, 400, kDefaultSeed));
  EXPECT_GT(result.seconds, 0.0);
}

TEST(RunMixedTest, WorkingSetThatIsNotAPowerOfTwoUsesModulo) {
  MixedConfig config;
  config.cycles = 100000;
  config.ws = 1000;
  config.seed = 42;
  config.min_size = 1;
  config.max_size = 300;
  EXPECT_EQ(RunMixed(config).allocations, ReferenceAllocations(100000, 1000, 42));
}

TEST(RunMixedTest, ThreadsRunEveryOperationAndFreeEveryBlock) {
  for (int threads : {1, 2, 3}) {
    MixedConfig config;
    config.cycles = 300001;
    config.ws = 512;
    config.threads = threads;
    RunMixed(config);  // lets glibc create its per-thread arenas first
    const size_t in_use_before = mallinfo2().uordblks;
    const MixedResult result = RunMixed(config);
    const size_t in_use_after = mallinfo2().uordblks;
    EXPECT_EQ(result.operations, 300001u) << threads;
    EXPECT_GT(result.allocations, 0u);
    EXPECT_EQ(in_use_after, in_use_before) << "blocks leaked with threads=" << threads;
  }
}

TEST(RunMixedTest, EpochCallbackSeesEveryBoundary) {
  for (int threads : {1, 2}) {
    MixedConfig config;
    config.cycles = 10000;
    config.ws = 64;
    config.threads = threads;
    config.epoch_operations = 3000;
    std::vector<uint64_t> seen;
    double last_elapsed = 0;
    config.on_epoch = [&](const EpochReport& report) {
      seen.push_back(report.operations_done);
      EXPECT_GE(report.elapsed_seconds, last_elapsed);
      last_elapsed = report.elapsed_seconds;
    };
    int warmed_up = 0;
    config.on_warmed_up = [&] {
      EXPECT_TRUE(seen.empty());
      ++warmed_up;
    };
    const MixedResult result = RunMixed(config);
    EXPECT_EQ(seen, (std::vector<uint64_t>{3000, 6000, 9000})) << "threads=" << threads;
    EXPECT_EQ(warmed_up, 1);
    EXPECT_EQ(result.operations, 10000u);
  }
}

TEST(RunMixedTest, EpochsAddUpToTheSameWorkAsOneRun) {
  MixedConfig config;
  config.cycles = 50000;
  config.ws = 256;
  const uint64_t plain = RunMixed(config).allocations;
  config.epoch_operations = 777;
  config.on_epoch = [](const EpochReport&) {};
  EXPECT_EQ(RunMixed(config).allocations, plain);
}

TEST(RunMixedTest, RunUntilStoppedEndsAtTheBoundaryThatAskedAndFreesEverything) {
  for (int threads : {1, 2}) {
    MixedConfig config;
    config.cycles = kRunUntilStopped;
    config.ws = 300;
    config.threads = threads;
    config.epoch_operations = 1000;
    int epochs = 0;
    config.on_epoch = [&](const EpochReport& report) {
      ++epochs;
      EXPECT_EQ(report.operations_done, static_cast<uint64_t>(epochs) * 1000);
    };
    int asked = 0;
    config.should_stop = [&] { return ++asked == 5; };
    RunMixed(config);  // lets glibc create its per-thread arenas first
    epochs = asked = 0;
    const size_t in_use_before = mallinfo2().uordblks;
    const MixedResult result = RunMixed(config);
    EXPECT_EQ(mallinfo2().uordblks, in_use_before) << "blocks leaked with threads=" << threads;
    EXPECT_EQ(result.operations, 5000u) << "threads=" << threads;
    EXPECT_EQ(epochs, 5);
    EXPECT_EQ(asked, 5);
    if (threads == 1) {
      EXPECT_EQ(result.allocations, ReferenceAllocations(5000, 300, kDefaultSeed));
    }
  }
}

TEST(RunMixedTest, ShouldStopAloneMarksTheBoundaries) {
  MixedConfig config;
  config.cycles = kRunUntilStopped;
  config.ws = 64;
  config.epoch_operations = 700;
  int asked = 0;
  config.should_stop = [&] { return ++asked == 3; };
  EXPECT_EQ(RunMixed(config).operations, 2100u);
}

TEST(RunMixedTest, ShouldStopEndsABoundedRunEarlyAndNeverPastItsEnd) {
  for (int threads : {1, 2}) {
    MixedConfig config;
    config.cycles = 10000;
    config.ws = 64;
    config.threads = threads;
    config.epoch_operations = 3000;
    config.should_stop = [] { return true; };
    EXPECT_EQ(RunMixed(config).operations, 3000u) << "threads=" << threads;
    config.should_stop = [] { return false; };
    EXPECT_EQ(RunMixed(config).operations, 10000u) << "threads=" << threads;
  }
}

TEST(ValidateMixedConfigTest, RunUntilStoppedNeedsAStopHookAndEpochs) {
  MixedConfig config;
  config.cycles = kRunUntilStopped;
  EXPECT_EQ(ValidateMixedConfig(config), "cycles must be at least 1");
  config.should_stop = [] { return true; };
  EXPECT_NE(ValidateMixedConfig(config), "");
  config.epoch_operations = 100;
  EXPECT_EQ(ValidateMixedConfig(config), "");
}

TEST(ValidateMixedConfigTest, AcceptsDefaultsAndRejectsNonsense) {
  EXPECT_EQ(ValidateMixedConfig(MixedConfig{}), "");
  auto problem = [](auto change) {
    MixedConfig config;
    change(config);
    return ValidateMixedConfig(config);
  };
  EXPECT_NE(problem([](MixedConfig& c) { c.cycles = 0; }), "");
  EXPECT_NE(problem([](MixedConfig& c) { c.ws = 0; }), "");
  EXPECT_NE(problem([](MixedConfig& c) { c.seed = 0; }), "");
  EXPECT_NE(problem([](MixedConfig& c) { c.min_size = 0; }), "");
  EXPECT_NE(problem([](MixedConfig& c) { c.threads = 0; }), "");
  EXPECT_NE(problem([](MixedConfig& c) { c.max_size = size_t{1} << 40; }), "");
  EXPECT_EQ(problem([](MixedConfig& c) { c.min_size = 2000; }),
            "min_size (2000) must not exceed max_size (1039)");
}

}  // namespace
}  // namespace hakmem::bench
