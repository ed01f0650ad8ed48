#include "boxes/superslab/superslab.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdint>

#include "boxes/size_classes/size_classes.h"
#include "gtest/gtest.h"

namespace hakmem {
namespace {

// The reference the multiply-and-compare test must agree with.
bool ExpectedBlockStart(uint32_t start, uint32_t block_size, uint32_t carved, uint32_t offset) {
  if (offset < start) return false;
  const uint32_t rel = offset - start;
  return rel % block_size == 0 && rel / block_size < carved;
}

void InitSlab(Slab* s, uint32_t start, size_t cls) {
  s->start_offset = start;
  s->block_size = static_cast<uint32_t>(ClassSize(cls));
  s->block_test_mul = BlockTestMultiplier(s->block_size);
}

// Every offset of a chunk, every class, a span starting after the header and
// one starting at the last slab: exactly the carved block starts pass.
TEST(BlockTest, AgreesWithDivisionAtEveryOffset) {
  for (size_t cls = 0; cls < kNumClasses; ++cls) {
    for (const uint32_t start : {uint32_t{kSuperslabHeaderSize}, uint32_t{31 * kSlabSize}}) {
      Slab s{};
      InitSlab(&s, start, cls);
      // Spans count blocks in 16 bits (the smallest classes get short spans).
      const uint32_t capacity = std::min<uint32_t>((kChunkSize - start) / s.block_size, UINT16_MAX);
      for (const uint32_t carved : {capacity, capacity / 2}) {
        SlabSetCarvedLimit(&s, carved);
        uint32_t offset = 0;  // the first disagreement, or kChunkSize
        while (offset < kChunkSize &&
               IsBlockStart(&s, offset) == ExpectedBlockStart(start, s.block_size, carved, offset)) {
          ++offset;
        }
        ASSERT_EQ(offset, kChunkSize) << "class " << cls << " size " << s.block_size << " start " << start
                                      << " carved " << carved;
      }
    }
  }
}

TEST(BlockTest, NothingCarvedRejectsEveryOffset) {
  for (size_t cls = 0; cls < kNumClasses; ++cls) {
    Slab s{};
    InitSlab(&s, kSuperslabHeaderSize, cls);
    SlabSetCarvedLimit(&s, 0);
    for (uint32_t offset = 0; offset < kChunkSize; offset += 16) ASSERT_FALSE(IsBlockStart(&s, offset));
  }
}

TEST(BlockTest, MultiplierIsFloorOfTwoToTheSixtyFourOverSizePlusOne) {
  EXPECT_EQ(BlockTestMultiplier(16), (uint64_t{1} << 60) + 1);
  EXPECT_EQ(BlockTestMultiplier(1 << 18), (uint64_t{1} << 46) + 1);
  EXPECT_EQ(BlockTestMultiplier(48), UINT64_MAX / 48 + 1);  // 2^64 is no multiple of 48
}

class SuperslabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = aligned_alloc(kChunkSize, kChunkSize);
    ASSERT_NE(memory_, nullptr);
    ss_ = static_cast<Superslab*>(memory_);
    SuperslabInit(ss_, nullptr);
  }
  void TearDown() override { free(memory_); }
  void* memory_ = nullptr;
  Superslab* ss_ = nullptr;
};

TEST_F(SuperslabTest, FreeSlabsMapToTheSentinelWhichRejectsEverything) {
  for (uint32_t i = 0; i < kSlabsPerSuperslab; ++i) {
    EXPECT_EQ(ss_->span_of[i], kNoSpanEntry);
    EXPECT_EQ(SpanAtOffset(ss_, i * kSlabSize), &ss_->no_span);
  }
  for (uintptr_t offset = 0; offset < kChunkSize; offset += 16) ASSERT_FALSE(IsBlockStart(&ss_->no_span, offset));
}

TEST_F(SuperslabTest, CarvedSpanAcceptsItsCarvedBlocksOnly) {
  const size_t cls = SizeClass(1024);
  Slab* s = SuperslabCarveSpan(ss_, cls, 2);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s, &ss_->slabs[0]);
  EXPECT_EQ(SpanAtOffset(ss_, kSlabSize + 5), s);
  EXPECT_EQ(SpanAtOffset(ss_, 2 * kSlabSize), &ss_->no_span);
  SlabSetCarved(s, 3);
  const uintptr_t first = s->start_offset;
  EXPECT_FALSE(IsBlockStart(s, first - 1024));  // inside the header
  EXPECT_TRUE(IsBlockStart(s, first));
  EXPECT_FALSE(IsBlockStart(s, first + 16));  // interior
  EXPECT_TRUE(IsBlockStart(s, first + 2 * 1024));
  EXPECT_FALSE(IsBlockStart(s, first + 3 * 1024));  // not carved yet
  SuperslabFreeSpan(ss_, s);
  EXPECT_EQ(SpanAtOffset(ss_, first), &ss_->no_span);
}

// The owner's free fast path reads the Slab of the pointer's own slab
// (OwnSlabAtOffset) where everything else goes through the span map
// (SpanAtOffset): both must give every offset of the chunk the same verdict,
// and an accepted offset the same class.
void ExpectOwnSlabsAgreeWithTheSpanMap(const Superslab* ss) {
  uint32_t accepted = 0;
  for (uintptr_t offset = 0; offset < kChunkSize; ++offset) {
    const Slab* own = OwnSlabAtOffset(ss, offset);
    const Slab* span = SpanAtOffset(ss, offset);
    ASSERT_EQ(own, &ss->slabs[offset >> kSlabShift]);
    const bool own_verdict = IsOwnBlockStart(own, offset);
    ASSERT_EQ(own_verdict, IsBlockStart(span, offset)) << "offset " << offset;
    if (own_verdict) {
      ASSERT_EQ(own->cls, span->cls) << "offset " << offset;
      ++accepted;
    }
  }
  uint32_t carved = 0;
  ForEachSpan(const_cast<Superslab*>(ss), [&carved](Slab* s) {
    carved += Carved(s);
    return false;
  });
  EXPECT_EQ(accepted, carved);
}

TEST_F(SuperslabTest, EverySlabOfASpanGivesTheOwnersFreeTheSpansBlockTestAndClass) {
  ExpectOwnSlabsAgreeWithTheSpanMap(ss_);  // all free: nothing accepted
  // Spans of one, two and four slabs, each with its later slabs partly carved.
  Slab* one = SuperslabCarveSpan(ss_, SizeClass(48), 1);
  Slab* two = SuperslabCarveSpan(ss_, SizeClass(1152), 2);
  Slab* four = SuperslabCarveSpan(ss_, SizeClass(20000), 4);
  ASSERT_TRUE(one != nullptr && two != nullptr && four != nullptr);
  ASSERT_EQ(four->nslabs, 4);
  ExpectOwnSlabsAgreeWithTheSpanMap(ss_);  // nothing carved yet
  SlabSetCarved(one, 100);
  SlabSetCarved(two, two->capacity - 3);
  SlabSetCarved(four, 7);  // reaches the span's third slab
  ExpectOwnSlabsAgreeWithTheSpanMap(ss_);
  SlabSetCarved(four, four->capacity);
  ExpectOwnSlabsAgreeWithTheSpanMap(ss_);
  // Freed slabs reject everything again, and a span carved over them answers
  // for its own class.
  SuperslabFreeSpan(ss_, four);
  ExpectOwnSlabsAgreeWithTheSpanMap(ss_);
  Slab* again = SuperslabCarveSpan(ss_, SizeClass(4608), 3);
  ASSERT_NE(again, nullptr);
  SlabSetCarved(again, again->capacity);
  ExpectOwnSlabsAgreeWithTheSpanMap(ss_);
}

}  // namespace
}  // namespace hakmem
