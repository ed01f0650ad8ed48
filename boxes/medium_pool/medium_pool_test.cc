#include "boxes/medium_pool/medium_pool.h"

#include "gtest/gtest.h"

namespace hakmem {
namespace {

TEST(MediumPoolTest, SmallClassesUseOneSlab) {
  for (size_t cls = 0; cls < kNumClasses && ClassSize(cls) <= kSlabSize / kMinBlocksPerSpan; ++cls) {
    EXPECT_EQ(SpanSlabsForClass(cls), 1u) << ClassSize(cls);
  }
}

TEST(MediumPoolTest, EverySpanHoldsEnoughBlocksAndFitsASuperslab) {
  for (size_t cls = 0; cls < kNumClasses; ++cls) {
    const uint32_t slabs = SpanSlabsForClass(cls);
    ASSERT_GE(slabs, 1u);
    ASSERT_LE(slabs, kSlabsPerSuperslab);
    // A span starting at slab 0 loses the header: still at least 7 blocks.
    const size_t usable = slabs * kSlabSize - kSuperslabHeaderSize;
    EXPECT_GE(usable / ClassSize(cls), kMinBlocksPerSpan - 1) << ClassSize(cls);
    // And no longer than needed.
    if (slabs > 1) {
      EXPECT_LT((slabs - 1) * kSlabSize, kMinBlocksPerSpan * ClassSize(cls)) << ClassSize(cls);
    }
  }
}

TEST(MediumPoolTest, TheLargestClassTakesAWholeSuperslab) {
  EXPECT_EQ(SpanSlabsForClass(kNumClasses - 1), kSlabsPerSuperslab);
}

}  // namespace
}  // namespace hakmem
