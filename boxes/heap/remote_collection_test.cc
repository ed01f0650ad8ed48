// Blocks other threads free come back to their owner: the owner's collection
// takes the remote list of every span with pending frees, walks each to its
// end and splices it whole onto the span's free list; refills then take a
// part of that list at a time (heap.cc: TakeRemote, TakeFromSpan).
#include <cstddef>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "gtest/gtest.h"

namespace {

size_t InUseBytes() {
  hak_heap_info info;
  hak_heap_info_get(&info);
  return info.in_use_bytes;
}

// Blocks of `classes` size classes, a different number of each (so that the
// remote lists differ in length), from the calling thread's heap.
std::vector<void*> AllocateAcrossClasses(size_t classes) {
  std::vector<void*> blocks;
  for (size_t c = 0; c < classes; ++c) {
    const size_t size = 16 + 32 * c;
    for (size_t i = 0; i < 3 + 7 * c; ++i) {
      void* p = hak_malloc(size);
      EXPECT_NE(p, nullptr);
      blocks.push_back(p);
    }
  }
  return blocks;
}

TEST(RemoteCollection, EveryListOfEverySpanComesBackWhole) {
  ASSERT_EQ(hak_heap_check(), 0u);
  hak_trim(0);
  const size_t before = InUseBytes();
  std::vector<void*> blocks = AllocateAcrossClasses(32);
  const size_t bytes = InUseBytes() - before;
  ASSERT_GT(bytes, 32u * 16);
  std::thread([&blocks] {
    for (void* p : blocks) hak_free(p);
  }).join();
  // Collects the remote frees of every span (and releases the empty ones).
  hak_trim(0);
  EXPECT_EQ(hak_heap_check(), 0u);
  EXPECT_EQ(InUseBytes(), before) << bytes << " bytes were out before the remote frees";
}

TEST(RemoteCollection, CollectedBlocksAreHandedOutAgainOnce) {
  // More blocks of one class than a refill takes, freed by another thread in
  // reverse order; `keep` holds the span, so the trim collects them onto its
  // free list instead of releasing it. Refills then hand out those blocks, a
  // part of the list at a time, each block once.
  constexpr size_t kSize = 16;
  constexpr size_t kCount = 600;
  void* keep = hak_malloc(kSize);
  std::vector<void*> blocks;
  for (size_t i = 0; i < kCount; ++i) blocks.push_back(hak_malloc(kSize));
  std::thread([&blocks] {
    for (size_t i = blocks.size(); i-- > 0;) hak_free(blocks[i]);
  }).join();
  hak_trim(0);
  ASSERT_EQ(hak_heap_check(), 0u);
  const std::set<void*> freed(blocks.begin(), blocks.end());
  std::set<void*> again;
  for (size_t i = 0; i < kCount; ++i) {
    void* p = hak_malloc(kSize);
    EXPECT_TRUE(again.insert(p).second) << p << " handed out twice";
    EXPECT_EQ(freed.count(p), 1u) << p << " is no collected block";
  }
  EXPECT_EQ(hak_heap_check(), 0u);
  for (void* p : again) hak_free(p);
  hak_free(keep);
}

TEST(RemoteCollection, RefillsTakeRemoteFreesBeforeCuttingFreshBlocks) {
  // A span with room left at its never-used tail, whose handed-out blocks
  // another thread frees. The owner's next allocations must get those blocks
  // back, not blocks cut from the tail: cutting while freed blocks wait on the
  // remote list touches new pages, and over a long run the resident set would
  // creep up (docs/soak/NOTES.md, "Two threads").
  constexpr size_t kSize = 720;  // a class no other test here uses
  constexpr size_t kCount = 30;  // well below a span's blocks of this class
  void* keep = hak_malloc(kSize);
  std::vector<void*> blocks;
  for (size_t i = 0; i < kCount; ++i) blocks.push_back(hak_malloc(kSize));
  std::thread([&blocks] {
    for (void* p : blocks) hak_free(p);
  }).join();
  const std::set<void*> freed(blocks.begin(), blocks.end());
  std::vector<void*> again;
  size_t reused = 0;
  for (size_t i = 0; i < kCount; ++i) {
    again.push_back(hak_malloc(kSize));
    reused += freed.count(again.back());
  }
  // A few fresh blocks may still sit in the thread's cache from the first
  // round (a refill cuts a page's worth, 5 of this size, at a time).
  EXPECT_GE(reused, kCount - 5) << "allocations cut fresh blocks while freed ones waited";
  EXPECT_EQ(hak_heap_check(), 0u);
  for (void* p : again) hak_free(p);
  hak_free(keep);
}

}  // namespace
