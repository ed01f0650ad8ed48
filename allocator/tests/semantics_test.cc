// The C allocation functions behave as glibc's do (docs/API.md): edge cases,
// error codes, alignment, realloc, calloc, sized frees, trim.
#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

using A = Backend;

constexpr size_t kMaxAlign = alignof(std::max_align_t);
const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));

bool IsAligned(const void* p, size_t align) { return reinterpret_cast<uintptr_t>(p) % align == 0; }

TEST(SemanticsTest, MallocZeroReturnsDistinctFreeablePointers) {
  std::set<void*> seen;
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) {
    void* p = A::Malloc(Opaque<size_t>(0));
    ASSERT_NE(p, nullptr) << "malloc(0) #" << i;
    EXPECT_TRUE(seen.insert(p).second) << "malloc(0) returned " << p << " twice while live";
    EXPECT_TRUE(IsAligned(p, kMaxAlign)) << p;
    blocks.push_back(p);
  }
  for (void* p : blocks) A::Free(p);
}

TEST(SemanticsTest, RequestAbovePtrdiffMaxFailsWithEnomem) {
  const size_t sizes[] = {static_cast<size_t>(PTRDIFF_MAX) + 1, SIZE_MAX / 2 + 4096, SIZE_MAX - 4096,
                          SIZE_MAX};
  for (size_t n : sizes) {
    errno = 0;
    void* p = A::Malloc(Opaque(n));
    EXPECT_EQ(p, nullptr) << "malloc(" << n << ")";
    EXPECT_EQ(errno, ENOMEM) << "malloc(" << n << ")";
    if (p != nullptr) A::Free(p);

    errno = 0;
    p = A::Realloc(nullptr, Opaque(n));
    EXPECT_EQ(p, nullptr) << "realloc(NULL, " << n << ")";
    EXPECT_EQ(errno, ENOMEM) << "realloc(NULL, " << n << ")";
    if (p != nullptr) A::Free(p);

    errno = 0;
    p = A::AlignedAlloc(64, Opaque(n));
    EXPECT_EQ(p, nullptr) << "aligned_alloc(64, " << n << ")";
    EXPECT_EQ(errno, ENOMEM) << "aligned_alloc(64, " << n << ")";
    if (p != nullptr) A::Free(p);

    errno = 0;
    p = A::Memalign(4096, Opaque(n));
    EXPECT_EQ(p, nullptr) << "memalign(4096, " << n << ")";
    EXPECT_EQ(errno, ENOMEM) << "memalign(4096, " << n << ")";
    if (p != nullptr) A::Free(p);

    void* sentinel = reinterpret_cast<void*>(uintptr_t{0x1234});
    void* out = sentinel;
    EXPECT_EQ(A::PosixMemalign(&out, 64, Opaque(n)), ENOMEM) << "posix_memalign(64, " << n << ")";
    EXPECT_EQ(out, sentinel) << "posix_memalign must leave *out untouched on failure";
  }
}

TEST(SemanticsTest, FailedReallocLeavesBlockIntact) {
  const size_t n = 1000;
  void* p = A::Malloc(n);
  ASSERT_NE(p, nullptr);
  FillBlock(p, n);
  errno = 0;
  // Opaque(p): the compiler cannot know a failed realloc keeps p valid.
  void* q = A::Realloc(Opaque(p), Opaque(static_cast<size_t>(PTRDIFF_MAX) + 1));
  EXPECT_EQ(q, nullptr);
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_EQ(FindBlockMismatch(p, n), kPatternOk) << "failed realloc changed the old block";
  A::Free(q == nullptr ? p : q);
}

TEST(SemanticsTest, CallocAndReallocarrayOverflowFailWithEnomem) {
  struct Product {
    size_t count, size;
  };
  const Product overflowing[] = {
      {SIZE_MAX, 2}, {2, SIZE_MAX}, {SIZE_MAX / 2 + 1, 2}, {size_t{1} << 33, size_t{1} << 33},
      {SIZE_MAX, SIZE_MAX}, {65537, SIZE_MAX / 65536},
  };
  for (const Product& pr : overflowing) {
    errno = 0;
    void* p = A::Calloc(Opaque(pr.count), Opaque(pr.size));
    EXPECT_EQ(p, nullptr) << "calloc(" << pr.count << ", " << pr.size << ")";
    EXPECT_EQ(errno, ENOMEM) << "calloc(" << pr.count << ", " << pr.size << ")";
    if (p != nullptr) A::Free(p);

    errno = 0;
    p = A::Reallocarray(nullptr, Opaque(pr.count), Opaque(pr.size));
    EXPECT_EQ(p, nullptr) << "reallocarray(NULL, " << pr.count << ", " << pr.size << ")";
    EXPECT_EQ(errno, ENOMEM) << "reallocarray(NULL, " << pr.count << ", " << pr.size << ")";
    if (p != nullptr) A::Free(p);

    // A failed reallocarray leaves the old block alone.
    void* old = A::Malloc(100);
    ASSERT_NE(old, nullptr);
    FillBlock(old, 100);
    errno = 0;
    p = A::Reallocarray(Opaque(old), Opaque(pr.count), Opaque(pr.size));
    EXPECT_EQ(p, nullptr) << "reallocarray(p, " << pr.count << ", " << pr.size << ")";
    EXPECT_EQ(errno, ENOMEM);
    EXPECT_EQ(FindBlockMismatch(old, 100), kPatternOk);
    A::Free(p == nullptr ? old : p);
  }
  // Products that do not overflow but exceed PTRDIFF_MAX fail the same way.
  errno = 0;
  void* p = A::Calloc(Opaque(size_t{1} << 32), Opaque(size_t{1} << 31));
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(errno, ENOMEM);
  if (p != nullptr) A::Free(p);
}

TEST(SemanticsTest, ReallocarrayBehavesAsRealloc) {
  void* p = A::Reallocarray(nullptr, 10, 10);
  ASSERT_NE(p, nullptr);
  ASSERT_GE(A::UsableSize(p), 100u);
  FillBlock(p, 100);
  const uintptr_t key = reinterpret_cast<uintptr_t>(p);
  void* q = A::Reallocarray(p, 1000, 10);
  ASSERT_NE(q, nullptr);
  ASSERT_GE(A::UsableSize(q), 10000u);
  EXPECT_EQ(FindPatternMismatch(q, 100, key, 100), kPatternOk);
  A::Free(q);
}

TEST(SemanticsTest, PosixMemalignRejectsInvalidAlignmentWithoutTouchingOut) {
  std::vector<size_t> invalid = {0, 1, 2, 3, 4, 6, 12, 24, 40, 48, 96, 4095, 4097, 3 * 4096,
                                 sizeof(void*) + 1, (size_t{1} << 20) + 8, SIZE_MAX};
  for (size_t align : invalid) {
    if (align >= sizeof(void*) && align % sizeof(void*) == 0 && ((align & (align - 1)) == 0)) continue;
    void* sentinel = reinterpret_cast<void*>(uintptr_t{0xDEAD0});
    void* out = sentinel;
    EXPECT_EQ(A::PosixMemalign(&out, Opaque(align), 16), EINVAL) << "alignment " << align;
    EXPECT_EQ(out, sentinel) << "alignment " << align;
  }
}

TEST(SemanticsTest, AlignedAllocRejectsNonPowerOfTwoAlignment) {
  if (!Backend::kIsHakmem) {
    GTEST_SKIP() << "glibc before 2.38 rounds such alignments up; hakmem.h specifies EINVAL";
  }
  const size_t invalid[] = {0, 3, 5, 6, 12, 24, 48, 100, 4095, 4097, 3 * 4096, SIZE_MAX};
  for (size_t align : invalid) {
    errno = 0;
    void* p = A::AlignedAlloc(Opaque(align), 96);
    EXPECT_EQ(p, nullptr) << "aligned_alloc(" << align << ", 96)";
    EXPECT_EQ(errno, EINVAL) << "aligned_alloc(" << align << ", 96)";
    if (p != nullptr) A::Free(p);
  }
}

TEST(SemanticsTest, EveryPointerIsMaxAlignAligned) {
  std::vector<void*> blocks;
  for (size_t n = 0; n <= 2048; ++n) {
    void* p = A::Malloc(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_TRUE(IsAligned(p, kMaxAlign)) << "malloc(" << n << ") = " << p;
    blocks.push_back(p);
    void* c = A::Calloc(1, n);
    ASSERT_NE(c, nullptr) << n;
    EXPECT_TRUE(IsAligned(c, kMaxAlign)) << "calloc(1, " << n << ") = " << c;
    blocks.push_back(c);
  }
  for (size_t n = 4096; n <= (size_t{8} << 20); n = n * 3 / 2 + 1) {
    void* p = A::Malloc(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_TRUE(IsAligned(p, kMaxAlign)) << "malloc(" << n << ") = " << p;
    p = A::Realloc(p, n + 17);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_TRUE(IsAligned(p, kMaxAlign)) << "realloc(_, " << n + 17 << ") = " << p;
    blocks.push_back(p);
  }
  for (void* p : blocks) A::Free(p);
}

// Every alignment from 1 to 1 MiB, each with sizes around it, through every
// aligned entry point; the whole usable size must be writable.
TEST(SemanticsTest, AlignedRequestsHonourEveryPowerOfTwoUpToOneMebibyte) {
  for (size_t align = 1; align <= (size_t{1} << 20); align <<= 1) {
    const size_t sizes[] = {1, align - 1, align, align + 1, 3 * align};
    std::vector<void*> live;
    for (size_t n : sizes) {
      auto check = [&](void* p, const char* fn) {
        ASSERT_NE(p, nullptr) << fn << "(" << align << ", " << n << ")";
        EXPECT_TRUE(IsAligned(p, align)) << fn << "(" << align << ", " << n << ") = " << p;
        EXPECT_TRUE(IsAligned(p, kMaxAlign)) << fn << "(" << align << ", " << n << ") = " << p;
        const size_t usable = A::UsableSize(p);
        EXPECT_GE(usable, n) << fn << "(" << align << ", " << n << ")";
        FillBlock(p, usable);
        live.push_back(p);
      };
      check(A::AlignedAlloc(align, n), "aligned_alloc");
      check(A::Memalign(align, n), "memalign");
      if (align >= sizeof(void*)) {
        void* p = nullptr;
        ASSERT_EQ(A::PosixMemalign(&p, align, n), 0) << "posix_memalign(" << align << ", " << n << ")";
        check(p, "posix_memalign");
      }
    }
    for (void* p : live) {
      const size_t usable = A::UsableSize(p);
      EXPECT_EQ(FindBlockMismatch(p, usable), kPatternOk) << "align " << align << " block " << p;
      A::Free(p);
    }
  }
}

TEST(SemanticsTest, FreeAlignedSizedReleasesAlignedAllocBlocks) {
  for (size_t align = 1; align <= (size_t{1} << 20); align <<= 1) {
    for (size_t n : {align, 2 * align, 5 * align}) {
      void* p = A::AlignedAlloc(align, n);
      ASSERT_NE(p, nullptr);
      FillBlock(p, n);
      A::FreeAlignedSized(p, align, n);
    }
  }
}

TEST(SemanticsTest, FreeSizedReleasesBlocksOfEverySize) {
  std::vector<std::pair<void*, size_t>> live;
  for (size_t n = 1; n <= (size_t{8} << 20); n = n * 5 / 4 + 1) {
    void* p = A::Malloc(n);
    ASSERT_NE(p, nullptr);
    FillBlock(p, n);
    live.emplace_back(p, n);
    void* c = A::Calloc(n, 1);
    ASSERT_NE(c, nullptr);
    live.emplace_back(c, n);
  }
  // realloc'd blocks are freed with the size last asked for.
  void* r = A::Realloc(nullptr, 10);
  ASSERT_NE(r, nullptr);
  r = A::Realloc(r, 70000);
  ASSERT_NE(r, nullptr);
  live.emplace_back(r, 70000);
  for (auto [p, n] : live) A::FreeSized(p, n);
}

TEST(SemanticsTest, VallocIsPageAligned) {
  for (size_t n : {size_t{1}, size_t{100}, kPage - 1, kPage, kPage + 1, 10 * kPage, size_t{3} << 20}) {
    void* p = A::Valloc(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_TRUE(IsAligned(p, kPage)) << "valloc(" << n << ") = " << p;
    EXPECT_GE(A::UsableSize(p), n);
    FillBlock(p, n);
    A::Free(p);
  }
}

TEST(SemanticsTest, PvallocRoundsSizeUpToWholePages) {
  for (size_t n : {size_t{1}, size_t{100}, kPage - 1, kPage, kPage + 1, 10 * kPage + 5, size_t{3} << 20}) {
    void* p = A::Pvalloc(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_TRUE(IsAligned(p, kPage)) << "pvalloc(" << n << ") = " << p;
    const size_t rounded = (n + kPage - 1) / kPage * kPage;
    const size_t usable = A::UsableSize(p);
    EXPECT_GE(usable, rounded) << "pvalloc(" << n << ")";
    FillBlock(p, usable);
    EXPECT_EQ(FindBlockMismatch(p, usable), kPatternOk);
    A::Free(p);
  }
  void* p = A::Pvalloc(0);  // glibc gives a page
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(IsAligned(p, kPage));
  A::Free(p);
}

TEST(SemanticsTest, ReallocOfNullIsMalloc) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{24}, size_t{5000}, size_t{300000}, size_t{20} << 20}) {
    void* p = A::Realloc(nullptr, n);
    ASSERT_NE(p, nullptr) << "realloc(NULL, " << n << ")";
    EXPECT_TRUE(IsAligned(p, kMaxAlign));
    EXPECT_GE(A::UsableSize(p), n);
    FillBlock(p, n);
    EXPECT_EQ(FindBlockMismatch(p, n), kPatternOk);
    A::Free(p);
  }
}

// glibc: realloc(p, 0) frees p and returns NULL. Done many times so a leak
// (the block not really freed) would show in the heap figures tests.
TEST(SemanticsTest, ReallocToZeroFreesAndReturnsNull) {
  for (size_t n : {size_t{1}, size_t{64}, size_t{4000}, size_t{100000}, size_t{2} << 20}) {
    for (int i = 0; i < 200; ++i) {
      void* p = A::Malloc(n);
      ASSERT_NE(p, nullptr);
      FillBlock(p, n);
      void* q = A::Realloc(p, Opaque<size_t>(0));
      ASSERT_EQ(q, nullptr) << "realloc(p of " << n << ", 0)";
    }
  }
}

// tiny -> small -> medium -> large and back; contents survive every move.
TEST(SemanticsTest, ReallocPreservesContentsAcrossSizeClasses) {
  const size_t ladder[] = {1,     7,      16,     64,      250,       1024,     4000,
                           9000,  33000,  70000,  300000,  1 << 20,   (5 << 20) + 3,
                           33 << 20, (5 << 20) + 3, 1 << 20, 300000, 70000, 33000, 9000,
                           4000,  1024,   250,    64,      16,        7,        1};
  void* p = A::Malloc(ladder[0]);
  ASSERT_NE(p, nullptr);
  uintptr_t key = reinterpret_cast<uintptr_t>(p);
  size_t size = ladder[0];
  FillPattern(p, size, key, size);
  for (size_t step = 1; step < std::size(ladder); ++step) {
    const size_t next = ladder[step];
    void* q = A::Realloc(p, next);
    ASSERT_NE(q, nullptr) << size << " -> " << next;
    EXPECT_TRUE(IsAligned(q, kMaxAlign));
    EXPECT_GE(A::UsableSize(q), next);
    const size_t kept = std::min(size, next);
    ASSERT_EQ(FindPatternMismatch(q, kept, key, size), kPatternOk) << "realloc " << size << " -> " << next;
    p = q;
    size = next;
    key = reinterpret_cast<uintptr_t>(p);
    FillPattern(p, size, key, size);
  }
  A::Free(p);
}

// Growing and shrinking by small steps exercises in-place resizing.
TEST(SemanticsTest, ReallocInSmallStepsKeepsContents) {
  void* p = nullptr;
  size_t size = 0;
  for (size_t next = 1; next < 200000; next += next / 8 + 1) {
    void* q = A::Realloc(p, next);
    ASSERT_NE(q, nullptr);
    auto* bytes = static_cast<unsigned char*>(q);
    for (size_t i = 0; i < size; ++i) {
      ASSERT_EQ(bytes[i], static_cast<unsigned char>(i * 7 + 3)) << size << " -> " << next << " at " << i;
    }
    for (size_t i = size; i < next; ++i) bytes[i] = static_cast<unsigned char>(i * 7 + 3);
    p = q;
    size = next;
  }
  while (size > 1) {
    const size_t next = size - size / 8 - 1;
    void* q = A::Realloc(p, next);
    ASSERT_NE(q, nullptr);
    auto* bytes = static_cast<unsigned char*>(q);
    for (size_t i = 0; i < next; ++i) {
      ASSERT_EQ(bytes[i], static_cast<unsigned char>(i * 7 + 3)) << size << " -> " << next << " at " << i;
    }
    p = q;
    size = next;
  }
  A::Free(p);
}

TEST(SemanticsTest, UsableSizeIsAtLeastRequestAndWhollyWritable) {
  for (size_t n = 0; n < 20000; n = n + 1 + n / 16) {
    void* p = A::Malloc(n);
    ASSERT_NE(p, nullptr);
    const size_t usable = A::UsableSize(p);
    ASSERT_GE(usable, n) << "malloc(" << n << ")";
    FillBlock(p, usable);
    ASSERT_EQ(A::UsableSize(p), usable) << "usable size changed by writing the block";
    ASSERT_EQ(FindBlockMismatch(p, usable), kPatternOk) << n;
    A::Free(p);
  }
}

// Memory that was dirtied and freed must come back zeroed from calloc.
TEST(SemanticsTest, CallocZeroesRecycledMemory) {
  const size_t sizes[] = {1,     8,      16,     24,      100,       512,      1000,    4096,
                          4097,  20000,  65536,  100000,  (1 << 20) - 1, 1 << 20, (4 << 20) + 1};
  for (size_t n : sizes) {
    const int rounds = n > (1 << 20) ? 20 : 100;
    for (int round = 0; round < rounds; ++round) {
      void* dirty = A::Malloc(n);
      ASSERT_NE(dirty, nullptr);
      std::memset(dirty, 0xAB, A::UsableSize(dirty));
      A::Free(dirty);
      void* clean = nullptr;
      switch (round % 3) {
        case 0: clean = A::Calloc(1, n); break;
        case 1: clean = A::Calloc(n, 1); break;
        default: clean = n % 4 == 0 ? A::Calloc(n / 4, 4) : A::Calloc(n, 1); break;
      }
      ASSERT_NE(clean, nullptr);
      ASSERT_EQ(FindNonZero(clean, n), kPatternOk) << "calloc of " << n << " (round " << round
                                                   << ", recycled: " << (clean == dirty) << ")";
      std::memset(clean, 0xAB, n);
      A::Free(clean);
    }
  }
}

// Dirt left beyond the new end by an in-place shrink must not leak into a
// later calloc of the same memory.
TEST(SemanticsTest, CallocZeroesMemoryDirtiedBeforeAShrinkingRealloc) {
  for (size_t n : {size_t{256}, size_t{4096}, size_t{100000}, size_t{1} << 20, size_t{6} << 20}) {
    for (int round = 0; round < 20; ++round) {
      void* p = A::Malloc(n);
      ASSERT_NE(p, nullptr);
      std::memset(p, 0xAB, A::UsableSize(p));
      void* shrunk = A::Realloc(p, n / 16 + 1);
      ASSERT_NE(shrunk, nullptr);
      A::Free(shrunk);
      void* clean = A::Calloc(n, 1);
      ASSERT_NE(clean, nullptr);
      ASSERT_EQ(FindNonZero(clean, n), kPatternOk) << "calloc(" << n << ", 1) after a dirty shrink, round "
                                                   << round;
      A::Free(clean);
    }
  }
}

// Blocks from the aligned entry points can be resized like any other.
TEST(SemanticsTest, ReallocOfAlignedBlocksKeepsContents) {
  for (size_t align = 16; align <= (size_t{1} << 20); align <<= 2) {
    for (size_t n : {align / 2 + 1, align, 3 * align + 5}) {
      void* p = A::AlignedAlloc(align, n);
      ASSERT_NE(p, nullptr);
      const uintptr_t key = reinterpret_cast<uintptr_t>(p);
      FillPattern(p, n, key, n);
      void* grown = A::Realloc(p, 4 * n + 100);
      ASSERT_NE(grown, nullptr);
      ASSERT_EQ(FindPatternMismatch(grown, n, key, n), kPatternOk) << "grow of aligned(" << align << ", " << n << ")";
      void* shrunk = A::Realloc(grown, n / 3 + 1);
      ASSERT_NE(shrunk, nullptr);
      ASSERT_EQ(FindPatternMismatch(shrunk, n / 3 + 1, key, n), kPatternOk)
          << "shrink of aligned(" << align << ", " << n << ")";
      EXPECT_GE(A::UsableSize(shrunk), n / 3 + 1);
      A::Free(shrunk);
    }
  }
}

TEST(SemanticsTest, UsableSizeOfNullIsZero) { EXPECT_EQ(A::UsableSize(Opaque<void*>(nullptr)), 0u); }

TEST(SemanticsTest, ZeroSizedAlignedRequestsReturnFreeablePointers) {
  for (size_t align : {size_t{8}, size_t{64}, size_t{4096}, size_t{1} << 20}) {
    void* p = nullptr;
    ASSERT_EQ(A::PosixMemalign(&p, align, 0), 0) << align;
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(IsAligned(p, align));
    A::Free(p);
    p = A::AlignedAlloc(align, 0);
    ASSERT_NE(p, nullptr) << align;
    EXPECT_TRUE(IsAligned(p, align));
    A::Free(p);
    p = A::Memalign(align, 0);
    ASSERT_NE(p, nullptr) << align;
    EXPECT_TRUE(IsAligned(p, align));
    A::Free(p);
  }
}

TEST(SemanticsTest, CallocOfZeroReturnsFreeablePointer) {
  for (auto [count, size] : {std::pair<size_t, size_t>{0, 0}, {0, 16}, {16, 0}, {0, SIZE_MAX}}) {
    void* p = A::Calloc(Opaque(count), Opaque(size));
    ASSERT_NE(p, nullptr) << "calloc(" << count << ", " << size << ")";
    A::Free(p);
  }
}

TEST(SemanticsTest, FreeOfNullIsNoOp) {
  for (int i = 0; i < 1000; ++i) {
    A::Free(Opaque<void*>(nullptr));
    A::FreeSized(Opaque<void*>(nullptr), 0);
    A::FreeSized(Opaque<void*>(nullptr), 64);
    A::FreeAlignedSized(Opaque<void*>(nullptr), 64, 128);
  }
  void* p = A::Malloc(10);
  ASSERT_NE(p, nullptr);
  A::Free(p);
}

TEST(SemanticsTest, TrimReturnsAndAllocatorKeepsWorking) {
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t n = 16; n < (size_t{16} << 20); n = n * 2 + 8) {
    for (int i = 0; i < 16; ++i) {
      void* p = A::Malloc(n);
      ASSERT_NE(p, nullptr);
      FillBlock(p, n);
      blocks.emplace_back(p, n);
    }
  }
  // Free every other block, trim while the rest stay live, then check them.
  for (size_t i = 0; i < blocks.size(); i += 2) A::Free(blocks[i].first);
  for (size_t pad : {size_t{0}, size_t{4096}, size_t{1} << 30}) {
    const int released = A::Trim(pad);
    EXPECT_TRUE(released == 0 || released == 1) << released;
  }
  for (size_t i = 1; i < blocks.size(); i += 2) {
    EXPECT_EQ(FindBlockMismatch(blocks[i].first, blocks[i].second), kPatternOk) << "size " << blocks[i].second;
    A::Free(blocks[i].first);
  }
  const int released = A::Trim(0);
  EXPECT_TRUE(released == 0 || released == 1) << released;
  for (size_t n = 16; n < (size_t{16} << 20); n = n * 2 + 8) {
    void* p = A::Malloc(n);
    ASSERT_NE(p, nullptr) << "malloc(" << n << ") after trim";
    FillBlock(p, n);
    EXPECT_EQ(FindBlockMismatch(p, n), kPatternOk);
    void* c = A::Calloc(1, n);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(FindNonZero(c, n), kPatternOk) << "calloc(1, " << n << ") after trim";
    A::Free(p);
    A::Free(c);
  }
}

}  // namespace
}  // namespace hakmem_test
