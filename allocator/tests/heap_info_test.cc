// hak_heap_info_get and hak_os_counters_get: figures that are consistent with
// each other, follow what the test allocates, and counters that never go back.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

constexpr size_t kBig = size_t{64} << 20;

hak_heap_info HeapInfo() {
  hak_heap_info info{};
  hak_heap_info_get(&info);
  return info;
}

hak_os_counters OsCounters() {
  hak_os_counters c{};
  hak_os_counters_get(&c);
  return c;
}

void ExpectConsistent(const hak_heap_info& info, const char* when) {
  EXPECT_GE(info.mapped_bytes, info.in_use_bytes) << when;
  EXPECT_EQ(info.free_bytes, info.mapped_bytes - info.in_use_bytes) << when;
}

void ExpectMonotonic(const hak_os_counters& before, const hak_os_counters& after, const char* when) {
  EXPECT_GE(after.mmap_calls, before.mmap_calls) << when;
  EXPECT_GE(after.munmap_calls, before.munmap_calls) << when;
  EXPECT_GE(after.madvise_calls, before.madvise_calls) << when;
  EXPECT_GE(after.madvise_skipped, before.madvise_skipped) << when;
  EXPECT_GE(after.mmap_bytes, before.mmap_bytes) << when;
  EXPECT_GE(after.munmap_bytes, before.munmap_bytes) << when;
  EXPECT_GE(after.madvise_bytes, before.madvise_bytes) << when;
  // Whatever was unmapped was mapped first.
  EXPECT_GE(after.mmap_bytes, after.munmap_bytes) << when;
  // A call moves at least a page.
  EXPECT_GE(after.mmap_bytes, after.mmap_calls * 4096) << when;
}

TEST(HeapInfoTest, LargeAllocationShowsInEveryFigure) {
  void* warm = hak_malloc(64);  // the allocator has initialised
  const hak_heap_info before = HeapInfo();
  ExpectConsistent(before, "before");
  EXPECT_GT(before.mapped_bytes, 0u);
  EXPECT_GT(before.in_use_bytes, 0u) << "a 64-byte block is live";

  void* big = hak_malloc(kBig);
  ASSERT_NE(big, nullptr);
  FillBlock(big, kBig);
  const hak_heap_info during = HeapInfo();
  ExpectConsistent(during, "with 64 MiB live");
  EXPECT_GE(during.in_use_bytes, before.in_use_bytes + kBig);
  EXPECT_GE(during.mapped_bytes, before.mapped_bytes + kBig / 2)
      << "64 MiB live but mapped grew from " << before.mapped_bytes << " to " << during.mapped_bytes;
  EXPECT_GE(during.mapped_bytes, kBig);
  EXPECT_GE(during.large_live, before.large_live + 1);

  hak_free(big);
  const hak_heap_info after = HeapInfo();
  ExpectConsistent(after, "after free");
  EXPECT_LT(after.in_use_bytes, before.in_use_bytes + kBig / 2) << "the freed 64 MiB is still counted in use";
  EXPECT_EQ(after.large_live, before.large_live);
  hak_free(warm);
}

TEST(HeapInfoTest, SmallAllocationsShowInUseAndSuperslabs) {
  constexpr size_t kCount = 100000;
  constexpr size_t kSize = 64;
  const hak_heap_info before = HeapInfo();
  std::vector<void*> blocks;
  for (size_t i = 0; i < kCount; ++i) blocks.push_back(hak_malloc(kSize));
  const hak_heap_info during = HeapInfo();
  ExpectConsistent(during, "with 100k small blocks");
  EXPECT_GE(during.in_use_bytes, before.in_use_bytes + kCount * kSize);
  EXPECT_GE(during.mapped_bytes, kCount * kSize);
  EXPECT_GT(during.superslabs_live, 0u);
  for (void* p : blocks) hak_free(p);
  const hak_heap_info after = HeapInfo();
  ExpectConsistent(after, "after freeing them");
  EXPECT_LT(after.in_use_bytes, during.in_use_bytes);
}

// The figures are process-wide, not per thread.
TEST(HeapInfoTest, OtherThreadsAllocationsAreVisible) {
  const hak_heap_info before = HeapInfo();
  void* big = nullptr;
  std::thread([&big] { big = hak_malloc(kBig); }).join();
  ASSERT_NE(big, nullptr);
  EXPECT_GE(HeapInfo().in_use_bytes, before.in_use_bytes + kBig);
  std::thread([big] { hak_free(big); }).join();
  EXPECT_LT(HeapInfo().in_use_bytes, before.in_use_bytes + kBig / 2);
}

// realloc(p, 0) frees: in-use figures return to where they were.
TEST(HeapInfoTest, ReallocToZeroReallyFrees) {
  void* warm = hak_malloc(1 << 20);
  hak_free(warm);
  const hak_heap_info before = HeapInfo();
  for (int i = 0; i < 1000; ++i) {
    void* p = hak_malloc(1 << 20);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(hak_realloc(p, Opaque<size_t>(0)), nullptr);
  }
  EXPECT_LT(HeapInfo().in_use_bytes, before.in_use_bytes + (size_t{64} << 20))
      << "1000 x realloc(1 MiB block, 0) left memory in use";
}

TEST(OsCountersTest, CountersArePlausibleAndMonotonic) {
  const hak_os_counters start = OsCounters();
  std::vector<void*> blocks;
  hak_os_counters previous = start;
  for (size_t n = 1 << 16; n <= kBig; n *= 2) {
    void* p = hak_malloc(n);
    ASSERT_NE(p, nullptr);
    FillBlock(p, n);
    blocks.push_back(p);
    const hak_os_counters now = OsCounters();
    ExpectMonotonic(previous, now, "while allocating");
    previous = now;
  }
  EXPECT_GT(previous.mmap_calls, 0u);
  EXPECT_GE(previous.mmap_bytes, kBig) << "a 64 MiB block is live; it was mapped at some point";
  for (void* p : blocks) {
    hak_free(p);
    const hak_os_counters now = OsCounters();
    ExpectMonotonic(previous, now, "while freeing");
    previous = now;
  }
  const int released = hak_trim(0);
  const hak_os_counters after_trim = OsCounters();
  ExpectMonotonic(previous, after_trim, "trim");
  if (released == 1) {
    EXPECT_GT(after_trim.munmap_calls + after_trim.madvise_calls, previous.munmap_calls + previous.madvise_calls)
        << "hak_trim reported releasing memory but made no munmap/madvise call";
  }
}

// Figures read while other threads map, allocate, free and unmap: counters
// never go backwards and a snapshot never shows more in use than mapped.
// The workers do a fixed amount of work; the reader samples until they finish.
TEST(OsCountersTest, ConsistentUnderConcurrentActivity) {
  constexpr int kWorkers = 2;
  constexpr int kCyclesPerWorker = HAKMEM_TEST_UNDER_SANITIZER ? 500 : 3000;
  std::atomic<int> finished{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kWorkers; ++t) {
    workers.emplace_back([&finished, t] {
      size_t n = (size_t{1} << 20) + static_cast<size_t>(t) * 4096;
      for (int i = 0; i < kCyclesPerWorker; ++i) {
        void* p = hak_malloc(n);
        if (p != nullptr) static_cast<char*>(p)[n - 1] = 1;
        hak_free(p);
        n = n * 3 % (size_t{16} << 20) + (size_t{1} << 18);
      }
      finished.fetch_add(1);
    });
  }
  hak_os_counters previous = OsCounters();
  int inconsistent = 0;
  hak_heap_info first_bad{};
  while (finished.load() < kWorkers) {
    const hak_os_counters now = OsCounters();
    ExpectMonotonic(previous, now, "concurrent");
    if (HasFailure()) break;
    previous = now;
    const hak_heap_info info = HeapInfo();
    if (info.in_use_bytes > info.mapped_bytes && inconsistent++ == 0) first_bad = info;
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(inconsistent, 0) << "snapshots with in_use_bytes > mapped_bytes; first: in_use "
                             << first_bad.in_use_bytes << ", mapped " << first_bad.mapped_bytes << ", free "
                             << first_bad.free_bytes;
}

}  // namespace
}  // namespace hakmem_test
