// Every size from 0 to 64 KiB and random large sizes up to 64 MiB: usable size
// covers the request, the whole block is writable, and each block's pattern
// survives while many other blocks are allocated, written and freed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

using A = Backend;

struct Block {
  void* ptr;
  size_t request;
  size_t usable;
};

// Allocates, checks usable size and fills the whole usable area.
Block AllocateAndFill(size_t request) {
  void* p = A::Malloc(request);
  if (p == nullptr) return {nullptr, request, 0};
  const size_t usable = A::UsableSize(p);
  FillBlock(p, usable);
  return {p, request, usable};
}

void CheckAndFree(const Block& b) {
  ASSERT_EQ(A::UsableSize(b.ptr), b.usable) << "usable size of a live block changed; request " << b.request;
  ASSERT_EQ(FindBlockMismatch(b.ptr, b.usable), kPatternOk)
      << "block " << b.ptr << " of request " << b.request << " (usable " << b.usable
      << ") was overwritten while live";
  A::Free(b.ptr);
}

void SweepAllLiveAtOnce(size_t from, size_t to, size_t step) {
  std::vector<Block> live;
  live.reserve((to - from) / step + 1);
  for (size_t n = from; n <= to; n += step) {
    Block b = AllocateAndFill(n);
    ASSERT_NE(b.ptr, nullptr) << "malloc(" << n << ")";
    ASSERT_GE(b.usable, n) << "malloc(" << n << ")";
    ASSERT_EQ(reinterpret_cast<uintptr_t>(b.ptr) % alignof(std::max_align_t), 0u) << n;
    live.push_back(b);
  }
  // Free in an interleaved order so neighbours go back at different times.
  for (size_t parity = 0; parity < 2; ++parity) {
    for (size_t i = parity; i < live.size(); i += 2) CheckAndFree(live[i]);
  }
}

TEST(SizeSweepTest, EverySizeBelowFourKibibytes) { SweepAllLiveAtOnce(0, 4095, 1); }

TEST(SizeSweepTest, SizesUpToSixtyFourKibibytesInStepsOf61) { SweepAllLiveAtOnce(4096, 65536, 61); }

size_t UsableSizeOf(size_t request) {
  void* p = A::Malloc(request);
  if (p == nullptr) return 0;
  const size_t usable = A::UsableSize(p);
  A::Free(p);
  return usable;
}

// Every profile's classes round a request of 257 B to 1 KiB up by less than
// an eighth and one up to 8 KiB by less than a quarter; glibc's chunks are
// within 24 B of the request.
TEST(SizeSweepTest, RequestsFrom257BytesTo8KibibytesGetLessThanAQuarterMore) {
  for (size_t size = 257; size <= 8192; ++size) {
    const size_t usable = UsableSizeOf(size);
    ASSERT_GE(usable, size) << size;
    ASSERT_LT((usable - size) * (size <= 1024 ? 8 : 4), size)
        << A::kName << ": usable size " << usable << " for " << size;
  }
}

// A power of two and a header of up to an eighth of it (SQLite's page cache
// asks for 4096 + 272 B) gets no more than that eighth: 4608 B, not 5120
// (glibc: the request and up to 24 B).
TEST(SizeSweepTest, APowerOfTwoAndAHeaderGetAnEighthMoreUpTo8Kibibytes) {
  const size_t slack = A::kIsHakmem ? 0 : 24;
  for (size_t pow = 1024; pow <= 4096; pow *= 2) {
    for (size_t header = 8; header <= pow / 8; header += 8) {
      ASSERT_LE(UsableSizeOf(pow + header), pow + pow / 8 + slack) << A::kName << ": " << pow << " + " << header;
    }
  }
}

// Reusing freed memory: the sweep repeated three times over the same heap.
TEST(SizeSweepTest, RepeatedSweepsReuseMemoryCleanly) {
  for (int round = 0; round < 3; ++round) SweepAllLiveAtOnce(static_cast<size_t>(round), 6000, 7);
}

// Boundaries where size classes and mapping strategies usually switch.
TEST(SizeSweepTest, PowersOfTwoAndNeighboursUpToSixtyFourMebibytes) {
  std::vector<Block> live;
  for (size_t shift = 3; shift <= 26; ++shift) {
    for (size_t n : {(size_t{1} << shift) - 1, size_t{1} << shift, (size_t{1} << shift) + 1}) {
      Block b = AllocateAndFill(n);
      ASSERT_NE(b.ptr, nullptr) << "malloc(" << n << ")";
      ASSERT_GE(b.usable, n) << "malloc(" << n << ")";
      live.push_back(b);
    }
    // At most ~200 MiB live: keep the large ones only briefly.
    if (shift >= 22) {
      for (const Block& b : live) CheckAndFree(b);
      live.clear();
    }
  }
  for (const Block& b : live) CheckAndFree(b);
}

TEST(SizeSweepTest, RandomLargeSizesUpToSixtyFourMebibytes) {
  constexpr uint64_t kSeed = 20261125;
  std::mt19937_64 rng(kSeed);
  // Log-uniform between 64 KiB and 64 MiB; at most kLive blocks live.
  std::uniform_real_distribution<double> log2_size(16.0, 26.0);
  constexpr size_t kLive = 6;
  const int rounds = HAKMEM_TEST_UNDER_SANITIZER ? 12 : 40;
  std::vector<Block> ring;
  for (int i = 0; i < rounds; ++i) {
    const size_t n = static_cast<size_t>(std::exp2(log2_size(rng))) + static_cast<size_t>(rng() % 4096);
    Block b = AllocateAndFill(n);
    ASSERT_NE(b.ptr, nullptr) << "malloc(" << n << "), seed " << kSeed << " round " << i;
    ASSERT_GE(b.usable, n) << "malloc(" << n << ")";
    ring.push_back(b);
    if (ring.size() == kLive) {
      const size_t victim = rng() % ring.size();
      CheckAndFree(ring[victim]);
      ring.erase(ring.begin() + static_cast<std::ptrdiff_t>(victim));
    }
  }
  for (const Block& b : ring) CheckAndFree(b);
}

// Small and large blocks interleaved, with random lifetimes.
TEST(SizeSweepTest, RandomMixedLifetimesKeepPatterns) {
  constexpr uint64_t kSeed = 7;
  std::mt19937_64 rng(kSeed);
  std::vector<Block> live;
  const int ops = HAKMEM_TEST_UNDER_SANITIZER ? 20000 : 100000;
  for (int i = 0; i < ops; ++i) {
    if (live.empty() || rng() % 100 < 55) {
      const uint64_t r = rng() % 1000;
      const size_t n = r < 900 ? rng() % 1024 : r < 990 ? rng() % 65536 : rng() % (4 << 20);
      Block b = AllocateAndFill(n);
      ASSERT_NE(b.ptr, nullptr) << "malloc(" << n << ")";
      ASSERT_GE(b.usable, n);
      live.push_back(b);
    } else {
      const size_t victim = rng() % live.size();
      CheckAndFree(live[victim]);
      live[victim] = live.back();
      live.pop_back();
    }
  }
  for (const Block& b : live) CheckAndFree(b);
}

}  // namespace
}  // namespace hakmem_test
