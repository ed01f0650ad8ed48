// The chunk map on its own: which addresses it answers for, its leaves (made
// on the first bit of their TiB, shared by every later one), threads making
// the same leaf at once, and its size, which is what mlockall locks.
#include <cstdint>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include "boxes/superslab/superslab.h"
#include "gtest/gtest.h"

namespace hakmem {
namespace {

constexpr uintptr_t kLeafSpan = uintptr_t{1} << (kChunkShift + ChunkMap::kLeafShift);  // 1 TiB

// Each test gets a map of its own (1 KiB and a 64 KiB leaf), static as the
// allocator's are (their leaves are never freed).
ChunkMap& NewMap() {
  constexpr size_t kMaps = 32;
  static ChunkMap::Leaf own_leaves[kMaps];
  alignas(ChunkMap) static unsigned char storage[kMaps][sizeof(ChunkMap)];
  static size_t used = 0;
  if (used == kMaps) std::abort();  // more maps than tests asked for: make the arrays longer
  const size_t i = used++;
  return *new (storage[i]) ChunkMap(own_leaves[i]);
}

TEST(ChunkMapTest, ASetChunkAnswersForEveryAddressInItAndNoOther) {
  ChunkMap& map = NewMap();
  const uintptr_t chunk = (uintptr_t{3} << 40) + 5 * kChunkSize;
  ASSERT_TRUE(map.Set(chunk));
  for (const uintptr_t offset : {uintptr_t{0}, uintptr_t{1}, kChunkSize / 2, kChunkSize - 1}) {
    EXPECT_TRUE(map.Test(chunk + offset)) << offset;
  }
  EXPECT_FALSE(map.Test(chunk - 1));
  EXPECT_FALSE(map.Test(chunk + kChunkSize));
  EXPECT_FALSE(map.Test(chunk + kLeafSpan)) << "the same chunk of the next TiB";
  map.Clear(chunk);
  EXPECT_FALSE(map.Test(chunk));
}

TEST(ChunkMapTest, NullAndAddressesBeyondFortySevenBitsAreNeverInIt) {
  ChunkMap& map = NewMap();
  ASSERT_TRUE(map.Set(0));  // chunk 0's bit: nullptr still fails the bound test
  EXPECT_FALSE(map.Test(0));
  EXPECT_TRUE(map.Test(1));
  const uintptr_t top = uintptr_t{1} << kAddressBits;
  ASSERT_TRUE(map.Set(top - kChunkSize));
  EXPECT_TRUE(map.Test(top - 1));
  EXPECT_FALSE(map.Test(top)) << "the spare entry: no leaf";
  EXPECT_FALSE(map.Test(~uintptr_t{0}));
  EXPECT_FALSE(map.Test(uintptr_t{1} << 63));
}

TEST(ChunkMapTest, ALeafIsMadeOncePerTebibyte) {
  ChunkMap& map = NewMap();
  EXPECT_EQ(map.LeafCount(), 0u);
  const uintptr_t base = uintptr_t{2} << 40;
  ASSERT_TRUE(map.Set(base));
  ASSERT_TRUE(map.Set(base + kLeafSpan - kChunkSize));
  EXPECT_EQ(map.LeafCount(), 1u);
  ASSERT_TRUE(map.Set(base + kLeafSpan));
  EXPECT_EQ(map.LeafCount(), 2u);
  // Beyond the map's own leaf the leaves are mapped: a dozen ranges all work.
  for (uintptr_t i = 2; i < 14; ++i) ASSERT_TRUE(map.Set(base + i * kLeafSpan)) << i;
  EXPECT_EQ(map.LeafCount(), 14u);
  for (uintptr_t i = 0; i < 14; ++i) {
    EXPECT_TRUE(map.Test(base + i * kLeafSpan)) << i;
    EXPECT_FALSE(map.Test(base + i * kLeafSpan + kChunkSize)) << i;
  }
}

// Threads setting bits of a new leaf together: one leaf, every bit set.
TEST(ChunkMapTest, ThreadsMakingTheSameLeafAtOnceAgreeOnOne) {
  for (int round = 0; round < 20; ++round) {
    ChunkMap& map = NewMap();
    const uintptr_t base = (uintptr_t{5} << 40) + static_cast<uintptr_t>(round) * kLeafSpan;
    constexpr int kThreads = 4;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&map, base, t] {
        for (uintptr_t i = 0; i < 64; ++i) EXPECT_TRUE(map.Set(base + (i * kThreads + t) * kChunkSize));
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(map.LeafCount(), 1u);
    for (uintptr_t i = 0; i < 64 * kThreads; ++i) EXPECT_TRUE(map.Test(base + i * kChunkSize)) << i;
  }
}

// The flat bitmap this replaced was 8 MiB of bss per map, all of which
// mlockall faults in: now the pointers and one leaf.
TEST(ChunkMapTest, AMapIsSmall) {
  EXPECT_LE(sizeof(ChunkMap), size_t{1} << 11) << "the part among the small globals";
  EXPECT_LE(sizeof(ChunkMap) + sizeof(ChunkMap::Leaf), size_t{68} << 10);
}

// A map whose bits lie in one TiB maps no leaf: the first is its own storage.
TEST(ChunkMapTest, TheFirstLeafIsTheMapsOwn) {
  ChunkMap& map = NewMap();
  const uintptr_t base = uintptr_t{5} << 40;
  ASSERT_TRUE(map.Set(base));
  EXPECT_TRUE(map.HoldsInOwnLeaf(base));
  EXPECT_TRUE(map.HoldsInOwnLeaf(base + kLeafSpan - 1));
  ASSERT_TRUE(map.Set(base - kLeafSpan));
  EXPECT_FALSE(map.HoldsInOwnLeaf(base - kLeafSpan)) << "the second leaf is mapped";
  EXPECT_EQ(map.LeafCount(), 2u);
}

}  // namespace
}  // namespace hakmem
