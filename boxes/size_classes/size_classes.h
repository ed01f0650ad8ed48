// Size classes: the block sizes the slab allocator serves, in one of two
// spacings (the lean_classes switch, on in every profile):
//
//  * lean, 67 classes: 16..256 B in 16 B steps (16 classes); eight per power
//    of two up to 1 KiB (16: 32 and 64 B steps); five per power of two up to
//    8 KiB (15: the power of two times 9/8, 5/4, 3/2, 7/4 and 2); four per
//    power of two up to 256 KiB (20). A request above 256 B is rounded up by
//    less than an eighth of itself up to 1 KiB, and by less than a quarter
//    above.
//  * fine, 96 classes: 16..1024 B in 16 B steps (64), then four per power of
//    two up to 256 KiB (32).
//  * larger requests are large objects (boxes/large_objects).
//
// Below 1 KiB lean spacing has fewer classes: fewer partly used pages and,
// since each class's free blocks serve only its own requests, a smaller peak
// when the classes' live counts swing independently: Mixed's peak RSS drops
// 6 % (ws=8192) and 7 % (ws=400) for 2.7 % more bytes per block
// (docs/PERFORMANCE.md, experiment 16); with two threads, where every class
// keeps at least a span per heap, the soak's peak drops from 18.35 to
// 16.54 MiB (experiment 37). From 1 to 8 KiB it adds a class an eighth over
// each power of two, for a power of two with a header (SQLite's page cache
// asks for 4096 + 272 B: 4608, not 5120), but not the other eighths, whose
// swings cost more than they save where sizes are spread (experiment 100).
// Every class size is a multiple of 16, so every block is aligned to
// alignof(max_align_t); aligned allocation looks for a class that is a
// multiple of the alignment (a power of two is one).
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

inline constexpr size_t kMaxSlabSize = 256 * 1024;
// Requests up to this size find their class with one table lookup.
inline constexpr size_t kLookupMaxSize = 4096;
// Up to this size the spacings differ, and a table gives the class; above it
// both have four classes per power of two.
inline constexpr size_t kTableMaxSize = 8192;
inline constexpr size_t kMaxClasses = 96;

namespace size_classes_internal {

constexpr size_t Log2Floor(size_t x) { return 63 - static_cast<size_t>(__builtin_clzll(x)); }

struct ClassTable {
  size_t count = 0;
  std::array<uint32_t, kMaxClasses> sizes{};
};

constexpr ClassTable MakeClassTable(bool lean) {
  ClassTable t;
  auto add = [&t](size_t size) { t.sizes[t.count++] = static_cast<uint32_t>(size); };
  const size_t steps_end = lean ? 256 : 1024;
  for (size_t size = 16; size <= steps_end; size += 16) add(size);
  for (size_t pow = steps_end; pow < kMaxSlabSize; pow *= 2) {
    if (lean && pow < 1024) {
      for (size_t eighth = 9; eighth <= 16; ++eighth) add(pow / 8 * eighth);
    } else {
      if (lean && pow < kTableMaxSize) add(pow / 8 * 9);
      for (size_t quarter = 5; quarter <= 8; ++quarter) add(pow / 4 * quarter);
    }
  }
  return t;
}

inline constexpr ClassTable kFineTable = MakeClassTable(false);
inline constexpr ClassTable kLeanTable = MakeClassTable(true);
inline constexpr const ClassTable& kTable = kLeanClasses ? kLeanTable : kFineTable;

// The smallest class of `t` whose size is >= i * 16, for sizes up to kTableMaxSize.
constexpr std::array<uint8_t, kTableMaxSize / 16 + 1> MakeLookup(const ClassTable& t) {
  std::array<uint8_t, kTableMaxSize / 16 + 1> lut{};
  size_t cls = 0;
  for (size_t i = 0; i < lut.size(); ++i) {
    while (t.sizes[cls] < i * 16) ++cls;
    lut[i] = static_cast<uint8_t>(cls);
  }
  return lut;
}

inline constexpr auto kLookup = MakeLookup(kTable);

}  // namespace size_classes_internal

inline constexpr size_t kNumClasses = size_classes_internal::kTable.count;

constexpr size_t ClassSize(size_t cls) { return size_classes_internal::kTable.sizes[cls]; }

// The smallest class whose size is >= `size` (size <= kMaxSlabSize).
constexpr size_t ComputeClass(size_t size) {
  using size_classes_internal::kLookup;
  if (size <= kTableMaxSize) return kLookup[(size + 15) >> 4];
  const size_t s = size - 1;
  const size_t log2 = size_classes_internal::Log2Floor(s);
  return kLookup[kTableMaxSize / 16] + 1 + (log2 - size_classes_internal::Log2Floor(kTableMaxSize)) * 4 +
         ((s >> (log2 - 2)) & 3);
}

// Fast path: size <= kLookupMaxSize.
inline size_t SmallSizeClass(size_t size) { return size_classes_internal::kLookup[(size + 15) >> 4]; }

inline size_t SizeClass(size_t size) { return size <= kLookupMaxSize ? SmallSizeClass(size) : ComputeClass(size); }

static_assert(size_classes_internal::kFineTable.count == 96 && size_classes_internal::kLeanTable.count == 67);
static_assert(kNumClasses <= kMaxClasses);
static_assert(ClassSize(kNumClasses - 1) == kMaxSlabSize);
static_assert(ComputeClass(kMaxSlabSize) == kNumClasses - 1);
static_assert(ComputeClass(kTableMaxSize + 1) == ComputeClass(kTableMaxSize) + 1);

}  // namespace hakmem

#endif  // HAKMEM_BOXES_SIZE_CLASSES_SIZE_CLASSES_H_
