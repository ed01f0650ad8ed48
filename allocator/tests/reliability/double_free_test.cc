// Double free. Detected at the free itself: a block freed twice in a row by its
// owner thread (tiny, small and medium classes: the block is still the top of
// the thread cache's stack or the head of its list, whichever the first free
// went to; both are checked below with the stack full and not), and any second free of a large object (its header
// is cleared on free: reported as "invalid pointer"). Not detected at the free:
// a double free with other frees of the class in between, or from a thread
// that does not own the block (unless it frees it twice in a row); those
// corrupt a free list, which hak_heap_check() then reports (checked below
// where it can).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "allocator/hakmem.h"
#include "allocator/tests/reliability/diagnostics.h"
#include "allocator/tests/reliability/entry_points.h"
#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"

namespace hakmem_reliability {
namespace {

void ExpectImmediateDoubleFreeDetected(size_t size) {
  SCOPED_TRACE("size " + std::to_string(size));
  void* p = Malloc(size);
  ASSERT_NE(p, nullptr);
  // The first free happens in the death test's child: the parent keeps p live.
  EXPECT_DEATH(
      {
        Free(p);
        Free(Opaque(p));
      },
      LiteralRegex(DoubleFreeLine(kFreeName, p)));
  EXPECT_DEATH(
      {
        Free(p);
        Realloc(Opaque(p), 0);
      },
      LiteralRegex(DoubleFreeLine(kReallocName, p)));
  Free(p);
}

TEST(DoubleFree, ImmediateTiny) {
  for (size_t size : {1, 16, 48, 256, 1024}) ExpectImmediateDoubleFreeDetected(size);
}

TEST(DoubleFree, ImmediateSmall) {
  for (size_t size : {1025, 2048, 4096, 8192}) ExpectImmediateDoubleFreeDetected(size);
}

// Allocates `count` blocks of `size` and frees them: the class's stack then
// holds at least min(count, its capacity) blocks.
void FillStack(size_t size, int count) {
  void* blocks[80];
  for (int i = 0; i < count; ++i) blocks[i] = Malloc(size);
  for (int i = 0; i < count; ++i) Free(blocks[i]);
}

// The first free of `p` finds the class's stack empty, part full, one short
// of full, or full (and goes to the list behind it): stacks hold 4..64 blocks.
TEST(DoubleFree, ImmediateWhateverTheStackHolds) {
  for (size_t size : {48, 1536, 4096}) {
    for (int before = 0; before <= 66; ++before) {
      SCOPED_TRACE("size " + std::to_string(size) + ", " + std::to_string(before) + " frees before");
      void* p = Malloc(size);
      ASSERT_NE(p, nullptr);
      EXPECT_DEATH(
          {
            FillStack(size, before);
            Free(p);
            Free(Opaque(p));
          },
          LiteralRegex(DoubleFreeLine(kFreeName, p)));
      Free(p);
    }
  }
}

TEST(DoubleFree, ImmediateMedium) {
  for (size_t size : {8193, 40000, 100000, 256 * 1024}) ExpectImmediateDoubleFreeDetected(size);
}

// Large objects: the header's magic is cleared on free, so the second free no
// longer finds a large object there and reports an invalid pointer.
void ExpectLargeDoubleFreeDetected(void* p) {
  ASSERT_NE(p, nullptr);
  EXPECT_DEATH(
      {
        Free(p);
        Free(Opaque(p));
      },
      LiteralRegex(InvalidPointerLine(kFreeName, p)));
  EXPECT_DEATH(
      {
        Free(p);
        UsableSize(Opaque(p));
      },
      LiteralRegex(InvalidPointerLine(kUsableSizeName, p)));
  Free(p);
}

TEST(DoubleFree, LargeReportedAsInvalidPointer) {
  ExpectLargeDoubleFreeDetected(Malloc(300 * 1024));  // kept in the large cache when freed
  ExpectLargeDoubleFreeDetected(Malloc(4 << 20));
  ExpectLargeDoubleFreeDetected(Malloc(256 << 20));  // over the cache budget: unmapped when freed
  ExpectLargeDoubleFreeDetected(AlignedAlloc(4 << 20, 1 << 20));
}

// ---- double frees found only by hak_heap_check ------------------------------------

// Writes "heap_check=N" and ends the process without running anything that
// might walk the corrupted lists (exit handlers, thread-exit flushes).
[[noreturn]] void ReportHeapCheckAndExit() {
  char line[64];
  const int n = std::snprintf(line, sizeof line, "heap_check=%zu\n", hak_heap_check());
  (void)!write(STDOUT_FILENO, line, static_cast<size_t>(n));
  _exit(0);
}

// free(a); free(b); free(a): a is neither the top of its stack nor the head of
// its list any more.
int ChildInterleavedDoubleFree() {
  void* a = Malloc(48);
  void* b = Malloc(48);
  Free(a);
  Free(b);
  Free(Opaque(a));
  ReportHeapCheckAndExit();
}

// Another thread frees the block twice: remote frees are pushed unchecked.
int ChildCrossThreadDoubleFree() {
  void* a = Malloc(48);
  void* keep = Malloc(48);  // keeps the span from emptying
  std::thread([a] {
    Free(a);
    Free(Opaque(a));
  }).join();
  (void)keep;
  ReportHeapCheckAndExit();
}

// The same from a thread with a heap of its own, whose frees of other
// threads' blocks wait in a ring before they are pushed (boxes/heap,
// HeapRemoteFree): the second free finds the block there, at the free.
int ChildCrossThreadImmediateDoubleFree() {
  void* a = Malloc(48);
  void* keep = Malloc(48);
  std::thread([a] {
    Free(Malloc(16));  // gives the thread its heap
    Free(a);
    Free(Opaque(a));
    std::printf("after_second_free=1\n");
    std::fflush(stdout);
  }).join();
  Free(keep);
  return 0;
}

TEST(DoubleFree, CrossThreadImmediateIsReportedAtTheFree) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("cross_thread_immediate", {}, 30);
  ASSERT_TRUE(r.KilledBy(SIGABRT)) << r.Describe();
  EXPECT_NE(r.err.find("double free of"), std::string::npos) << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "after_second_free"), "") << "reported only later\n" << r.Describe();
}

void ExpectDetectedAtFreeOrByHeapCheck(const char* mode) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf(mode, {}, 30);
  if (r.KilledBy(SIGABRT)) {
    EXPECT_NE(r.err.find("double free"), std::string::npos) << r.Describe();
    return;
  }
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_NE(hakmem_test::ValueOf(r.out, "heap_check"), "0") << "double free went unnoticed\n" << r.Describe();
  EXPECT_NE(r.err.find("hakmem: heap check:"), std::string::npos) << r.Describe();
}

TEST(DoubleFree, InterleavedIsFoundByHeapCheck) { ExpectDetectedAtFreeOrByHeapCheck("interleaved"); }

TEST(DoubleFree, CrossThreadIsFoundByHeapCheck) { ExpectDetectedAtFreeOrByHeapCheck("cross_thread"); }

// ---- HAKMEM_ON_CORRUPTION=warn ----------------------------------------------------

int ChildWarnDoubleFree() {
  char* tiny = static_cast<char*>(Malloc(32));
  char* large = static_cast<char*>(Malloc(1 << 20));
  if (tiny == nullptr || large == nullptr) return 2;
  Free(tiny);
  Free(Opaque(tiny));  // reported and left alone: the block is in the bin once
  std::printf("expect=%s\n", DoubleFreeLine(kFreeName, tiny).c_str());
  Free(large);
  Free(Opaque(large));
  std::printf("expect=%s\n", InvalidPointerLine(kFreeName, large).c_str());
  // Two mallocs of the class must not both return the block freed twice.
  void* first = Malloc(32);
  void* second = Malloc(32);
  if (first == second) return 3;
  Free(first);
  Free(second);
  std::printf("heap_check=%zu\n", hak_heap_check());
  return 0;
}

TEST(DoubleFree, WarnModeReportsAndKeepsTheHeapConsistent) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("warn", {"HAKMEM_ON_CORRUPTION=warn"});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "heap_check"), "0") << r.Describe();
  std::vector<std::string> expected;
  for (const std::string& line : hakmem_test::Lines(r.out)) {
    if (line.rfind("expect=", 0) == 0) expected.push_back(line.substr(7) + kWarnSuffix);
  }
  ASSERT_EQ(expected.size(), 2u) << r.Describe();
  EXPECT_EQ(hakmem_test::Lines(r.err), expected) << r.Describe();
}

}  // namespace
}  // namespace hakmem_reliability

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv,
                                   {
                                       {"interleaved", hakmem_reliability::ChildInterleavedDoubleFree},
                                       {"cross_thread", hakmem_reliability::ChildCrossThreadDoubleFree},
                                       {"cross_thread_immediate",
                                        hakmem_reliability::ChildCrossThreadImmediateDoubleFree},
                                       {"warn", hakmem_reliability::ChildWarnDoubleFree},
                                   });
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
