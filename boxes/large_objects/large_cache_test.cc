// The large-object cache's index on its own (the mappings are made-up
// addresses: the index never touches them), checked against a simple model.
#include "boxes/large_objects/large_cache.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace hakmem {
namespace {

constexpr size_t kPage = size_t{1} << LargeCacheIndex::kPageShift;

// Distinct made-up mappings.
class FakeMappings {
 public:
  CachedMapping Make(size_t size) {
    next_ += uintptr_t{1} << 30;
    return CachedMapping{reinterpret_cast<void*>(next_), size};
  }

 private:
  uintptr_t next_ = 0;
};

// The index is large (its entries are in it): on the heap, not the stack.
using TestIndex = LargeCacheIndexOf<1024>;
std::unique_ptr<TestIndex> NewIndex() { return std::make_unique<TestIndex>(); }

// Everything TakeCachedAtOrBefore(cutoff) hands out, asked in small batches.
std::vector<CachedMapping> TakeCachedAtOrBefore(LargeCacheIndex& index, uint64_t cutoff) {
  std::vector<CachedMapping> taken;
  CachedMapping batch[3];
  for (size_t n = 3; n == 3;) {
    n = index.TakeCachedAtOrBefore(cutoff, batch, 3);
    taken.insert(taken.end(), batch, batch + n);
  }
  return taken;
}
std::vector<size_t> SizesOf(const std::vector<CachedMapping>& mappings) {
  std::vector<size_t> sizes;
  for (const CachedMapping& m : mappings) sizes.push_back(m.size);
  return sizes;
}

TEST(LargeCacheTest, BucketsGrowWithTheSizeAndSpanAtMostAQuarter) {
  uint32_t last = 0;
  size_t bucket_start = kPage;
  for (size_t pages = 1; pages < (size_t{1} << 20); pages += 1 + pages / 64) {
    const uint32_t bucket = LargeCacheIndex::BucketOf(pages * kPage);
    ASSERT_GE(bucket, last) << pages << " pages";
    ASSERT_LT(bucket, LargeCacheIndex::kBuckets);
    if (bucket != last) bucket_start = pages * kPage;
    if (pages >= 4) {
      EXPECT_LE(pages * kPage, bucket_start + bucket_start / 4) << pages << " pages share a bucket with "
                                                                 << bucket_start / kPage;
    }
    last = bucket;
  }
  EXPECT_LT(LargeCacheIndex::BucketOf(~size_t{0}), LargeCacheIndex::kBuckets);
}

TEST(LargeCacheTest, TakeFitTakesAMappingBetweenTheSizeAndTwiceItOfTheSmallestSuchBucket) {
  FakeMappings maps;
  auto index_owner = NewIndex();
  TestIndex& index = *index_owner;
  for (size_t kib : {300, 1024, 600, 2048}) index.Insert(maps.Make(kib * 1024), 0);
  CachedMapping m;
  ASSERT_TRUE(index.TakeFit(500 * 1024, &m));
  EXPECT_EQ(m.size, 600u * 1024);
  EXPECT_FALSE(index.TakeFit(500 * 1024, &m)) << "1 MiB is more than twice 500 KiB";
  EXPECT_FALSE(index.HasFit(3 * 1024 * 1024)) << "nothing as large";
  ASSERT_TRUE(index.HasFit(900 * 1024));
  ASSERT_TRUE(index.TakeFit(900 * 1024, &m));
  EXPECT_EQ(m.size, 1024u * 1024);
  EXPECT_EQ(index.count(), 2u);
  EXPECT_EQ(index.bytes(), (300u + 2048) * 1024);
}

TEST(LargeCacheTest, TakeAtLeastTakesTheSmallestMappingOfTheSizeHoweverLarger) {
  FakeMappings maps;
  auto index_owner = NewIndex();
  TestIndex& index = *index_owner;
  CachedMapping m;
  EXPECT_FALSE(index.TakeAtLeast(kPage, &m)) << "empty";
  for (size_t mib : {64, 8, 1}) index.Insert(maps.Make(mib << 20), 0);
  EXPECT_FALSE(index.TakeFit(size_t{3} << 20, &m)) << "8 MiB is more than twice 3 MiB";
  ASSERT_TRUE(index.TakeAtLeast(size_t{3} << 20, &m));
  EXPECT_EQ(m.size, size_t{8} << 20);
  ASSERT_TRUE(index.TakeAtLeast(size_t{1} << 20, &m)) << "its own size will do";
  EXPECT_EQ(m.size, size_t{1} << 20);
  EXPECT_FALSE(index.TakeAtLeast((size_t{64} << 20) + kPage, &m)) << "nothing as large";
  EXPECT_EQ(index.count(), 1u);
  EXPECT_EQ(index.bytes(), size_t{64} << 20);
}

TEST(LargeCacheTest, TakeLargestInTakesTheLargestMappingInTheRange) {
  FakeMappings maps;
  auto index_owner = NewIndex();
  TestIndex& index = *index_owner;
  CachedMapping m;
  constexpr size_t kMiB = size_t{1} << 20;
  EXPECT_FALSE(index.TakeLargestIn(kMiB, 8 * kMiB, &m)) << "empty";
  for (size_t mib : {1, 5, 20, 64}) index.Insert(maps.Make(mib * kMiB), 0);
  EXPECT_FALSE(index.TakeLargestIn(6 * kMiB, 20 * kMiB - kPage, &m)) << "20 MiB is past the range, 5 MiB short of it";
  EXPECT_FALSE(index.TakeLargestIn(5 * kMiB, 4 * kMiB, &m)) << "an empty range";
  ASSERT_TRUE(index.TakeLargestIn(2 * kMiB, 20 * kMiB, &m));
  EXPECT_EQ(m.size, 20 * kMiB);
  ASSERT_TRUE(index.TakeLargestIn(5 * kMiB, 5 * kMiB, &m)) << "both ends are in the range";
  EXPECT_EQ(m.size, 5 * kMiB);
  EXPECT_FALSE(index.TakeLargestIn(kMiB + kPage, 63 * kMiB, &m));
  EXPECT_EQ(index.count(), 2u);
}

TEST(LargeCacheTest, BucketFloorsAreTheSmallestSizeOfEachBucket) {
  for (size_t pages = 1; pages < (size_t{1} << 22); pages += 1 + pages / 16) {
    const uint32_t bucket = LargeCacheIndex::BucketOf(pages * kPage);
    EXPECT_LE(LargeCacheIndex::BucketFloor(bucket), pages * kPage) << pages << " pages";
    EXPECT_EQ(LargeCacheIndex::BucketOf(LargeCacheIndex::BucketFloor(bucket)), bucket) << pages << " pages";
    if (LargeCacheIndex::BucketFloor(bucket) > kPage) {
      EXPECT_LT(LargeCacheIndex::BucketOf(LargeCacheIndex::BucketFloor(bucket) - kPage), bucket) << pages << " pages";
    }
  }
}

TEST(LargeCacheTest, TakeSmallestUnderTakesOnlyWhatIsUnderTheLimit) {
  FakeMappings maps;
  auto index_owner = NewIndex();
  TestIndex& index = *index_owner;
  CachedMapping m;
  EXPECT_FALSE(index.TakeSmallestUnder(~size_t{0}, &m)) << "empty";
  for (size_t kib : {1024, 512, 4096}) index.Insert(maps.Make(kib * 1024), 0);
  EXPECT_FALSE(index.TakeSmallestUnder(512 * 1024, &m));
  ASSERT_TRUE(index.TakeSmallestUnder(513 * 1024, &m));
  EXPECT_EQ(m.size, 512u * 1024);
  ASSERT_TRUE(index.TakeSmallestUnder(2048 * 1024, &m));
  EXPECT_EQ(m.size, 1024u * 1024);
  EXPECT_EQ(index.count(), 1u);
}

TEST(LargeCacheTest, TheOldestGoFirstAndTheRestStayFindable) {
  FakeMappings maps;
  auto index_owner = NewIndex();
  TestIndex& index = *index_owner;
  index.Insert(maps.Make(1 * kPage * 100), 10);
  index.Insert(maps.Make(2 * kPage * 100), 20);
  index.Insert(maps.Make(3 * kPage * 100), 30);
  EXPECT_EQ(index.OldestCachedAtMs(), 10u);
  EXPECT_EQ(SizesOf(TakeCachedAtOrBefore(index, 9)), std::vector<size_t>{});
  EXPECT_EQ(SizesOf(TakeCachedAtOrBefore(index, 20)), (std::vector<size_t>{100 * kPage, 200 * kPage}));
  EXPECT_EQ(index.count(), 1u);
  EXPECT_EQ(index.bytes(), 300 * kPage);
  EXPECT_EQ(index.OldestCachedAtMs(), 30u);
  EXPECT_FALSE(index.HasFit(100 * kPage)) << "the taken ones are out of the size lists too";
  EXPECT_TRUE(index.HasFit(300 * kPage));
  // A take by size leaves the age list whole.
  index.Insert(maps.Make(400 * kPage), 40);
  CachedMapping m;
  ASSERT_TRUE(index.TakeFit(300 * kPage, &m));
  EXPECT_EQ(index.OldestCachedAtMs(), 40u);
  EXPECT_EQ(SizesOf(TakeCachedAtOrBefore(index, UINT64_MAX)), std::vector<size_t>{400 * kPage});
  EXPECT_EQ(index.count(), 0u);
  EXPECT_EQ(index.bytes(), 0u);
  EXPECT_FALSE(index.HasFit(400 * kPage));
}

// Up to its capacity, and a taken mapping's entry serves the next one.
TEST(LargeCacheTest, HoldsUpToItsCapacity) {
  FakeMappings maps;
  auto index_owner = NewIndex();
  TestIndex& index = *index_owner;
  for (size_t i = 0; i < index.capacity(); ++i) {
    ASSERT_TRUE(index.Insert(maps.Make((65 + i % 900) * kPage), i)) << i;
  }
  EXPECT_FALSE(index.Insert(maps.Make(100 * kPage), 0)) << "full";
  EXPECT_EQ(index.count(), index.capacity());
  CachedMapping m;
  ASSERT_TRUE(index.TakeFit(500 * kPage, &m));
  EXPECT_TRUE(index.Insert(maps.Make(100 * kPage), 0));
  EXPECT_EQ(TakeCachedAtOrBefore(index, UINT64_MAX).size(), index.capacity());
  EXPECT_EQ(index.count(), 0u);
}

// Random inserts, takes by size (within twice it, any larger, or the largest
// in a range), takes of the smallest and of the oldest,
// against a model. What the index takes must be in the model and fit; when
// every bucket is short enough to be scanned whole, it must come from the
// bucket of the model's smallest fit, and a miss must be the model's miss too.
TEST(LargeCacheTest, AgreesWithAModelOverRandomOperations) {
  struct Entry {
    size_t size;
    uint64_t at;
  };
  FakeMappings maps;
  auto index_owner = NewIndex();
  TestIndex& index = *index_owner;
  std::map<void*, Entry> model;  // by mapping
  std::mt19937_64 rng(12345);
  uint64_t now = 1;
  auto random_size = [&] { return (65 + rng() % 4000) * kPage; };
  auto buckets_short = [&] {
    std::map<uint32_t, uint32_t> per_bucket;
    for (const auto& [base, e] : model) {
      if (++per_bucket[LargeCacheIndex::BucketOf(e.size)] > LargeCacheIndex::kScanLimit) return false;
    }
    return true;
  };
  // The smallest size in the model of at least `want` (SIZE_MAX: none).
  auto smallest_at_least = [&](size_t want) {
    size_t best = SIZE_MAX;
    for (const auto& [base, e] : model) {
      if (e.size >= want) best = std::min(best, e.size);
    }
    return best;
  };
  auto take_from_model = [&](const CachedMapping& m) {
    auto it = model.find(m.base);
    ASSERT_NE(it, model.end()) << "the index handed out a mapping the model does not hold";
    ASSERT_EQ(it->second.size, m.size);
    model.erase(it);
  };
  int exact_takes = 0;
  for (int step = 0; step < 20000; ++step) {
    const uint64_t op = rng() % 10;
    CachedMapping m;
    if (op < 4) {
      m = maps.Make(random_size());
      ASSERT_TRUE(index.Insert(m, now));
      model[m.base] = Entry{m.size, now};
    } else if (op < 5) {
      const size_t max = random_size();
      const size_t min = max / 2 + rng() % (max / 2);
      // The largest size in the model from `min` to `max`.
      size_t largest = 0;
      for (const auto& [base, e] : model) {
        if (e.size >= min && e.size <= max) largest = std::max(largest, e.size);
      }
      const bool exact = buckets_short();
      if (index.TakeLargestIn(min, max, &m)) {
        ASSERT_GE(m.size, min);
        ASSERT_LE(m.size, max);
        if (exact) {
          ASSERT_EQ(LargeCacheIndex::BucketOf(m.size), LargeCacheIndex::BucketOf(largest)) << m.size << " in " << min
                                                                                           << " to " << max;
          ++exact_takes;
        }
        take_from_model(m);
      } else if (exact) {
        ASSERT_EQ(largest, 0u) << "missed " << min << " to " << max << " with " << largest << " cached";
      }
    } else if (op < 6) {
      const size_t want = random_size();
      const bool exact = buckets_short();
      const size_t fit = smallest_at_least(want);
      if (index.TakeAtLeast(want, &m)) {
        ASSERT_GE(m.size, want);
        if (exact) {
          ASSERT_EQ(LargeCacheIndex::BucketOf(m.size), LargeCacheIndex::BucketOf(fit)) << m.size << " for " << want;
          ++exact_takes;
        }
        take_from_model(m);
      } else if (exact) {
        ASSERT_EQ(fit, SIZE_MAX) << "missed " << want << " with " << fit << " cached";
      }
    } else if (op < 8) {
      const size_t want = random_size();
      const bool exact = buckets_short();
      const size_t fit = smallest_at_least(want);
      if (index.TakeFit(want, &m)) {
        ASSERT_GE(m.size, want);
        ASSERT_LE(m.size / 2, want);
        if (exact) {
          ASSERT_EQ(LargeCacheIndex::BucketOf(m.size), LargeCacheIndex::BucketOf(fit)) << m.size << " for " << want;
          ++exact_takes;
        }
        take_from_model(m);
      } else if (exact) {
        ASSERT_FALSE(fit != SIZE_MAX && fit / 2 <= want) << "missed " << want << " with " << fit << " cached";
      }
    } else if (op < 9) {
      const size_t limit = random_size();
      if (index.TakeSmallestUnder(limit, &m)) {
        ASSERT_LT(m.size, limit);
        if (buckets_short()) {
          ASSERT_EQ(LargeCacheIndex::BucketOf(m.size), LargeCacheIndex::BucketOf(smallest_at_least(0)));
        }
        take_from_model(m);
      }
    } else {
      // Entries live about 40 steps: the model holds a dozen or so, and its
      // buckets are mostly short enough for the exact checks.
      const uint64_t cutoff = now > 40 ? now - 30 - rng() % 20 : 0;
      for (const CachedMapping& taken : TakeCachedAtOrBefore(index, cutoff)) take_from_model(taken);
      for (const auto& [base, e] : model) ASSERT_GT(e.at, cutoff) << "left behind";
    }
    ++now;
    ASSERT_EQ(index.count(), model.size());
    size_t bytes = 0;
    uint64_t oldest = UINT64_MAX;
    for (const auto& [base, e] : model) {
      bytes += e.size;
      oldest = std::min(oldest, e.at);
    }
    ASSERT_EQ(index.bytes(), bytes);
    if (!model.empty()) {
      ASSERT_EQ(index.OldestCachedAtMs(), oldest);
    }
  }
  EXPECT_GT(exact_takes, 1000) << "the exact checks ran too seldom to mean much";
}

}  // namespace
}  // namespace hakmem
