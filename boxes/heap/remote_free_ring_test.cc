// A thread's frees of other threads' small blocks wait in a ring of
// Heap::kRemoteDelay entries before they are pushed to the owners (heap.cc,
// HeapRemoteFree): each block reaches its owner at most kRemoteDelay remote
// frees later, or when the freeing thread trims or exits.
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "boxes/heap/heap.h"
#include "gtest/gtest.h"

namespace {

constexpr size_t kSize = 64;

size_t InUseBytes() {
  hak_heap_info info;
  hak_heap_info_get(&info);
  return info.in_use_bytes;
}

// What the calling thread (the owner) sees once it has collected its remote
// frees: the bytes still out of its spans above `base`.
size_t OutAfterOwnerTrim(size_t base) {
  hak_trim(0);
  return InUseBytes() - base;
}

// Runs `frees` on a thread with a heap of its own (a thread that never
// allocated pushes at once), then `then`, and keeps the thread alive until
// the caller has looked (`Finish`).
class FreeingThread {
 public:
  template <typename Frees, typename Then>
  FreeingThread(Frees frees, Then then)
      : thread_([this, frees, then] {
          hak_free(hak_malloc(kSize));
          frees();
          then();
          stage_.store(1);
          while (stage_.load() != 2) std::this_thread::yield();
        }) {
    while (stage_.load() != 1) std::this_thread::yield();
  }
  void Finish() {
    stage_.store(2);
    thread_.join();
  }

 private:
  std::atomic<int> stage_{0};
  std::thread thread_;
};

std::vector<void*> Allocate(size_t n) {
  std::vector<void*> blocks;
  for (size_t i = 0; i < n; ++i) blocks.push_back(hak_malloc(kSize));
  return blocks;
}

TEST(RemoteFreeRing, ABlockReachesItsOwnerAtMostKRemoteFreesLater) {
  constexpr size_t kDelay = hakmem::Heap::kRemoteDelay;
  hak_trim(0);
  const size_t base = InUseBytes();
  std::vector<void*> blocks = Allocate(kDelay + 1);
  ASSERT_EQ(OutAfterOwnerTrim(base), (kDelay + 1) * kSize);
  // The first block is pushed by the free of the last: the ring holds kDelay.
  FreeingThread freeing([&] { for (void* p : blocks) hak_free(p); }, [] {});
  EXPECT_EQ(OutAfterOwnerTrim(base), kDelay * kSize);
  freeing.Finish();  // thread exit empties the ring
  EXPECT_EQ(OutAfterOwnerTrim(base), 0u);
  EXPECT_EQ(hak_heap_check(), 0u);
}

TEST(RemoteFreeRing, TheFreeingThreadsTrimEmptiesIt) {
  hak_trim(0);
  const size_t base = InUseBytes();
  std::vector<void*> blocks = Allocate(3);
  FreeingThread freeing([&] { for (void* p : blocks) hak_free(p); }, [] { hak_trim(0); });
  EXPECT_EQ(OutAfterOwnerTrim(base), 0u);
  freeing.Finish();
  EXPECT_EQ(hak_heap_check(), 0u);
}

TEST(RemoteFreeRing, MediumBlocksArePushedAtOnce) {
  hak_trim(0);
  const size_t base = InUseBytes();
  void* medium = hak_malloc(100000);
  ASSERT_NE(medium, nullptr);
  FreeingThread freeing([&] { hak_free(medium); }, [] {});
  EXPECT_EQ(OutAfterOwnerTrim(base), 0u);
  freeing.Finish();
}

}  // namespace
