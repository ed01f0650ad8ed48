#include "soak/soak_loop.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace hakmem::soak {
namespace {

std::vector<EpochRow> CollectRows(const SoakSettings& settings, SoakOutcome* outcome = nullptr) {
  std::vector<EpochRow> rows;
  const SoakOutcome result = RunSoak(settings, [&](const EpochRow& row) { rows.push_back(row); });
  if (outcome != nullptr) *outcome = result;
  return rows;
}

void ExpectConsistent(const std::vector<EpochRow>& rows) {
  uint64_t total = 0;
  double elapsed = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].epoch, i + 1);
    EXPECT_GT(rows[i].elapsed_s, elapsed);
    EXPECT_NEAR(rows[i].epoch_s, rows[i].elapsed_s - elapsed, 1e-9);
    total += rows[i].epoch_ops;
    EXPECT_EQ(rows[i].total_ops, total);
    EXPECT_GT(rows[i].rss_bytes, 0u);
    elapsed = rows[i].elapsed_s;
  }
}

TEST(SoakLoopTest, OneRowPerEpochUntilTheDuration) {
  SoakSettings settings;
  settings.duration = absl::Milliseconds(600);
  settings.epoch = absl::Milliseconds(100);
  SoakOutcome outcome;
  const std::vector<EpochRow> rows = CollectRows(settings, &outcome);
  // Epochs end at the first clock check past each boundary, so a slow machine
  // can fit fewer than six; never more than seven (six plus a short last one).
  ASSERT_GE(rows.size(), 3u);
  ASSERT_LE(rows.size(), 7u);
  ExpectConsistent(rows);
  EXPECT_GE(rows.back().elapsed_s, 0.6);
  for (size_t i = 0; i + 1 < rows.size(); ++i) EXPECT_GE(rows[i].epoch_s, 0.1);
  EXPECT_FALSE(outcome.stopped_early);
  EXPECT_EQ(outcome.epochs, rows.size());
  EXPECT_EQ(outcome.total_ops, rows.back().total_ops);
  EXPECT_GT(outcome.total_ops, 0u);
  // Not traced, and glibc keeps no OS-call counters of its own.
  EXPECT_FALSE(rows.back().os_calls.has_value());
  EXPECT_FALSE(rows.back().allocator_os_calls.has_value());
}

TEST(SoakLoopTest, StopRequestEndsTheRunWithAFinalRow) {
  std::atomic<bool> stop{true};
  SoakSettings settings;
  settings.duration = absl::Hours(1);
  settings.stop_requested = &stop;
  SoakOutcome outcome;
  const std::vector<EpochRow> rows = CollectRows(settings, &outcome);
  ASSERT_EQ(rows.size(), 1u);
  ExpectConsistent(rows);
  EXPECT_TRUE(outcome.stopped_early);
  EXPECT_LT(outcome.elapsed_s, 60);
}

TEST(SoakLoopTest, MultiThreadedVariantCountsAllOperations) {
  SoakSettings settings;
  settings.workload.threads = 2;
  settings.duration = absl::Milliseconds(400);
  settings.epoch = absl::Milliseconds(100);
  const std::vector<EpochRow> rows = CollectRows(settings);
  ASSERT_GE(rows.size(), 2u);
  ExpectConsistent(rows);
  EXPECT_GT(rows.back().total_ops, 0u);
}

TEST(ReadRssBytesTest, GrowsWhenMemoryIsTouched) {
  const uint64_t before = ReadRssBytes();
  std::vector<char> block(64 << 20, 1);
  const uint64_t after = ReadRssBytes();
  EXPECT_GT(before, 0u);
  EXPECT_GE(after, before + (48u << 20)) << "block[0]=" << static_cast<int>(block[0]);
}

}  // namespace
}  // namespace hakmem::soak
