// Size classes: the block sizes the slab allocator serves.
//
//  * tiny:   16..1024 B in 16 B steps (64 classes): waste < 16 B per block.
//  * small/medium: 1280 B..256 KiB, four classes per power of two (32 classes):
//    a request is rounded up by less than 25 % of itself.
//  * larger requests are large objects (boxes/large_objects).
// With lean spacing (the lean_classes switch, on in every profile) requests of
// 257..1024 B are served by every second or fourth of the tiny classes: eight
// per power of two (32 and 64 B steps), waste < 12.5 %. Fewer classes in use
// means fewer partly used pages and, since each class's free blocks serve only
// its own requests, a smaller peak when the classes' live counts swing
// independently: Mixed's peak RSS drops 6 % (ws=8192) and 7 % (ws=400) for
// 2.7 % more bytes per block (docs/PERFORMANCE.md, experiment 16); with two
// threads, where every class keeps at least a span per heap, the soak's peak
// drops from 18.35 to 16.54 MiB for 1-2 % of single-threaded speed where the
// live set leaves the caches (experiment 37).
// Every class size is a multiple of 16, so every block is aligned to
// alignof(max_align_t); class sizes above 1 KiB are multiples of a quarter of
// their power of two, which aligned allocation relies on.
#ifndef HAKMEM_BOXES_SIZE_CLASSES_SIZE_CLASSES_H_
#define HAKMEM_BOXES_SIZE_CLASSES_SIZE_CLASSES_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "profiles/profile.h"

namespace hakmem {

#if HAKMEM_LEAN_CLASSES
inline constexpr bool kLeanClasses = true;
#else
inline constexpr bool kLeanClasses = false;
#endif

inline constexpr size_t kNumTinyClasses = 64;
inline constexpr size_t kNumClasses = 96;
inline constexpr size_t kMaxTinySize = 1024;
inline constexpr size_t kMaxSlabSize = 256 * 1024;
// Requests up to this size find their class with one table lookup.
inline constexpr size_t kLookupMaxSize = 4096;

constexpr size_t ClassSizeOf(size_t cls) {
  if (cls < kNumTinyClasses) return (cls + 1) * 16;
  const size_t j = cls - kNumTinyClasses;
  return (5 + (j & 3)) << (8 + j / 4);
}

// The smallest class whose size is >= `size` (size <= kMaxSlabSize).
constexpr size_t ComputeClass(size_t size) {
  if (size <= kMaxTinySize) return size == 0 ? 0 : (size - 1) >> 4;
  const size_t s = size - 1;
  const size_t log2 = 63 - static_cast<size_t>(__builtin_clzll(s));
  return kNumTinyClasses + (log2 - 10) * 4 + ((s >> (log2 - 2)) & 3);
}

// Lean spacing: sizes of 257..1024 B rounded up to an eighth of their power of
// two (a class size, since every multiple of 16 up to 1 KiB is one).
constexpr size_t LeanRoundUp(size_t size) {
  if (size <= 256 || size > kMaxTinySize) return size;
  const size_t log2 = 63 - static_cast<size_t>(__builtin_clzll(size - 1));
  const size_t step = size_t{1} << (log2 - 3);
  return (size + step - 1) & ~(step - 1);
}

namespace size_classes_internal {

constexpr std::array<uint8_t, kLookupMaxSize / 16 + 1> MakeLookup(bool lean) {
  std::array<uint8_t, kLookupMaxSize / 16 + 1> lut{};
  for (size_t i = 0; i < lut.size(); ++i) {
    lut[i] = static_cast<uint8_t>(ComputeClass(lean ? LeanRoundUp(i * 16) : i * 16));
  }
  return lut;
}

constexpr std::array<uint32_t, kNumClasses> MakeSizes() {
  std::array<uint32_t, kNumClasses> sizes{};
  for (size_t c = 0; c < kNumClasses; ++c) sizes[c] = static_cast<uint32_t>(ClassSizeOf(c));
  return sizes;
}

inline constexpr auto kLookup = MakeLookup(kLeanClasses);
inline constexpr auto kSizes = MakeSizes();

}  // namespace size_classes_internal

// Fast path: size <= kLookupMaxSize.
inline size_t SmallSizeClass(size_t size) {
  return size_classes_internal::kLookup[(size + 15) >> 4];
}

inline size_t SizeClass(size_t size) {
  return size <= kLookupMaxSize ? SmallSizeClass(size) : ComputeClass(size);
}

inline size_t ClassSize(size_t cls) { return size_classes_internal::kSizes[cls]; }

static_assert(ClassSizeOf(kNumTinyClasses - 1) == kMaxTinySize);
static_assert(ClassSizeOf(kNumTinyClasses) == 1280);
static_assert(ClassSizeOf(kNumClasses - 1) == kMaxSlabSize);
static_assert(ComputeClass(kMaxSlabSize) == kNumClasses - 1);

}  // namespace hakmem

#endif  // HAKMEM_BOXES_SIZE_CLASSES_SIZE_CLASSES_H_
