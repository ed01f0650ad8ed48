// Aligned mappings: where they go and what they cost. In builds without
// AddressSanitizer or ThreadSanitizer an aligned mapping is asked for at a
// hint in a region of its own and costs one mmap; when the hint is taken, the
// over-mapped fallback still gives an aligned mapping that leaves the taker's
// memory alone.
#include "boxes/os_memory/os_memory.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"
#include "profiles/tests/vm_flags.h"

namespace hakmem {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

bool Aligned(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

TEST(OsMemoryTest, AnAlignedMappingCostsOneMmap) {
  struct Case {
    size_t size, alignment;
  };
  for (const Case c : {Case{2 * kMiB, 2 * kMiB}, Case{kMiB + 4096, 2 * kMiB}, Case{6 * kMiB, 2 * kMiB},
                       Case{kMiB, 8 * kMiB}, Case{64 * 1024, 4096}}) {
    const OsCounters before = OsCountersSnapshot();
    char* p = static_cast<char*>(OsMapAligned(c.size, c.alignment));
    const OsCounters after = OsCountersSnapshot();
    ASSERT_NE(p, nullptr) << c.size;
    EXPECT_TRUE(Aligned(p, c.alignment)) << static_cast<void*>(p) << " for " << c.alignment;
    p[0] = 1;
    p[c.size - 1] = 1;
    if (kAlignedMappingHints) {
      EXPECT_EQ(after.mmap_calls - before.mmap_calls, 1u) << c.size << " aligned to " << c.alignment;
      EXPECT_EQ(after.munmap_calls - before.munmap_calls, 0u) << c.size << " aligned to " << c.alignment;
    }
    OsUnmap(p, c.size);
  }
}

// The advice covers the range and nothing past it (the kernel splits the
// mapping), and is counted as one madvise of its bytes.
TEST(OsMemoryTest, UseSmallPagesMarksTheRangeNoHugePages) {
  char* p = static_cast<char*>(OsMapAligned(4 * kMiB, 2 * kMiB));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(hakmem_test::VmFlagsOf(p).find(" nh "), std::string::npos) << hakmem_test::VmFlagsOf(p);
  const OsCounters before = OsCountersSnapshot();
  OsUseSmallPages(p, 2 * kMiB);
  const OsCounters after = OsCountersSnapshot();
  EXPECT_NE(hakmem_test::VmFlagsOf(p).find(" nh "), std::string::npos) << hakmem_test::VmFlagsOf(p);
  EXPECT_NE(hakmem_test::VmFlagsOf(p + 2 * kMiB - 1).find(" nh "), std::string::npos);
  EXPECT_EQ(hakmem_test::VmFlagsOf(p + 2 * kMiB).find(" nh "), std::string::npos) << hakmem_test::VmFlagsOf(p + 2 * kMiB);
  EXPECT_EQ(after.madvise_calls - before.madvise_calls, 1u);
  EXPECT_EQ(after.madvise_bytes - before.madvise_bytes, 2 * kMiB);
  OsUnmap(p, 4 * kMiB);
}

// Whether the running kernel is at least major.minor.
bool KernelAtLeast(int major, int minor) {
  utsname u;
  int got_major = 0;
  int got_minor = 0;
  if (uname(&u) != 0 || std::sscanf(u.release, "%d.%d", &got_major, &got_minor) != 2) return false;
  return got_major > major || (got_major == major && got_minor >= minor);
}

// Mappings with every page written (eight of 2 MiB unless told otherwise),
// given back by OsDecommitRanges.
struct WrittenRanges {
  std::vector<OsRange> ranges;
  std::unique_ptr<bool[]> zeroed;
  explicit WrittenRanges(size_t count = 8, size_t size = 2 * kMiB) : ranges(count), zeroed(new bool[count]()) {
    for (OsRange& r : ranges) {
      r.size = size;
      r.addr = OsMapAligned(r.size, 2 * kMiB);
      if (r.addr != nullptr) std::memset(r.addr, 0x5a, r.size);
    }
  }
  ~WrittenRanges() {
    for (OsRange& r : ranges) {
      if (r.addr != nullptr) OsUnmap(r.addr, r.size);
    }
  }
  bool AllMapped() const {
    for (const OsRange& r : ranges) {
      if (r.addr == nullptr) return false;
    }
    return true;
  }
  void GiveBack(bool batched) {
    OsDecommitRanges(ranges.data(), ranges.size(), Decommit::kDontNeed, batched, zeroed.get());
  }
  // Every range but `except` reported zeroed and reads as zero.
  void ExpectGivenBack(size_t except = SIZE_MAX) const {
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (i == except) continue;
      EXPECT_TRUE(zeroed[i]) << i;
      const unsigned char* p = static_cast<const unsigned char*>(ranges[i].addr);
      size_t nonzero = 0;
      for (size_t j = 0; j < ranges[i].size; ++j) nonzero += p[j] != 0;
      EXPECT_EQ(nonzero, 0u) << i;
    }
  }
};

// A batch gives every range's pages back (they read as zero), in one call
// where the kernel takes it (since Linux 6.16 it must: the batch flushes the
// TLBs once), else one madvise each after the refused batch; errno stays.
TEST(OsMemoryTest, DecommitRangesGivesBackEveryRangeInOneCall) {
  WrittenRanges w;
  ASSERT_TRUE(w.AllMapped());
  const bool refused_before = OsDecommitBatchRefused();
  const OsCounters before = OsCountersSnapshot();
  errno = 1234;
  w.GiveBack(/*batched=*/true);
  EXPECT_EQ(errno, 1234);
  const OsCounters after = OsCountersSnapshot();
  w.ExpectGivenBack();
  EXPECT_EQ(after.madvise_bytes - before.madvise_bytes, w.ranges.size() * 2 * kMiB);
  if (KernelAtLeast(6, 16)) {
    EXPECT_FALSE(OsDecommitBatchRefused()) << "process_madvise(PIDFD_SELF, MADV_DONTNEED)";
  }
  const uint64_t expected_calls = !OsDecommitBatchRefused() ? 1 : w.ranges.size() + (refused_before ? 0 : 1);
  EXPECT_EQ(after.madvise_calls - before.madvise_calls, expected_calls);
}

// More ranges than one call takes: a call for each kMaxDecommitRanges.
TEST(OsMemoryTest, DecommitRangesTakesAnyNumberOfRanges) {
  WrittenRanges w(kMaxDecommitRanges + 36, 64 * 1024);
  ASSERT_TRUE(w.AllMapped());
  const OsCounters before = OsCountersSnapshot();
  w.GiveBack(/*batched=*/true);
  const OsCounters after = OsCountersSnapshot();
  w.ExpectGivenBack();
  if (!OsDecommitBatchRefused()) {
    EXPECT_EQ(after.madvise_calls - before.madvise_calls, 2u);
  }
}

// Not batched: one madvise per range.
TEST(OsMemoryTest, DecommitRangesOneByOneWhenNotBatched) {
  WrittenRanges w;
  ASSERT_TRUE(w.AllMapped());
  const OsCounters before = OsCountersSnapshot();
  w.GiveBack(/*batched=*/false);
  const OsCounters after = OsCountersSnapshot();
  EXPECT_EQ(after.madvise_calls - before.madvise_calls, w.ranges.size());
  w.ExpectGivenBack();
}

// A range the kernel cannot advise (here: no longer mapped) stops a batch
// there; the ranges after it are still given back, one by one, and only the
// failed one reports its contents as not zeroed. The kernel's refusal of one
// range is not a refusal of batches.
TEST(OsMemoryTest, DecommitRangesGoesOnPastARangeTheKernelRefuses) {
  WrittenRanges w;
  ASSERT_TRUE(w.AllMapped());
  constexpr size_t kHole = 3;
  OsUnmap(w.ranges[kHole].addr, w.ranges[kHole].size);
  const bool refused_before = OsDecommitBatchRefused();
  w.GiveBack(/*batched=*/true);
  EXPECT_FALSE(w.zeroed[kHole]);
  w.ranges[kHole].addr = nullptr;  // unmapped already
  w.ExpectGivenBack(kHole);
  EXPECT_EQ(OsDecommitBatchRefused(), refused_before);
}

// The next hint follows the last mapping (on 2 MiB): a mapping of the test's
// own there makes the next aligned mapping fall back, without touching it.
TEST(OsMemoryTest, ATakenHintFallsBackToAnAlignedMappingElsewhere) {
  char* first = static_cast<char*>(OsMapAligned(2 * kMiB, 2 * kMiB));
  ASSERT_NE(first, nullptr);
  void* squat = mmap(first + 2 * kMiB, 2 * kMiB, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (squat == MAP_FAILED) GTEST_SKIP() << "the address after the first mapping was taken already";
  memset(squat, 0x33, 2 * kMiB);
  const OsCounters before = OsCountersSnapshot();
  char* second = static_cast<char*>(OsMapAligned(2 * kMiB, 2 * kMiB));
  const OsCounters after = OsCountersSnapshot();
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(Aligned(second, 2 * kMiB));
  EXPECT_NE(second, squat);
  memset(second, 0x44, 2 * kMiB);
  const char* s = static_cast<const char*>(squat);
  EXPECT_EQ(s[0], 0x33);
  EXPECT_EQ(s[2 * kMiB - 1], 0x33);
  if (kAlignedMappingHints) {
    EXPECT_EQ(after.mmap_calls - before.mmap_calls, 2u) << "the hint, then the over-sized mapping";
  }
  munmap(squat, 2 * kMiB);
  OsUnmap(second, 2 * kMiB);
  OsUnmap(first, 2 * kMiB);
}

int PrintFirstMapping() {
  void* p = OsMapAligned(2 * kMiB, 2 * kMiB);
  if (p == nullptr) return 1;
  std::printf("first=%p\n", p);
  return 0;
}

// In a child whose seccomp filter answers process_madvise with EPERM (as a
// container's may): eight ranges given back batched, and the OS calls that
// took. The filter stays for the child's life.
int DecommitUnderAFilter() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_madvise, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program = {static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    std::printf("no_filter=1\n");
    return 0;
  }
  for (int round = 0; round < 2; ++round) {
    WrittenRanges w;
    if (!w.AllMapped()) return 1;
    const OsCounters before = OsCountersSnapshot();
    w.GiveBack(/*batched=*/true);
    const OsCounters after = OsCountersSnapshot();
    size_t given_back = 0;
    for (size_t i = 0; i < w.ranges.size(); ++i) {
      const unsigned char* p = static_cast<const unsigned char*>(w.ranges[i].addr);
      bool zero = w.zeroed[i];
      for (size_t j = 0; zero && j < w.ranges[i].size; j += 4096) zero = p[j] == 0;
      given_back += zero;
    }
    std::printf("round%d_calls=%llu\nround%d_given_back=%zu\n", round,
                static_cast<unsigned long long>(after.madvise_calls - before.madvise_calls), round, given_back);
  }
  std::printf("refused=%d\n", OsDecommitBatchRefused() ? 1 : 0);
  return 0;
}

// Where the kernel refuses the batch, every range is still given back, one
// madvise each: the first time after the refused call, and from then on
// without asking again.
TEST(OsMemoryTest, DecommitRangesFallsBackWhereAFilterRefusesTheBatch) {
  const hakmem_test::ChildResult r = hakmem_test::RunSelf("decommit_under_a_filter", {});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  if (hakmem_test::NumberOf(r.out, "no_filter") == 1) GTEST_SKIP() << "seccomp filters are not allowed here";
  EXPECT_EQ(hakmem_test::NumberOf(r.out, "refused"), 1u) << r.Describe();
  EXPECT_EQ(hakmem_test::NumberOf(r.out, "round0_given_back"), 8u) << r.Describe();
  EXPECT_EQ(hakmem_test::NumberOf(r.out, "round0_calls"), 9u) << "the refused batch and eight madvise\n"
                                                               << r.Describe();
  EXPECT_EQ(hakmem_test::NumberOf(r.out, "round1_given_back"), 8u) << r.Describe();
  EXPECT_EQ(hakmem_test::NumberOf(r.out, "round1_calls"), 8u) << r.Describe();
}

// Each process starts its hints at a place of its own (from the addresses
// ASLR gave it), so the allocator's addresses are not the same in every run.
TEST(OsMemoryTest, ProcessesStartTheirHintsApart) {
  if (!kAlignedMappingHints) GTEST_SKIP() << "no hints under this sanitizer";
  const hakmem_test::ChildResult a = hakmem_test::RunSelf("print_first_mapping", {});
  const hakmem_test::ChildResult b = hakmem_test::RunSelf("print_first_mapping", {});
  ASSERT_TRUE(a.ExitedWith(0)) << a.Describe();
  ASSERT_TRUE(b.ExitedWith(0)) << b.Describe();
  EXPECT_NE(a.out, b.out) << "two processes: " << a.out << b.out;
}

}  // namespace
}  // namespace hakmem

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv,
                                   {{"print_first_mapping", hakmem::PrintFirstMapping},
                                    {"decommit_under_a_filter", hakmem::DecommitUnderAFilter}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
