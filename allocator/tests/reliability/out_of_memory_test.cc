// Out of memory for real: under RLIMIT_AS, allocation runs until every size
// fails. Each failure is NULL with errno = ENOMEM; after everything is freed
// the allocator serves about as much again, and the heap is consistent. And a
// request for more than the machine has fails at once, as glibc's does.
#include <errno.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "allocator/hakmem.h"
#include "allocator/tests/reliability/entry_points.h"
#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"

namespace hakmem_reliability {
namespace {

constexpr uint64_t kHeadroom = 256ull << 20;
// Tiny, small, medium, largest class, large, large beyond the cache budget.
constexpr size_t kSizes[] = {16, 200, 3000, 40000, 256 << 10, 1 << 20, 8 << 20, 96 << 20};
constexpr size_t kNumSizes = sizeof(kSizes) / sizeof(kSizes[0]);

// The first number in a /proc file, or -1 when it cannot be read.
long long FirstNumberIn(const char* path) {
  long long n = -1;
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return -1;
  if (std::fscanf(f, "%lld", &n) != 1) n = -1;
  std::fclose(f);
  return n;
}

uint64_t VirtualBytes() {
  const long long pages = FirstNumberIn("/proc/self/statm");
  return pages > 0 ? static_cast<uint64_t>(pages) * 4096 : 0;
}

struct Filled {
  std::vector<void*> blocks;
  uint64_t bytes = 0;
  size_t failures[kNumSizes] = {};
  int wrong_errno = 0;
};

// Allocates the sizes in turn until a whole round fails; touches each block's
// first and last byte (the limit is on address space, not on RSS).
void FillUntilEverySizeFails(Filled* out) {
  for (;;) {
    bool any = false;
    for (size_t i = 0; i < kNumSizes; ++i) {
      errno = 0;
      char* p = static_cast<char*>(Malloc(kSizes[i]));
      if (p == nullptr) {
        if (errno != ENOMEM) ++out->wrong_errno;
        ++out->failures[i];
        continue;
      }
      any = true;
      p[0] = 1;
      p[kSizes[i] - 1] = 2;
      if (out->blocks.size() == out->blocks.capacity()) {
        std::fprintf(stderr, "block table full\n");
        std::_Exit(3);
      }
      out->blocks.push_back(p);
      out->bytes += kSizes[i];
    }
    if (!any) return;
  }
}

void FreeEverything(Filled* f) {
  for (void* p : f->blocks) Free(p);
  f->blocks.clear();
}

int ChildFillFreeRefill() {
  Filled first;
  Filled second;
  // Reserved before the limit: the table itself must not run out.
  first.blocks.reserve(4 << 20);
  second.blocks.reserve(4 << 20);
  Free(Malloc(16));  // the heap exists before the limit
  rlimit limit;
  limit.rlim_cur = VirtualBytes() + kHeadroom;
  limit.rlim_max = RLIM_INFINITY;
  if (setrlimit(RLIMIT_AS, &limit) != 0) return 2;

  FillUntilEverySizeFails(&first);
  const size_t check_when_full = hak_heap_check();
  FreeEverything(&first);
  hak_trim(0);
  FillUntilEverySizeFails(&second);
  FreeEverything(&second);
  hak_trim(0);
  // One more round of every size: all must succeed now.
  int refill_failures = 0;
  for (size_t size : kSizes) {
    void* p = Malloc(size);
    if (p == nullptr) ++refill_failures;
    Free(p);
  }

  std::printf("first_bytes=%llu\nsecond_bytes=%llu\n", static_cast<unsigned long long>(first.bytes),
              static_cast<unsigned long long>(second.bytes));
  std::printf("wrong_errno=%d\ncheck_when_full=%zu\nrefill_failures=%d\nheap_check=%zu\n",
              first.wrong_errno + second.wrong_errno, check_when_full, refill_failures, hak_heap_check());
  for (size_t i = 0; i < kNumSizes; ++i) std::printf("failures_%zu=%zu\n", kSizes[i], first.failures[i]);
  return 0;
}

TEST(OutOfMemory, RlimitAsFillFreeRefill) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("fill_free_refill", {}, 240);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "wrong_errno"), "0") << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "check_when_full"), "0") << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "heap_check"), "0") << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "refill_failures"), "0") << r.Describe();
  for (size_t size : kSizes) {
    EXPECT_GE(hakmem_test::NumberOf(r.out, "failures_" + std::to_string(size)), 1u)
        << "size " << size << " never failed\n"
        << r.Describe();
  }
  const unsigned long long first = hakmem_test::NumberOf(r.out, "first_bytes");
  const unsigned long long second = hakmem_test::NumberOf(r.out, "second_bytes");
  // Most of the headroom was used, and freeing gave it back.
  EXPECT_GE(first, kHeadroom / 4) << r.Describe();
  EXPECT_GE(second, first / 2) << "memory not given back after free + trim\n" << r.Describe();
}

// vm.overcommit_memory: 0 (heuristic), 1 (always), 2 (strict); -1 unreadable.
int OvercommitMode() { return static_cast<int>(FirstNumberIn("/proc/sys/vm/overcommit_memory")); }

// Twice the machine's memory and swap, in whole GiB.
size_t MoreThanTheMachineHas() {
  struct sysinfo info;
  if (sysinfo(&info) != 0) return 0;
  const uint64_t total = (static_cast<uint64_t>(info.totalram) + info.totalswap) * info.mem_unit;
  return static_cast<size_t>(((2 * total) | ((uint64_t{1} << 30) - 1)) + 1);
}

// Unless the kernel grants every mapping (overcommit mode 1), a request no
// machine's memory could back fails with ENOMEM when it is made, from every
// entry point that maps a large object, and a block being grown stays intact.
// (With mode 1 any allocator gets the block; then it must be usable.)
TEST(OutOfMemory, MoreThanTheMachineHasFailsWhenAskedFor) {
  const int mode = OvercommitMode();
  const size_t huge = MoreThanTheMachineHas();
  ASSERT_NE(mode, -1) << "cannot read /proc/sys/vm/overcommit_memory";
  ASSERT_GT(huge, size_t{1} << 31);
  ASSERT_LT(huge, size_t{1} << 46) << "a machine this large leaves no room in the address space to test";
  SCOPED_TRACE("overcommit mode " + std::to_string(mode) + ", request " + std::to_string(huge >> 30) + " GiB");
  if (mode == 1) {
    char* p = static_cast<char*>(Malloc(huge));
    ASSERT_NE(p, nullptr);
    p[0] = 1;
    p[huge - 1] = 2;
    Free(p);
    return;
  }
  errno = 0;
  EXPECT_EQ(Malloc(huge), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(Calloc(1, huge), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(AlignedAlloc(size_t{1} << 21, huge), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  char* p = static_cast<char*>(Malloc(1 << 20));
  ASSERT_NE(p, nullptr);
  std::memset(p, 0x5a, 1 << 20);
  errno = 0;
  EXPECT_EQ(Realloc(p, huge), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_EQ(p[0], 0x5a);
  EXPECT_EQ(p[(1 << 20) - 1], 0x5a);
  Free(p);
  EXPECT_EQ(hak_heap_check(), 0u);
}

}  // namespace
}  // namespace hakmem_reliability

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"fill_free_refill", hakmem_reliability::ChildFillFreeRefill}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
