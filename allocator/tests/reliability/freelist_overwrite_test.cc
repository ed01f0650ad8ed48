// A freed block on a free list has its link in its first word. A
// use-after-free that overwrites it with an address of the program's choosing
// must not make malloc hand that address out or crash inside malloc: the next
// pop reports
//   hakmem: malloc(): free list corrupted (a freed block was written to) at 0x...
// and aborts. Links are stored XOR-ed with the process's link key (bit 3 set)
// and a pop checks that the decoded link is 16-byte aligned. Checked for a block
// in the first page of a slab ((address >> 12) % 16 == 0) and for one further
// in, both on a thread cache's list (behind its full stack), and for a block
// another thread freed, still on its span's remote list when it is
// overwritten: the owner's collection walks that list. A block in the stack in
// front of the list holds no link: writing into it changes nothing malloc
// reads, which the last test checks.
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "allocator/tests/reliability/entry_points.h"
#include "boxes/thread_cache/thread_cache.h"
#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"

namespace hakmem_reliability {
namespace {

constexpr size_t kBlockSize = 48;
constexpr int kStackFillers = 64;  // a stack's most slots (FrontCapacityForSize)
alignas(64) char g_target[256];

bool InFirstPageOfSlab(const void* p) { return ((reinterpret_cast<uintptr_t>(p) >> 12) & 15) == 0; }

// POSITION=first_page|further_in picks the block whose link is overwritten.
int ChildOverwriteThenAllocate() {
  const char* position = std::getenv("POSITION");
  const bool want_first_page = position != nullptr && std::strcmp(position, "first_page") == 0;
  // Enough blocks to span several 64 KiB slabs; all stay live but two.
  std::vector<void*> blocks;
  blocks.reserve(8000);
  void* victim = nullptr;
  for (int i = 0; i < 8000 && victim == nullptr; ++i) {
    void* b = Malloc(kBlockSize);
    if (b == nullptr) return 2;
    blocks.push_back(b);
    if (i > 0 && InFirstPageOfSlab(b) == want_first_page) victim = b;
  }
  if (victim == nullptr) return 3;
  // Freed first, these fill the class's stack (at most 64 slots), so that
  // `other` and `victim` go to the list behind it.
  std::vector<void*> fillers;
  for (int i = 0; i < kStackFillers; ++i) {
    fillers.push_back(Malloc(kBlockSize));
    if (fillers.back() == nullptr) return 2;
  }
  for (void* f : fillers) Free(f);
  void* other = blocks[0];
  Free(other);
  Free(victim);  // the list is now victim -> other
  void* forged = g_target + 16;
  std::memcpy(victim, &forged, sizeof forged);  // the use-after-free
  std::printf("victim=%p\n", victim);
  std::fflush(stdout);
  // The stack's blocks come first, then the list's: victim, then its link.
  bool forged_handed_out = false;
  for (int i = 0; i < kStackFillers + 2; ++i) forged_handed_out |= Malloc(kBlockSize) == forged;
  std::printf("second_is_forged=%d\n", forged_handed_out);
  return 0;
}

// Two blocks freed into the (empty) stack; the program then writes into the
// last one: malloc hands out the two blocks, in reverse order, and nothing else.
int ChildOverwriteStacked() {
  void* other = Malloc(kBlockSize);
  void* victim = Malloc(kBlockSize);
  if (other == nullptr || victim == nullptr) return 2;
  Free(other);
  Free(victim);
  void* forged = g_target + 16;
  std::memcpy(victim, &forged, sizeof forged);  // the use-after-free
  void* first = Malloc(kBlockSize);
  void* second = Malloc(kBlockSize);
  void* third = Malloc(kBlockSize);
  std::printf("first_is_victim=%d\nsecond_is_other=%d\nthird_is_forged=%d\n", first == victim, second == other,
              third == forged);
  Free(first);
  Free(second);
  Free(third);
  return hak_trim(0) >= 0 ? 0 : 4;  // returns every cached block to its span
}

// Another thread frees two blocks (the span's remote list is then
// second -> first); the owner overwrites the link of the second, then collects.
int ChildOverwriteRemotelyFreed() {
  void* first = Malloc(kBlockSize);
  void* second = Malloc(kBlockSize);
  void* keep = Malloc(kBlockSize);  // keeps the span from emptying
  if (first == nullptr || second == nullptr || keep == nullptr) return 2;
  std::thread([first, second] {
    Free(first);
    Free(second);
  }).join();
  void* forged = g_target + 16;
  std::memcpy(second, &forged, sizeof forged);  // the use-after-free
  std::printf("victim=%p\n", second);
  std::fflush(stdout);
  hak_trim(0);  // collects the remote frees, as a refill would
  bool forged_handed_out = false;
  for (int i = 0; i < 256; ++i) forged_handed_out |= Malloc(kBlockSize) == forged;
  std::printf("second_is_forged=%d\n", forged_handed_out);
  return 0;
}

void ExpectOverwriteCaught(const char* position) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("overwrite", {std::string("POSITION=") + position}, 30);
  ASSERT_FALSE(r.ExitedWith(2) || r.ExitedWith(3)) << "test setup failed\n" << r.Describe();
  EXPECT_TRUE(r.KilledBy(SIGABRT)) << "the overwritten link was not caught\n" << r.Describe();
  const std::string victim = hakmem_test::ValueOf(r.out, "victim");
  EXPECT_NE(r.err.find("hakmem: malloc(): free list corrupted"), std::string::npos) << r.Describe();
  EXPECT_NE(hakmem_test::ValueOf(r.out, "second_is_forged"), "1") << "malloc returned the forged address\n"
                                                                  << r.Describe();
}

TEST(FreeListOverwrite, CaughtForABlockFurtherIntoItsSlab) { ExpectOverwriteCaught("further_in"); }

TEST(FreeListOverwrite, CaughtForABlockInTheFirstPageOfASlab) { ExpectOverwriteCaught("first_page"); }

// Memory-lean builds (BALANCED) have no stacks: the two blocks go to the list,
// and the write is caught like the others.
TEST(FreeListOverwrite, AWriteIntoAStackedBlockChangesNothingMallocHandsOut) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("stacked", {}, 30);
  if (!hakmem::kFrontStacks) {
    EXPECT_TRUE(r.KilledBy(SIGABRT)) << r.Describe();
    EXPECT_NE(r.err.find("hakmem: malloc(): free list corrupted"), std::string::npos) << r.Describe();
    EXPECT_NE(hakmem_test::ValueOf(r.out, "third_is_forged"), "1") << r.Describe();
    return;
  }
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "first_is_victim"), "1") << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "second_is_other"), "1") << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "third_is_forged"), "0") << r.Describe();
  EXPECT_EQ(r.err.find("hakmem:"), std::string::npos) << r.Describe();
}

TEST(FreeListOverwrite, CaughtForABlockOnARemoteList) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("remote", {}, 30);
  ASSERT_FALSE(r.ExitedWith(2)) << "test setup failed\n" << r.Describe();
  EXPECT_TRUE(r.KilledBy(SIGABRT)) << "the overwritten remote link was not caught\n" << r.Describe();
  EXPECT_NE(r.err.find("free list corrupted (a freed block was written to) at " +
                       hakmem_test::ValueOf(r.out, "victim")),
            std::string::npos)
      << r.Describe();
  EXPECT_NE(hakmem_test::ValueOf(r.out, "second_is_forged"), "1") << "malloc returned the forged address\n"
                                                                  << r.Describe();
}

}  // namespace
}  // namespace hakmem_reliability

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv,
                                   {{"overwrite", hakmem_reliability::ChildOverwriteThenAllocate},
                                    {"remote", hakmem_reliability::ChildOverwriteRemotelyFreed},
                                    {"stacked", hakmem_reliability::ChildOverwriteStacked}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
