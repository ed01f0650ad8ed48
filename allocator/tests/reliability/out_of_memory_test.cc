// Out of memory for real: under RLIMIT_AS, allocation runs until every size
// fails. Each failure is NULL with errno = ENOMEM; after everything is freed
// the allocator serves about as much again, and the heap is consistent.
#include <errno.h>
#include <sys/resource.h>

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

uint64_t VirtualBytes() {
  unsigned long long pages = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%llu", &pages) != 1) pages = 0;
  std::fclose(f);
  return pages * 4096;
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

}  // namespace
}  // namespace hakmem_reliability

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"fill_free_refill", hakmem_reliability::ChildFillFreeRefill}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
