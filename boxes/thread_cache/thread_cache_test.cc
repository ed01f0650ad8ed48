#include "boxes/thread_cache/thread_cache.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace hakmem {
namespace {

// Distinct, 16-byte aligned stand-ins for blocks: the stacks only store them.
void* Block(uintptr_t i) { return reinterpret_cast<void*>((i + 1) * 16); }

struct CacheWithSlots {
  ThreadCache cache;
  void* slots[kFrontSlots > 0 ? kFrontSlots : 1];
};

std::unique_ptr<CacheWithSlots> NewCacheWithSlots() {
  auto c = std::make_unique<CacheWithSlots>();
  FrontInit(&c->cache, c->slots);
  return c;
}

// Memory-lean builds have no stacks: every class pops nothing and pushes
// nowhere, so every block goes to the lists.
TEST(FrontStack, MemoryLeanBuildsHaveNone) {
  if (kFrontStacks) return;  // checked by the tests below instead
  auto owner = NewCacheWithSlots();
  ThreadCache* tc = &owner->cache;
  EXPECT_EQ(kFrontSlots, 0u);
  for (size_t cls = 0; cls < kNumClasses; ++cls) {
    EXPECT_EQ(FrontCapacity(cls), 0u);
    EXPECT_FALSE(FrontPush(tc, cls, Block(cls)));
    EXPECT_EQ(FrontPop(tc, cls), nullptr);
  }
}

TEST(FrontStack, EverySmallRequestClassHasAStackAndNoOtherClassDoes) {
  if (!kFrontStacks) return;  // MemoryLeanBuildsHaveNone
  for (size_t size = 1; size <= kLookupMaxSize; ++size) {
    const size_t cls = SmallSizeClass(size);
    EXPECT_GE(FrontCapacity(cls), 4u) << "size " << size;
    EXPECT_LE(FrontCapacity(cls), 64u) << "size " << size;
  }
  for (size_t cls = 0; cls < kNumClasses; ++cls) {
    if (ClassSize(cls) > kLookupMaxSize) {
      EXPECT_EQ(FrontCapacity(cls), 0u) << "class " << cls;
    }
  }
}

TEST(FrontStack, StacksDoNotOverlap) {
  auto owner = NewCacheWithSlots();
  ThreadCache* tc = &owner->cache;
  std::vector<int> slot_class(kFrontSlots, -1);
  for (size_t cls = 0; cls < kNumClasses; ++cls) {
    if (FrontCapacity(cls) == 0) continue;
    // The nullptr slot and every slot a full stack uses.
    for (void** slot = tc->front_tops[cls]; slot <= tc->front_ends[cls]; ++slot) {
      const ptrdiff_t i = slot - tc->front_slots;
      ASSERT_GE(i, 0);
      ASSERT_LT(static_cast<size_t>(i), kFrontSlots);
      EXPECT_EQ(slot_class[i], -1) << "slot " << i << " of class " << cls << " also belongs to " << slot_class[i];
      slot_class[i] = static_cast<int>(cls);
    }
  }
}

TEST(FrontStack, PopsInReverseOrderAndRefusesPushesWhenFull) {
  if (!kFrontStacks) return;  // MemoryLeanBuildsHaveNone
  auto owner = NewCacheWithSlots();
  ThreadCache* tc = &owner->cache;
  const size_t cls = SmallSizeClass(48);
  const uint32_t capacity = FrontCapacity(cls);
  EXPECT_EQ(FrontPop(tc, cls), nullptr);
  for (uint32_t i = 0; i < capacity; ++i) {
    ASSERT_TRUE(FrontPush(tc, cls, Block(i)));
    EXPECT_EQ(FrontPeek(tc, cls), Block(i));
  }
  EXPECT_EQ(FrontCount(tc, cls), capacity);
  EXPECT_FALSE(FrontPush(tc, cls, Block(capacity)));
  EXPECT_EQ(FrontCount(tc, cls), capacity);
  for (uint32_t i = capacity; i-- > 0;) EXPECT_EQ(FrontPop(tc, cls), Block(i));
  EXPECT_EQ(FrontPop(tc, cls), nullptr);
  EXPECT_EQ(FrontPop(tc, cls), nullptr);  // the nullptr slot stays put
  EXPECT_EQ(FrontCount(tc, cls), 0u);
  EXPECT_TRUE(FrontPush(tc, cls, Block(7)));
  EXPECT_EQ(FrontPop(tc, cls), Block(7));
}

TEST(FrontStack, ClassesKeepTheirOwnBlocks) {
  if (!kFrontStacks) return;  // MemoryLeanBuildsHaveNone
  auto owner = NewCacheWithSlots();
  ThreadCache* tc = &owner->cache;
  const size_t a = SmallSizeClass(16), b = SmallSizeClass(1024);
  ASSERT_NE(a, b);
  for (uint32_t i = 0; i < FrontCapacity(a); ++i) ASSERT_TRUE(FrontPush(tc, a, Block(i)));
  for (uint32_t i = 0; i < FrontCapacity(b); ++i) ASSERT_TRUE(FrontPush(tc, b, Block(1000 + i)));
  for (uint32_t i = FrontCapacity(a); i-- > 0;) ASSERT_EQ(FrontPop(tc, a), Block(i));
  for (uint32_t i = FrontCapacity(b); i-- > 0;) ASSERT_EQ(FrontPop(tc, b), Block(1000 + i));
}

// The empty heap's cache (constant-initialised, no FrontInit) has no stack:
// pops find nothing and pushes find a full stack, for every class.
TEST(FrontStack, TheConstantCacheHasNoStacks) {
  static constinit ThreadCache empty;
  for (size_t cls = 0; cls < kNumClasses; ++cls) {
    EXPECT_EQ(FrontPop(&empty, cls), nullptr);
    EXPECT_FALSE(FrontPush(&empty, cls, Block(cls)));
    EXPECT_EQ(FrontCount(&empty, cls), 0u);
  }
  EXPECT_EQ(g_front_none, nullptr);
}

// The stack takes its share of the bin's budget from the list, so a bin still
// holds about 32 KiB (the list keeps at least 2 blocks).
TEST(FrontStack, StackAndListStayWithinTheBinBudget) {
  for (size_t cls = 0; cls < kNumClasses; ++cls) {
    const uint32_t bin = BinLimitForSize(ClassSize(cls));
    EXPECT_GE(ListLimitForClass(cls), 2u);
    EXPECT_LE(ListLimitForClass(cls) + FrontCapacity(cls), bin < FrontCapacity(cls) + 2 ? FrontCapacity(cls) + 2 : bin)
        << "class " << cls;
  }
}

}  // namespace
}  // namespace hakmem
