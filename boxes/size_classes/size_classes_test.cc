#include "boxes/size_classes/size_classes.h"

#include "gtest/gtest.h"

namespace hakmem {
namespace {

TEST(SizeClassesTest, ClassesAreIncreasingMultiplesOf16) {
  for (size_t c = 1; c < kNumClasses; ++c) {
    EXPECT_GT(ClassSize(c), ClassSize(c - 1));
    EXPECT_EQ(ClassSize(c) % 16, 0u);
  }
}

TEST(SizeClassesTest, EverySizeGetsTheSmallestFittingClass) {
  for (size_t size = 0; size <= kMaxSlabSize; ++size) {
    const size_t cls = SizeClass(size);
    ASSERT_LT(cls, kNumClasses) << size;
    ASSERT_GE(ClassSize(cls), size) << size;
    if (cls > 0) {
      ASSERT_LT(ClassSize(cls - 1), size) << size;
    }
  }
}

TEST(SizeClassesTest, InternalWasteIsBounded) {
  for (size_t size = 1; size <= kMaxSlabSize; ++size) {
    const size_t waste = ClassSize(SizeClass(size)) - size;
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

}  // namespace
}  // namespace hakmem
