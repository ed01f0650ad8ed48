#include "boxes/large_objects/large_cache.h"

namespace hakmem {

uint32_t LargeCacheIndex::BucketOf(size_t size) {
  const size_t pages = size >> kPageShift;
  if (pages < 4) return static_cast<uint32_t>(pages);
  const uint32_t lg = 63 - static_cast<uint32_t>(__builtin_clzll(pages));
  const uint32_t bucket = 4 * lg + static_cast<uint32_t>((pages >> (lg - 2)) & 3);
  return bucket < kBuckets ? bucket : kBuckets - 1;
}

bool LargeCacheIndex::InsertInto(LargeCacheNode* storage, size_t capacity, const CachedMapping& mapping,
                                 uint64_t now_ms) {
  LargeCacheNode* node = free_nodes_;
  if (node != nullptr) {
    free_nodes_ = node->next_in_bucket;
  } else if (used_ < capacity) {
    node = &storage[used_++];
  } else {
    return false;
  }
  const uint32_t bucket = BucketOf(mapping.size);
  node->mapping = mapping;
  node->cached_at_ms = now_ms;
  node->bucket = bucket;
  node->prev_in_bucket = nullptr;
  node->next_in_bucket = buckets_[bucket];
  if (node->next_in_bucket != nullptr) node->next_in_bucket->prev_in_bucket = node;
  buckets_[bucket] = node;
  non_empty_[bucket / 64] |= uint64_t{1} << (bucket % 64);
  node->newer = nullptr;
  node->older = newest_;
  if (newest_ != nullptr) {
    newest_->newer = node;
  } else {
    oldest_ = node;
  }
  newest_ = node;
  ++count_;
  bytes_ += mapping.size;
  return true;
}

LargeCacheNode* LargeCacheIndex::FirstIn(uint32_t bucket, size_t min, size_t max) const {
  uint32_t compared = 0;
  for (LargeCacheNode* n = buckets_[bucket]; n != nullptr && compared < kScanLimit; n = n->next_in_bucket) {
    ++compared;
    if (n->mapping.size >= min && n->mapping.size <= max) return n;
  }
  return nullptr;
}

uint32_t LargeCacheIndex::NonEmptyFrom(uint32_t bucket) const {
  for (uint32_t word = bucket / 64; word < sizeof(non_empty_) / sizeof(non_empty_[0]); ++word) {
    uint64_t bits = non_empty_[word];
    if (word == bucket / 64) bits &= ~uint64_t{0} << (bucket % 64);
    if (bits != 0) return word * 64 + static_cast<uint32_t>(__builtin_ctzll(bits));
  }
  return kBuckets;
}

uint32_t LargeCacheIndex::NonEmptyUpTo(uint32_t bucket) const {
  for (uint32_t word = bucket / 64 + 1; word-- > 0;) {
    uint64_t bits = non_empty_[word];
    if (word == bucket / 64 && bucket % 64 != 63) bits &= (uint64_t{1} << (bucket % 64 + 1)) - 1;
    if (bits != 0) return word * 64 + 63 - static_cast<uint32_t>(__builtin_clzll(bits));
  }
  return kBuckets;
}

size_t LargeCacheIndex::BucketFloor(uint32_t bucket) {
  // BucketOf's inverse: bucket 4 * lg + q (lg >= 2) holds (4 + q) << (lg - 2)
  // pages and up; buckets 4-7 stay empty.
  if (bucket < 8) return size_t{bucket < 4 ? bucket : 4} << kPageShift;
  const size_t pages = size_t{4 + bucket % 4} << (bucket / 4 - 2);
  return pages << kPageShift;
}

LargeCacheNode* LargeCacheIndex::Find(size_t min, size_t max) const {
  // Entries of `min`'s own bucket may be smaller than it; those of any later
  // bucket are not, and the first non-empty one holds the smallest (within a
  // quarter: the first that is at most `max` will do).
  const uint32_t bucket = BucketOf(min);
  if (LargeCacheNode* found = FirstIn(bucket, min, max)) return found;
  const uint32_t next = bucket + 1 < kBuckets ? NonEmptyFrom(bucket + 1) : kBuckets;
  return next == kBuckets ? nullptr : FirstIn(next, min, max);
}

LargeCacheNode* LargeCacheIndex::FindFit(size_t size) const {
  return Find(size, size <= SIZE_MAX / 2 ? 2 * size : SIZE_MAX);
}

bool LargeCacheIndex::TakeFit(size_t size, CachedMapping* out) {
  LargeCacheNode* node = FindFit(size);
  if (node == nullptr) return false;
  *out = Remove(node);
  return true;
}

bool LargeCacheIndex::HasFit(size_t size) const { return FindFit(size) != nullptr; }

bool LargeCacheIndex::TakeAtLeast(size_t size, CachedMapping* out) {
  LargeCacheNode* node = Find(size, SIZE_MAX);
  if (node == nullptr) return false;
  *out = Remove(node);
  return true;
}

bool LargeCacheIndex::TakeLargestIn(size_t min, size_t max, CachedMapping* out) {
  if (min > max) return false;
  // From `max`'s bucket down, while a bucket may hold `min` bytes or more.
  for (uint32_t b = NonEmptyUpTo(BucketOf(max)); b != kBuckets; b = b == 0 ? kBuckets : NonEmptyUpTo(b - 1)) {
    if (LargeCacheNode* node = FirstIn(b, min, max)) {
      *out = Remove(node);
      return true;
    }
    if (BucketFloor(b) <= min) break;
  }
  return false;
}

bool LargeCacheIndex::TakeSmallestUnder(size_t limit, CachedMapping* out) {
  const uint32_t first = NonEmptyFrom(0);
  if (first == kBuckets) return false;
  LargeCacheNode* node = buckets_[first];
  if (node->mapping.size >= limit) return false;
  *out = Remove(node);
  return true;
}

void LargeCacheIndex::UnlinkFromBucketAndFree(LargeCacheNode* node) {
  const uint32_t bucket = node->bucket;
  if (node->prev_in_bucket != nullptr) {
    node->prev_in_bucket->next_in_bucket = node->next_in_bucket;
  } else {
    buckets_[bucket] = node->next_in_bucket;
  }
  if (node->next_in_bucket != nullptr) node->next_in_bucket->prev_in_bucket = node->prev_in_bucket;
  if (buckets_[bucket] == nullptr) non_empty_[bucket / 64] &= ~(uint64_t{1} << (bucket % 64));
  --count_;
  bytes_ -= node->mapping.size;
  node->next_in_bucket = free_nodes_;  // the entry is free from here on
  free_nodes_ = node;
}

CachedMapping LargeCacheIndex::Remove(LargeCacheNode* node) {
  const CachedMapping mapping = node->mapping;
  if (node->newer != nullptr) {
    node->newer->older = node->older;
  } else {
    newest_ = node->older;
  }
  if (node->older != nullptr) {
    node->older->newer = node->newer;
  } else {
    oldest_ = node->newer;
  }
  UnlinkFromBucketAndFree(node);  // last: the entry is free after it
  return mapping;
}

size_t LargeCacheIndex::TakeCachedAtOrBefore(uint64_t cutoff_ms, CachedMapping* out, size_t max) {
  // Entries join at the newest end, so the ones due are the oldest run. (Threads
  // read the clock before they lock: an entry may be a tick older than the one
  // before it, and waits for that one.)
  size_t n = 0;
  while (n < max && oldest_ != nullptr && oldest_->cached_at_ms <= cutoff_ms) out[n++] = Remove(oldest_);
  return n;
}

}  // namespace hakmem
