// Fill patterns that depend on a block's address and size, so that a block
// handed out twice, overlapping another, or moved without its contents shows
// up as a mismatch rather than as a coincidentally equal byte.
#ifndef HAKMEM_ALLOCATOR_TESTS_PATTERN_H_
#define HAKMEM_ALLOCATOR_TESTS_PATTERN_H_

#include <cstddef>
#include <cstdint>

namespace hakmem_test {

// __builtin_memcpy: the tests build with -fno-builtin, and a library call per
// word would make pattern checks the slowest part of every test.

inline constexpr size_t kPatternOk = static_cast<size_t>(-1);

// `key` is the block's address unless the contents were copied from elsewhere
// (realloc), in which case it is the address the pattern was written at.
inline uint64_t PatternWord(uintptr_t key, size_t size, size_t word_index) {
  uint64_t x = (static_cast<uint64_t>(key) ^ (static_cast<uint64_t>(size) << 32) ^ size) +
               (word_index + 1) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  return x ^ (x >> 32);
}

// Writes the pattern for (key, size) into the first `length` bytes of `p`.
inline void FillPattern(void* p, size_t length, uintptr_t key, size_t size) {
  auto* bytes = static_cast<unsigned char*>(p);
  const size_t words = length / 8;
  for (size_t i = 0; i < words; ++i) {
    const uint64_t w = PatternWord(key, size, i);
    __builtin_memcpy(bytes + i * 8, &w, 8);
  }
  if (length % 8 != 0) {
    const uint64_t w = PatternWord(key, size, words);
    __builtin_memcpy(bytes + words * 8, &w, length % 8);
  }
}

// Offset of the first byte in [0, length) that differs from the pattern, or
// kPatternOk.
inline size_t FindPatternMismatch(const void* p, size_t length, uintptr_t key, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  const size_t words = length / 8;
  for (size_t i = 0; i < words; ++i) {
    const uint64_t want = PatternWord(key, size, i);
    uint64_t got;
    __builtin_memcpy(&got, bytes + i * 8, 8);
    if (got != want) {
      for (size_t b = 0; b < 8; ++b) {
        if (((got >> (8 * b)) & 0xFF) != ((want >> (8 * b)) & 0xFF)) return i * 8 + b;
      }
    }
  }
  if (length % 8 != 0) {
    const uint64_t want = PatternWord(key, size, words);
    for (size_t b = 0; b < length % 8; ++b) {
      if (bytes[words * 8 + b] != ((want >> (8 * b)) & 0xFF)) return words * 8 + b;
    }
  }
  return kPatternOk;
}

// The common case: pattern keyed by the block's own address.
inline void FillBlock(void* p, size_t length) {
  FillPattern(p, length, reinterpret_cast<uintptr_t>(p), length);
}
inline size_t FindBlockMismatch(const void* p, size_t length) {
  return FindPatternMismatch(p, length, reinterpret_cast<uintptr_t>(p), length);
}

// Offset of the first non-zero byte, or kPatternOk.
inline size_t FindNonZero(const void* p, size_t length) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t w;
    __builtin_memcpy(&w, bytes + i, 8);
    if (w != 0) break;
  }
  for (; i < length; ++i) {
    if (bytes[i] != 0) return i;
  }
  return kPatternOk;
}

}  // namespace hakmem_test

#endif  // HAKMEM_ALLOCATOR_TESTS_PATTERN_H_
