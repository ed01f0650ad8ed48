// The large-object cache's index: freed large mappings, found by size (for
// reuse) and by age (for the decay), each operation O(1) or a short bounded
// scan however many mappings wait (a program whose threads free large objects
// in bursts may keep hundreds: docs/PERFORMANCE.md, experiment 73). Not
// thread-safe: the caller locks.
//
// By size the mappings sit in lists per size bucket, four buckets per power of
// two of pages (as jemalloc's extent heaps), with a bitmap of the non-empty
// ones; by age, in one list from the newest to the oldest. The entries are the
// index's own, in one array: kept in each mapping's header page instead, every
// entry a lookup compared was a TLB and a cache miss of its own (experiment 73).
#ifndef HAKMEM_BOXES_LARGE_OBJECTS_LARGE_CACHE_H_
#define HAKMEM_BOXES_LARGE_OBJECTS_LARGE_CACHE_H_

#include <cstddef>
#include <cstdint>

namespace hakmem {

// A freed mapping as the cache hands it back. (Whether its pages read as zero
// is the index's to say: the caller keeps those in an index of their own.)
struct CachedMapping {
  void* base = nullptr;
  size_t size = 0;  // bytes, a multiple of the page size
};

// One cached mapping's entry, in its size bucket's list and in the age list.
struct LargeCacheNode {
  LargeCacheNode* prev_in_bucket;
  LargeCacheNode* next_in_bucket;
  LargeCacheNode* newer;
  LargeCacheNode* older;
  CachedMapping mapping;
  uint64_t cached_at_ms;
  uint32_t bucket;
};

// The index proper; its entries' storage is LargeCacheIndexOf's, which fixes
// how many it holds (a static, zero-initialised: no pointer to it is kept).
class LargeCacheIndex {
 public:
  static constexpr size_t kPageShift = 12;
  // Four buckets per power of two of pages, for up to 2^44 pages.
  static constexpr uint32_t kBuckets = 4 * 44;
  // How many entries of a bucket a lookup compares before it gives up on the
  // bucket.
  static constexpr uint32_t kScanLimit = 16;

  LargeCacheIndex(const LargeCacheIndex&) = delete;
  LargeCacheIndex& operator=(const LargeCacheIndex&) = delete;

  // Takes out a mapping of at least `size` bytes and at most twice that, from
  // the bucket of the smallest such (so at most a quarter larger than the
  // smallest, but for buckets longer than kScanLimit); false when there is
  // none.
  bool TakeFit(size_t size, CachedMapping* out);
  // Whether TakeFit(size) would find a mapping.
  bool HasFit(size_t size) const;
  // Takes out a mapping of at least `size` bytes, however much larger, from
  // the bucket of the smallest such (as TakeFit, within a quarter of it); false
  // when there is none.
  bool TakeAtLeast(size_t size, CachedMapping* out);
  // Takes out a mapping of `min` to `max` bytes, from the bucket of the
  // largest such (within a quarter of it); false when there is none.
  bool TakeLargestIn(size_t min, size_t max, CachedMapping* out);
  // Takes out a mapping of the smallest bucket if it is under `limit` bytes.
  bool TakeSmallestUnder(size_t limit, CachedMapping* out);
  // Takes out the mappings cached at or before `cutoff_ms`, oldest first, at
  // most `max` of them, into out[]; returns how many. (The caller unmaps them
  // after it drops its lock, and asks again while it gets `max`.)
  size_t TakeCachedAtOrBefore(uint64_t cutoff_ms, CachedMapping* out, size_t max);

  // When the oldest entry was cached. Only with count() != 0.
  uint64_t OldestCachedAtMs() const { return oldest_->cached_at_ms; }
  size_t count() const { return count_; }
  size_t bytes() const { return bytes_; }

  static uint32_t BucketOf(size_t size);
  // The fewest bytes a mapping in `bucket` holds.
  static size_t BucketFloor(uint32_t bucket);

 protected:
  constexpr LargeCacheIndex() = default;
  ~LargeCacheIndex() = default;
  // Insert, with `storage`, the `capacity` entries the index draws on.
  bool InsertInto(LargeCacheNode* storage, size_t capacity, const CachedMapping& mapping, uint64_t now_ms);

 private:
  // The first entry of the bucket of `min` to `max` bytes (at most
  // kScanLimit compared), or nullptr.
  LargeCacheNode* FirstIn(uint32_t bucket, size_t min, size_t max) const;
  // The first non-empty bucket at or after `bucket`, or kBuckets.
  uint32_t NonEmptyFrom(uint32_t bucket) const;
  // The last non-empty bucket at or before `bucket`, or kBuckets.
  uint32_t NonEmptyUpTo(uint32_t bucket) const;
  // An entry of `min` to `max` bytes from the bucket of the smallest such, or
  // nullptr.
  LargeCacheNode* Find(size_t min, size_t max) const;
  // The entry TakeFit(size) takes, or nullptr.
  LargeCacheNode* FindFit(size_t size) const;
  // Takes the entry out of its bucket's list and frees it (the age list is
  // the caller's).
  void UnlinkFromBucketAndFree(LargeCacheNode* node);
  CachedMapping Remove(LargeCacheNode* node);

  // What every insert and take writes comes first, in one cache line with the
  // bitmap's first word (buckets of up to 256 MiB), and the entries last, so
  // that a cache holding a few mappings has written its first page only (the
  // indexes in large_objects.cc start a page), and two threads taking turns
  // at the lock move as few lines as they can.
  alignas(64) size_t count_ = 0;
  size_t bytes_ = 0;
  LargeCacheNode* newest_ = nullptr;
  LargeCacheNode* oldest_ = nullptr;
  // Entries never used yet are storage[used_...]; released ones wait on
  // free_nodes_ (linked through next_in_bucket).
  size_t used_ = 0;
  LargeCacheNode* free_nodes_ = nullptr;
  uint64_t non_empty_[(kBuckets + 63) / 64] = {};
  LargeCacheNode* buckets_[kBuckets] = {};
};

// An index of at most `kCapacity` mappings, its entries stored after it.
template <size_t kCapacity>
class LargeCacheIndexOf : public LargeCacheIndex {
 public:
  constexpr LargeCacheIndexOf() = default;
  static constexpr size_t capacity() { return kCapacity; }
  // Records `mapping`, freed at `now_ms`, as the newest entry; false when the
  // index holds kCapacity mappings already.
  bool Insert(const CachedMapping& mapping, uint64_t now_ms) { return InsertInto(entries_, kCapacity, mapping, now_ms); }

 private:
  LargeCacheNode entries_[kCapacity] = {};
};

}  // namespace hakmem

#endif  // HAKMEM_BOXES_LARGE_OBJECTS_LARGE_CACHE_H_
