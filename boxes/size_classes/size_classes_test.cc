#include "boxes/size_classes/size_classes.h"

#include <set>

#include "gtest/gtest.h"

namespace hakmem {
namespace {

using size_classes_internal::ClassTable;
using size_classes_internal::kFineTable;
using size_classes_internal::kLeanTable;

// The reference: the first class of `t` that holds `size`, by a walk.
size_t SmallestFitting(const ClassTable& t, size_t size) {
  size_t cls = 0;
  while (t.sizes[cls] < size) ++cls;
  return cls;
}

size_t Block(const ClassTable& t, size_t size) { return t.sizes[SmallestFitting(t, size)]; }

class SpacingTest : public ::testing::TestWithParam<bool> {
 protected:
  const ClassTable& table() const { return GetParam() ? kLeanTable : kFineTable; }
};

TEST_P(SpacingTest, ClassesAreIncreasingMultiplesOf16UpToTheLargestSlabSize) {
  const ClassTable& t = table();
  ASSERT_LE(t.count, kMaxClasses);
  EXPECT_EQ(t.sizes[0], 16u);
  EXPECT_EQ(t.sizes[t.count - 1], kMaxSlabSize);
  for (size_t c = 1; c < t.count; ++c) {
    ASSERT_GT(t.sizes[c], t.sizes[c - 1]) << c;
    ASSERT_EQ(t.sizes[c] % 16, 0u) << c;
  }
}

// 16 B steps waste less than 16 B, eighths less than an eighth of the
// request, the rest less than a quarter.
TEST_P(SpacingTest, InternalWasteIsBounded) {
  const size_t steps_end = GetParam() ? 256 : 1024;
  for (size_t size = 1; size <= kMaxSlabSize; ++size) {
    const size_t waste = Block(table(), size) - size;
    if (size <= steps_end) {
      ASSERT_LT(waste, 16u) << size;
    } else if (size <= 1024) {
      ASSERT_LT(waste * 8, size) << size;
    } else {
      ASSERT_LT(waste * 4, size) << size;
    }
  }
}

// A power of two and a header: what page caches and I/O buffers ask for.
TEST_P(SpacingTest, APowerOfTwoAndAnEighthHasAClassUpTo8KiBInLeanSpacing) {
  for (size_t pow = 1024; pow < kMaxSlabSize; pow *= 2) {
    const bool has_class = Block(table(), pow + pow / 8) == pow + pow / 8;
    EXPECT_EQ(has_class, GetParam() && pow < kTableMaxSize) << pow;
  }
}

INSTANTIATE_TEST_SUITE_P(FineAndLean, SpacingTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Lean" : "Fine"; });

// The build's table is the spacing its profile chose (lean in every one), and
// the class functions find the smallest fitting class of it for every size.
TEST(SizeClassesTest, TheBuildsClassesFollowTheLeanClassesSwitch) {
  const ClassTable& t = kLeanClasses ? kLeanTable : kFineTable;
  ASSERT_EQ(kNumClasses, t.count);
  for (size_t c = 0; c < kNumClasses; ++c) ASSERT_EQ(ClassSize(c), t.sizes[c]) << c;
  for (size_t size = 0; size <= kMaxSlabSize; ++size) {
    ASSERT_EQ(ComputeClass(size), SmallestFitting(t, size)) << size;
    ASSERT_EQ(SizeClass(size), SmallestFitting(t, size)) << size;
    if (size <= kLookupMaxSize) {
      ASSERT_EQ(SmallSizeClass(size), SmallestFitting(t, size)) << size;
    }
  }
}

TEST(SizeClassesTest, MixedWorkloadSizesStayOnTheLookupPath) {
  EXPECT_LE(16u + 0x3FF, kLookupMaxSize);
  EXPECT_EQ(ClassSize(SmallSizeClass(1039)), kLeanClasses ? 1152u : 1280u);
}

// Lean spacing trades 16 B steps for eighths from 257 B to 1 KiB, and adds a
// class to each power of two's quarters from 1 to 8 KiB; elsewhere the two
// agree.
TEST(LeanClassesTest, BlocksAreLargerOnlyFrom257To1024Bytes) {
  for (size_t size = 0; size <= kMaxSlabSize; ++size) {
    const size_t lean = Block(kLeanTable, size);
    const size_t fine = Block(kFineTable, size);
    if (size <= 256 || size > kTableMaxSize) {
      ASSERT_EQ(lean, fine) << size;
    } else if (size <= 1024) {
      ASSERT_GE(lean, fine) << size;
    } else {
      ASSERT_LE(lean, fine) << size;
    }
  }
}

TEST(LeanClassesTest, TheClassesOfEachPowerOfTwo) {
  auto classes = [](size_t from, size_t to) {
    std::set<size_t> sizes;
    for (size_t size = from + 1; size <= to; ++size) sizes.insert(Block(kLeanTable, size));
    return sizes;
  };
  EXPECT_EQ(classes(256, 1024),
            (std::set<size_t>{288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 832, 896, 960, 1024}));
  EXPECT_EQ(classes(4096, 8192), (std::set<size_t>{4608, 5120, 6144, 7168, 8192}));
  EXPECT_EQ(classes(8192, 16384), (std::set<size_t>{10240, 12288, 14336, 16384}));
}

// SQLite's page cache: a 4 KiB page and a 272 B header.
TEST(LeanClassesTest, APageAndItsHeaderTakeAnEighthMoreNotAQuarter) {
  EXPECT_EQ(Block(kLeanTable, 4096 + 272), 4608u);
  EXPECT_EQ(Block(kFineTable, 4096 + 272), 5120u);
  EXPECT_EQ(Block(kLeanTable, 2048 + 64), 2304u);
  EXPECT_EQ(Block(kFineTable, 2048 + 64), 2560u);
}

}  // namespace
}  // namespace hakmem
