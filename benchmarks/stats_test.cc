#include "benchmarks/stats.h"

#include <vector>

#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

TEST(MedianTest, OddCountTakesTheMiddleOfTheSortedValues) {
  const std::vector<double> values = {9, 1, 5};
  EXPECT_DOUBLE_EQ(Median(values), 5);
}

TEST(MedianTest, EvenCountAveragesTheTwoMiddleValues) {
  const std::vector<double> values = {4, 1, 3, 100};
  EXPECT_DOUBLE_EQ(Median(values), 3.5);
}

TEST(MedianTest, SingleAndEmpty) {
  const std::vector<double> one = {7};
  EXPECT_DOUBLE_EQ(Median(one), 7);
  EXPECT_DOUBLE_EQ(Median(std::vector<double>{}), 0);
}

TEST(SummarizeTest, KnownSample) {
  // mean 5, squared deviations 9+1+1+9 = 20, sample variance 20/3.
  const std::vector<double> values = {2, 4, 6, 8};
  const Summary summary = Summarize(values);
  EXPECT_EQ(summary.count, 4);
  EXPECT_DOUBLE_EQ(summary.median, 5);
  EXPECT_DOUBLE_EQ(summary.mean, 5);
  EXPECT_NEAR(summary.stddev, 2.5819888974716112, 1e-12);
  EXPECT_NEAR(summary.cv, 2.5819888974716112 / 5, 1e-12);
  EXPECT_DOUBLE_EQ(summary.min, 2);
  EXPECT_DOUBLE_EQ(summary.max, 8);
}

TEST(SummarizeTest, IdenticalValuesHaveNoVariation) {
  const std::vector<double> values = {3e7, 3e7, 3e7};
  const Summary summary = Summarize(values);
  EXPECT_DOUBLE_EQ(summary.cv, 0);
  EXPECT_DOUBLE_EQ(summary.stddev, 0);
}

TEST(SummarizeTest, OneValueHasZeroSpread) {
  const std::vector<double> values = {42};
  const Summary summary = Summarize(values);
  EXPECT_EQ(summary.count, 1);
  EXPECT_DOUBLE_EQ(summary.median, 42);
  EXPECT_DOUBLE_EQ(summary.cv, 0);
  EXPECT_DOUBLE_EQ(summary.min, 42);
  EXPECT_DOUBLE_EQ(summary.max, 42);
}

TEST(SummarizeTest, EmptyIsAllZero) {
  const Summary summary = Summarize(std::vector<double>{});
  EXPECT_EQ(summary.count, 0);
  EXPECT_DOUBLE_EQ(summary.median, 0);
  EXPECT_DOUBLE_EQ(summary.cv, 0);
}

TEST(SummarizeTest, MedianIgnoresOneOutlier) {
  const std::vector<double> values = {10, 11, 12, 1000, 9};
  const Summary summary = Summarize(values);
  EXPECT_DOUBLE_EQ(summary.median, 11);
  EXPECT_DOUBLE_EQ(summary.max, 1000);
  EXPECT_GT(summary.cv, 1.0);
}

}  // namespace
}  // namespace hakmem::bench
