#include "boxes/size_classes/size_classes.h"

#include <set>

#include "gtest/gtest.h"

namespace hakmem {
namespace {

TEST(SizeClassesTest, ClassesAreIncreasingMultiplesOf16) {
  for (size_t c = 1; c < kNumClasses; ++c) {
    EXPECT_GT(ClassSize(c), ClassSize(c - 1));
    EXPECT_EQ(ClassSize(c) % 16, 0u);
  }
}

// Fine spacing (ComputeClass); the lean tests below cover the other.
TEST(SizeClassesTest, EverySizeGetsTheSmallestFittingClass) {
  for (size_t size = 0; size <= kMaxSlabSize; ++size) {
    const size_t cls = ComputeClass(size);
    ASSERT_LT(cls, kNumClasses) << size;
    ASSERT_GE(ClassSize(cls), size) << size;
    if (cls > 0) {
      ASSERT_LT(ClassSize(cls - 1), size) << size;
    }
  }
}

TEST(SizeClassesTest, InternalWasteIsBounded) {
  for (size_t size = 1; size <= kMaxSlabSize; ++size) {
    const size_t waste = ClassSize(ComputeClass(size)) - size;
    if (size <= kMaxTinySize) {
      ASSERT_LT(waste, 16u) << size;
    } else {
      ASSERT_LT(waste * 4, size) << size;  // < 25 %
    }
  }
}

TEST(SizeClassesTest, MixedWorkloadSizesStayOnTheLookupPath) {
  EXPECT_LE(16u + 0x3FF, kLookupMaxSize);
  EXPECT_EQ(SmallSizeClass(1039), ComputeClass(1039));
  EXPECT_EQ(ClassSize(SmallSizeClass(1039)), 1280u);
}

// The build's table is the spacing its profile chose (lean in BALANCED).
TEST(SizeClassesTest, LookupFollowsTheLeanClassesSwitch) {
  EXPECT_EQ(size_classes_internal::kLookup, size_classes_internal::MakeLookup(kLeanClasses));
  for (size_t size = 0; size <= kMaxSlabSize; ++size) {
    ASSERT_EQ(SizeClass(size), ComputeClass(kLeanClasses ? LeanRoundUp(size) : size)) << size;
  }
}

TEST(LeanClassesTest, EachRequestFitsItsClassWithLessThanAnEighthWasted) {
  const auto lean = size_classes_internal::MakeLookup(true);
  for (size_t size = 1; size <= kLookupMaxSize; ++size) {
    const size_t block = ClassSize(lean[(size + 15) >> 4]);
    ASSERT_GE(block, size) << size;
    if (size > 256 && size <= kMaxTinySize) {
      ASSERT_LT((block - size) * 8, size) << size;
    }
  }
}

TEST(LeanClassesTest, OnlyRequestsOf257To1024BytesChangeClass) {
  const auto fine = size_classes_internal::MakeLookup(false);
  const auto lean = size_classes_internal::MakeLookup(true);
  for (size_t size = 0; size <= kLookupMaxSize; size += 16) {
    const size_t i = size >> 4;
    if (size <= 256 || size > kMaxTinySize) {
      ASSERT_EQ(lean[i], fine[i]) << size;
    } else {
      ASSERT_GE(lean[i], fine[i]) << size;
    }
  }
}

TEST(LeanClassesTest, EightClassesPerPowerOfTwoAbove256Bytes) {
  const auto lean = size_classes_internal::MakeLookup(true);
  std::set<size_t> sizes;
  for (size_t size = 257; size <= kMaxTinySize; ++size) sizes.insert(ClassSize(lean[(size + 15) >> 4]));
  EXPECT_EQ(sizes, (std::set<size_t>{288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 832, 896, 960,
                                      1024}));
}

}  // namespace
}  // namespace hakmem
