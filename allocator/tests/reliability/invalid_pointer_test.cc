// free, realloc and malloc_usable_size of pointers hakmem did not hand out:
// each is recognised (chunk map, superslab header, span map, block start,
// large-object header), named in one line on stderr, and then aborts, or, with
// HAKMEM_ON_CORRUPTION=warn, is left alone while the heap stays intact.
#include <signal.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "allocator/hakmem.h"
#include "allocator/tests/reliability/diagnostics.h"
#include "allocator/tests/reliability/entry_points.h"
#include "boxes/superslab/superslab.h"
#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"

namespace hakmem_reliability {
namespace {

char g_global_buffer[256];

// Large enough to be a large object in every profile (above 256 KiB).
constexpr size_t kLargeSize = 1 << 20;

// free, realloc (growing and to 0) and usable_size of `p` each die naming the
// call and `p`.
void ExpectEveryCallRejects(void* p) {
  EXPECT_DEATH(Free(Opaque(p)), LiteralRegex(InvalidPointerLine(kFreeName, p)));
  EXPECT_DEATH(Realloc(Opaque(p), 100), LiteralRegex(InvalidPointerLine(kReallocName, p)));
  EXPECT_DEATH(Realloc(Opaque(p), 0), LiteralRegex(InvalidPointerLine(kReallocName, p)));
  EXPECT_DEATH(UsableSize(Opaque(p)), LiteralRegex(InvalidPointerLine(kUsableSizeName, p)));
}

TEST(InvalidPointer, StackAddress) {
  char local[64];
  std::memset(local, 1, sizeof local);
  ExpectEveryCallRejects(local);
  ExpectEveryCallRejects(local + 16);
}

TEST(InvalidPointer, GlobalAddress) { ExpectEveryCallRejects(g_global_buffer + 16); }

TEST(InvalidPointer, AnotherAllocatorsBlock) {
  void* small = ForeignMalloc(48);
  void* large = ForeignMalloc(kLargeSize);  // glibc mmaps this one
  ASSERT_NE(small, nullptr);
  ASSERT_NE(large, nullptr);
  ExpectEveryCallRejects(small);
  ExpectEveryCallRejects(large);
  ForeignFree(small);
  ForeignFree(large);
}

TEST(InvalidPointer, ForeignMapping) {
  // 2 MiB aligned, like a superslab, so only the chunk map tells it apart.
  const size_t size = 4 * hakmem::kChunkSize;
  char* raw = static_cast<char*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(raw, MAP_FAILED);
  char* aligned = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(raw) + hakmem::kChunkMask) & ~hakmem::kChunkMask);
  ExpectEveryCallRejects(aligned);
  ExpectEveryCallRejects(aligned + hakmem::kSuperslabHeaderSize);
  munmap(raw, size);
}

TEST(InvalidPointer, InteriorAndMisalignedSmall) {
  for (size_t size : {16, 64, 1000, 5000, 100000}) {
    SCOPED_TRACE("size " + std::to_string(size));
    char* p = static_cast<char*>(Malloc(size));
    ASSERT_NE(p, nullptr);
    ExpectEveryCallRejects(p + 1);
    ExpectEveryCallRejects(p + 8);
    if (size > 16) ExpectEveryCallRejects(p + 16);
    ExpectEveryCallRejects(p + size - 1);
    Free(p);
  }
}

TEST(InvalidPointer, InteriorInALaterSlabOfAMediumSpan) {
  // A span of several slabs: the owner's free reads the Slab of the pointer's
  // own slab, for the later slabs a replica of the span's head
  // (boxes/superslab), which must reject interiors as the head does.
  std::vector<char*> blocks;
  char* later = nullptr;
  while (later == nullptr && blocks.size() < 64) {
    char* p = static_cast<char*>(Malloc(20000));
    ASSERT_NE(p, nullptr);
    blocks.push_back(p);
    const uintptr_t offset = reinterpret_cast<uintptr_t>(p) & hakmem::kChunkMask;
    const hakmem::Slab* s = hakmem::SpanAtOffset(hakmem::SuperslabOf(p), offset);
    if ((offset >> hakmem::kSlabShift) != s->first) later = p;
  }
  ASSERT_NE(later, nullptr) << "no block of 20,000 B in a span's later slab";
  ExpectEveryCallRejects(later + 16);
  ExpectEveryCallRejects(later + 4096);
  ExpectEveryCallRejects(later + 19984);
  for (char* p : blocks) Free(p);
}

TEST(InvalidPointer, InteriorLarge) {
  char* p = static_cast<char*>(Malloc(4 * kLargeSize));
  ASSERT_NE(p, nullptr);
  ExpectEveryCallRejects(p + 1);
  ExpectEveryCallRejects(p + 16);
  ExpectEveryCallRejects(p + 4096);
  ExpectEveryCallRejects(p + 3 * kLargeSize);  // a chunk the chunk map does not mark
  // The mapping's first page holds the large-object header.
  ExpectEveryCallRejects(p - 4096);
  ExpectEveryCallRejects(p - 64);
  Free(p);
}

TEST(InvalidPointer, InteriorHugeAligned) {
  // Alignment above 1 MiB: the object starts a chunk, its header sits below.
  char* p = static_cast<char*>(AlignedAlloc(4 << 20, 4 << 20));
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % (4 << 20), 0u);
  ExpectEveryCallRejects(p + 16);
  ExpectEveryCallRejects(p + 4096);
  ExpectEveryCallRejects(p - 4096);
  Free(p);
}

TEST(InvalidPointer, SuperslabHeader) {
  void* p = Malloc(32);
  ASSERT_NE(p, nullptr);
  char* header = reinterpret_cast<char*>(hakmem::SuperslabOf(p));
  ExpectEveryCallRejects(header);
  ExpectEveryCallRejects(header + 64);
  ExpectEveryCallRejects(header + hakmem::kSuperslabHeaderSize - 16);
  Free(p);
}

TEST(InvalidPointer, BlockBoundaryNeverCarved) {
  // A rarely used class: a refill carves a few blocks, the span's last block
  // boundary stays uncut.
  void* p = Malloc(3000);
  ASSERT_NE(p, nullptr);
  const hakmem::Superslab* ss = hakmem::SuperslabOf(p);
  const uintptr_t offset = reinterpret_cast<uintptr_t>(p) & hakmem::kChunkMask;
  const hakmem::Slab* s = hakmem::SpanAtOffset(ss, offset);
  if (hakmem::Carved(s) >= s->capacity) GTEST_SKIP() << "span fully carved already";
  void* last = reinterpret_cast<void*>(hakmem::SpanStart(s) + static_cast<uintptr_t>(s->capacity - 1) * s->block_size);
  ExpectEveryCallRejects(last);
  Free(p);
}

TEST(InvalidPointer, BlockOfReleasedSpan) {
  // `keep` holds the superslab; the medium span beside it is emptied and
  // released by the trim, so `gone` now points into slabs of no span (or, if
  // the span landed in another superslab, into unmapped memory).
  void* keep = Malloc(32);
  void* gone = Malloc(40000);
  ASSERT_NE(keep, nullptr);
  ASSERT_NE(gone, nullptr);
  Free(gone);
  hak_trim(0);
  ExpectEveryCallRejects(gone);
  Free(keep);
}

TEST(InvalidPointer, BeyondTheAddressSpace) {
  ExpectEveryCallRejects(reinterpret_cast<void*>(uintptr_t{1} << 47));
  ExpectEveryCallRejects(reinterpret_cast<void*>((uintptr_t{1} << 47) + hakmem::kSuperslabHeaderSize + 64));
  ExpectEveryCallRejects(reinterpret_cast<void*>(uintptr_t{0xffff800000001000}));
  ExpectEveryCallRejects(reinterpret_cast<void*>(uintptr_t{16}));
}

TEST(InvalidPointer, HeapStillWorksInTheParent) {
  // The death tests above ran in children; this process's heap is untouched.
  void* p = Malloc(64);
  ASSERT_NE(p, nullptr);
  Free(p);
  EXPECT_EQ(hak_heap_check(), 0u);
}

// ---- one line, then abort (default) ------------------------------------------

int ChildFreeStackAddress() {
  char local[32];
  std::printf("address=%s\n", Hex(local).c_str());
  std::fflush(stdout);
  Free(Opaque(static_cast<void*>(local)));
  return 0;  // not reached: hakmem aborts
}

TEST(InvalidPointer, AbortsAfterExactlyOneLine) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("free_stack_address", {});
  ASSERT_TRUE(r.KilledBy(SIGABRT)) << r.Describe();
  const std::vector<std::string> lines = hakmem_test::Lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.Describe();
  EXPECT_EQ(lines[0], InvalidPointerLine(kFreeName, reinterpret_cast<void*>(
                                                        std::strtoull(hakmem_test::ValueOf(r.out, "address").c_str(),
                                                                      nullptr, 16))))
      << r.Describe();
}

// ---- HAKMEM_ON_CORRUPTION=warn ---------------------------------------------------

// Makes every kind of bad call once, printing "expect=<line>" for each, then
// checks that the heap still works. Exit code 0: all calls returned.
int ChildWarnAndContinue() {
  auto note = [&](const std::string& line) { std::printf("expect=%s\n", line.c_str()); };
  char local[32];
  char* small = static_cast<char*>(Malloc(64));
  char* medium = static_cast<char*>(Malloc(100000));
  char* large = static_cast<char*>(Malloc(kLargeSize));
  void* foreign = ForeignMalloc(48);
  if (small == nullptr || medium == nullptr || large == nullptr || foreign == nullptr) return 2;
  std::memset(small, 0x5a, 64);
  std::memset(medium, 0x5b, 100000);
  std::memset(large, 0x5c, kLargeSize);

  void* bad[] = {local, g_global_buffer + 8, foreign, small + 1, small + 16, medium + 64, large + 4096,
                 reinterpret_cast<void*>(uintptr_t{1} << 47)};
  for (void* p : bad) {
    Free(Opaque(p));
    note(InvalidPointerLine(kFreeName, p));
    if (Realloc(Opaque(p), 200) != nullptr) return 3;  // must refuse and return NULL
    note(InvalidPointerLine(kReallocName, p));
    if (UsableSize(Opaque(p)) != 0) return 4;
    note(InvalidPointerLine(kUsableSizeName, p));
  }
  std::fflush(stdout);

  // The blocks the bad pointers pointed into are intact and still work.
  for (size_t i = 0; i < 64; ++i) {
    if (small[i] != 0x5a) return 5;
  }
  if (medium[99999] != 0x5b || large[kLargeSize - 1] != 0x5c) return 5;
  Free(small);
  Free(medium);
  Free(large);
  ForeignFree(foreign);
  std::vector<void*> again;
  for (size_t size = 16; size <= 2 * kLargeSize; size *= 2) again.push_back(Malloc(size));
  for (void* p : again) {
    if (p == nullptr) return 6;
    Free(p);
  }
  std::printf("heap_check=%zu\n", hak_heap_check());
  return 0;
}

TEST(InvalidPointer, WarnModeReportsEachCallOnceAndContinues) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("warn_and_continue", {"HAKMEM_ON_CORRUPTION=warn"});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "heap_check"), "0") << r.Describe();
  std::vector<std::string> expected;
  for (const std::string& line : hakmem_test::Lines(r.out)) {
    if (line.rfind("expect=", 0) == 0) expected.push_back(line.substr(7) + kWarnSuffix);
  }
  ASSERT_EQ(expected.size(), 8u * 3u) << r.Describe();
  EXPECT_EQ(hakmem_test::Lines(r.err), expected) << r.Describe();
}

}  // namespace
}  // namespace hakmem_reliability

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv,
                                   {
                                       {"free_stack_address", hakmem_reliability::ChildFreeStackAddress},
                                       {"warn_and_continue", hakmem_reliability::ChildWarnAndContinue},
                                   });
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
