// Every OS mapping hakmem makes can fail. With the fault injection box compiled
// in (BUILD.bazel builds this test under a transition that switches it on), the
// Nth mapping call fails and each path that maps must: return NULL with
// errno = ENOMEM, keep no mapping it made on the way (hak_os_counters), leave
// no half-made span or superslab reachable (hak_heap_check), and work again
// once mappings succeed.
#include <errno.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "boxes/fault_injection/fault_injection.h"
#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"

#if !HAKMEM_FAULT_INJECTION
#error "build this test with --//profiles:fault_injection=on (see BUILD.bazel)"
#endif

namespace hakmem_reliability {
namespace {

using hakmem::FaultInjectionArm;

// Bytes hakmem has mapped and not unmapped.
uint64_t MappedBytes() {
  hak_os_counters c;
  hak_os_counters_get(&c);
  return c.mmap_bytes - c.munmap_bytes;
}

// Baseline with every cache drained; afterwards the same, and a consistent heap.
class FaultInjection : public testing::Test {
 protected:
  void SetUp() override {
    hak_trim(0);
    baseline_ = MappedBytes();
  }
  void TearDown() override {
    FaultInjectionArm(0, false);
    hak_trim(0);
    EXPECT_EQ(MappedBytes(), baseline_) << "a mapping outlived the failed calls";
    EXPECT_EQ(hak_heap_check(), 0u);
  }
  uint64_t baseline_ = 0;
};

// Allocates `size` until the allocator has to map and the mapping fails.
// Returns the blocks it got; `failed` tells whether a NULL came back.
std::vector<void*> AllocateUntilNull(size_t size, size_t max_blocks, bool* failed) {
  std::vector<void*> blocks;
  *failed = false;
  for (size_t i = 0; i < max_blocks; ++i) {
    errno = 0;
    void* p = hak_malloc(size);
    if (p == nullptr) {
      EXPECT_EQ(errno, ENOMEM);
      *failed = true;
      break;
    }
    std::memset(p, 0xa5, size < 64 ? size : 64);
    blocks.push_back(p);
  }
  return blocks;
}

void FreeAll(std::vector<void*>& blocks) {
  for (void* p : blocks) hak_free(p);
  blocks.clear();
}

// Slab classes: once the heap's superslabs are full, the next span needs a new
// superslab, and its mapping fails. The heap stays consistent while mappings
// keep failing; after one failure (`every` off) the next call maps and succeeds.
void ExpectSlabClassSurvivesMapFailure(size_t size) {
  SCOPED_TRACE("size " + std::to_string(size));
  // A superslab holds 2 MiB: this many blocks always run into a new one.
  const size_t max_blocks = 3 * (2u << 20) / size + 64;
  for (bool every : {true, false}) {
    SCOPED_TRACE(every ? "every mapping fails" : "one mapping fails");
    // A superslab with room exists (this block's): the failure comes when it
    // is full, not at the first span.
    void* anchor = hak_malloc(size);
    ASSERT_NE(anchor, nullptr);
    FaultInjectionArm(1, every);
    bool failed = false;
    std::vector<void*> blocks = AllocateUntilNull(size, max_blocks, &failed);
    blocks.push_back(anchor);
    EXPECT_TRUE(failed);
    EXPECT_GT(blocks.size(), 1u) << "failed before the existing superslab was full";
    EXPECT_EQ(hak_heap_check(), 0u) << "after the failed call";
    if (every) {
      errno = 0;
      EXPECT_EQ(hak_malloc(size), nullptr) << "mappings still fail";
      EXPECT_EQ(errno, ENOMEM);
      FaultInjectionArm(0, false);
    }
    void* p = hak_malloc(size);
    EXPECT_NE(p, nullptr) << "no recovery once mapping works";
    blocks.push_back(p);
    EXPECT_EQ(hak_heap_check(), 0u);
    FreeAll(blocks);
    FaultInjectionArm(0, false);
  }
}

TEST_F(FaultInjection, TinyClassNewSuperslab) { ExpectSlabClassSurvivesMapFailure(16); }
TEST_F(FaultInjection, SmallClassNewSuperslab) { ExpectSlabClassSurvivesMapFailure(3000); }
TEST_F(FaultInjection, MediumSpanNewSuperslab) { ExpectSlabClassSurvivesMapFailure(100000); }
TEST_F(FaultInjection, LargestClassWholeSuperslabSpan) { ExpectSlabClassSurvivesMapFailure(256 * 1024); }

// Fails the 1st, 2nd, ... mapping call of `alloc` (aligned mappings may take
// two: a hinted try, then an over-sized one trimmed to the alignment) until
// `alloc` gets through; every failure must leave nothing mapped.
template <typename Alloc>
void ExpectEachMappingCallFailureHandled(const char* what, Alloc alloc) {
  SCOPED_TRACE(what);
  int failures = 0;
  for (uint64_t n = 1; n <= 8; ++n) {
    hak_trim(0);  // nothing cached: the call has to map
    const uint64_t before = MappedBytes();
    FaultInjectionArm(n, false);
    errno = 0;
    void* p = alloc();
    FaultInjectionArm(0, false);
    if (p != nullptr) {
      hak_free(p);
      break;
    }
    ++failures;
    EXPECT_EQ(errno, ENOMEM) << "failing mapping call " << n;
    EXPECT_EQ(MappedBytes(), before) << "failing mapping call " << n << " leaked a mapping";
    EXPECT_EQ(hak_heap_check(), 0u);
  }
  EXPECT_GE(failures, 1);
  void* p = alloc();
  EXPECT_NE(p, nullptr);
  hak_free(p);
}

TEST_F(FaultInjection, LargeObject) {
  ExpectEachMappingCallFailureHandled("malloc 1 MiB", [] { return hak_malloc(1 << 20); });
  ExpectEachMappingCallFailureHandled("malloc 64 MiB", [] { return hak_malloc(64 << 20); });
}

TEST_F(FaultInjection, AlignedLargeObject) {
  ExpectEachMappingCallFailureHandled("aligned_alloc 64 KiB align, 1 MiB",
                                      [] { return hak_aligned_alloc(64 << 10, 1 << 20); });
  ExpectEachMappingCallFailureHandled("aligned_alloc 4 MiB align, 1 MiB",
                                      [] { return hak_aligned_alloc(4 << 20, 1 << 20); });
  ExpectEachMappingCallFailureHandled("memalign 2 MiB, 3 MiB", [] { return hak_memalign(2 << 20, 3 << 20); });
  ExpectEachMappingCallFailureHandled("posix_memalign 8 MiB, 8 MiB", [] {
    void* out = reinterpret_cast<void*>(uintptr_t{0x1234});
    const int rc = hak_posix_memalign(&out, 8 << 20, 8 << 20);
    if (rc != 0) {
      EXPECT_EQ(rc, ENOMEM);
      EXPECT_EQ(out, reinterpret_cast<void*>(uintptr_t{0x1234})) << "*out changed on failure";
      errno = ENOMEM;  // posix_memalign reports through its result, not errno
      return static_cast<void*>(nullptr);
    }
    return out;
  });
}

TEST_F(FaultInjection, CallocLarge) {
  ExpectEachMappingCallFailureHandled("calloc 1 x 8 MiB", [] { return hak_calloc(1, 8 << 20); });
  ExpectEachMappingCallFailureHandled("calloc 300 x 1000", [] { return hak_calloc(300, 1000); });
}

TEST_F(FaultInjection, ReallocKeepsTheOldBlock) {
  for (size_t from : {100, 100000, 1 << 20}) {
    SCOPED_TRACE("from " + std::to_string(from));
    char* p = static_cast<char*>(hak_malloc(from));
    ASSERT_NE(p, nullptr);
    for (size_t i = 0; i < from; ++i) p[i] = static_cast<char>(i * 7);
    hak_trim(0);
    FaultInjectionArm(1, true);
    errno = 0;
    EXPECT_EQ(hak_realloc(p, 32 << 20), nullptr);
    EXPECT_EQ(errno, ENOMEM);
    FaultInjectionArm(0, false);
    for (size_t i = 0; i < from; ++i) {
      ASSERT_EQ(p[i], static_cast<char>(i * 7)) << "old block changed at " << i;
    }
    EXPECT_EQ(hak_usable_size(p) >= from, true);
    hak_free(p);
  }
}

// Growing a large object by realloc tries mremap in place, then a new mapping
// and mremap into it, then a copy: with the 1st, 2nd, ... OS call failing in
// turn, realloc returns the grown object or NULL with the old one intact, and
// whatever it mapped on the way is released.
TEST_F(FaultInjection, ReallocGrowthOfALargeObjectSurvivesEachMappingCallFailing) {
  constexpr size_t kFrom = size_t{1} << 20, kTo = size_t{8} << 20;
  int grown = 0;
  for (uint64_t n = 1; n <= 8; ++n) {
    SCOPED_TRACE("failing OS call " + std::to_string(n));
    hak_trim(0);
    const uint64_t baseline = MappedBytes();
    char* p = static_cast<char*>(hak_malloc(kFrom));
    ASSERT_NE(p, nullptr);
    for (size_t i = 0; i < kFrom; i += 64) p[i] = static_cast<char>(i >> 6);
    FaultInjectionArm(n, false);
    errno = 0;
    char* q = static_cast<char*>(hak_realloc(p, kTo));
    FaultInjectionArm(0, false);
    char* const kept = q != nullptr ? q : p;
    if (q == nullptr) {
      EXPECT_EQ(errno, ENOMEM);
    }
    grown += q != nullptr;
    for (size_t i = 0; i < kFrom; i += 64) {
      ASSERT_EQ(kept[i], static_cast<char>(i >> 6)) << "at " << i;
    }
    if (q != nullptr) {
      q[kTo - 1] = 1;
      EXPECT_GE(hak_usable_size(q), kTo);
    }
    EXPECT_EQ(hak_heap_check(), 0u);
    hak_free(kept);
    hak_trim(0);
    EXPECT_EQ(MappedBytes(), baseline) << "a mapping of the failed attempt was left behind";
  }
  EXPECT_GE(grown, 7) << "one failing call should leave realloc another way to grow";
}

TEST_F(FaultInjection, FirstMallocInAFreshThread) {
  // The thread's heap comes from the heap arena (already mapped); its first
  // span needs a superslab, and nothing is cached after the trim.
  std::thread([] {
    FaultInjectionArm(1, true);
    errno = 0;
    EXPECT_EQ(hak_malloc(16), nullptr);
    EXPECT_EQ(errno, ENOMEM);
    EXPECT_EQ(hak_heap_check(), 0u);
    FaultInjectionArm(0, false);
    void* p = hak_malloc(16);
    EXPECT_NE(p, nullptr);
    hak_free(p);
    EXPECT_EQ(hak_heap_check(), 0u);
    hak_trim(0);
  }).join();
}

// ---- the process's very first malloc (in a child: this one has a heap) ----------

// argv-free parameter passing: the child reads which call to fail from the env.
int ChildFirstMalloc() {
  const char* nth = std::getenv("FAIL_NTH");
  const char* every = std::getenv("FAIL_EVERY");
  const uint64_t n = nth != nullptr ? std::strtoull(nth, nullptr, 10) : 0;
  FaultInjectionArm(n, every != nullptr && every[0] == '1');
  errno = 0;
  void* first = hak_malloc(100);
  const int first_errno = errno;
  const uint64_t mapped_after_failure = MappedBytes();
  const size_t check_after_failure = hak_heap_check();
  FaultInjectionArm(0, false);
  void* second = hak_malloc(100);
  if (first != nullptr) std::memset(first, 1, 100);
  if (second != nullptr) std::memset(second, 2, 100);
  std::printf("first=%d\nfirst_errno=%d\nmapped_after_failure=%llu\ncheck_after_failure=%zu\n", first != nullptr,
              first_errno, static_cast<unsigned long long>(mapped_after_failure), check_after_failure);
  std::printf("second=%d\n", second != nullptr);
  hak_free(first);
  hak_free(second);
  hak_trim(0);
  std::printf("mapped_at_end=%llu\ncheck_at_end=%zu\n", static_cast<unsigned long long>(MappedBytes()),
              hak_heap_check());
  return 0;
}

TEST(FaultInjectionFirstMalloc, EveryMappingFails) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("first_malloc", {"FAIL_NTH=1", "FAIL_EVERY=1"});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "first"), "0") << r.Describe();
  EXPECT_EQ(hakmem_test::NumberOf(r.out, "first_errno"), static_cast<unsigned long long>(ENOMEM)) << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "mapped_after_failure"), "0") << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "check_after_failure"), "0") << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "second"), "1") << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "check_at_end"), "0") << r.Describe();
}

TEST(FaultInjectionFirstMalloc, EachMappingCallFailsInTurn) {
  // What a clean first malloc leaves mapped after free + trim (the heap arena).
  hakmem_test::ChildResult clean = hakmem_test::RunSelf("first_malloc", {"FAIL_NTH=0"});
  ASSERT_TRUE(clean.ExitedWith(0)) << clean.Describe();
  ASSERT_EQ(hakmem_test::ValueOf(clean.out, "first"), "1") << clean.Describe();
  const std::string mapped_clean = hakmem_test::ValueOf(clean.out, "mapped_at_end");
  int failures = 0;
  for (int n = 1; n <= 12; ++n) {
    SCOPED_TRACE("failing mapping call " + std::to_string(n));
    hakmem_test::ChildResult r = hakmem_test::RunSelf("first_malloc", {"FAIL_NTH=" + std::to_string(n)});
    ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
    if (hakmem_test::ValueOf(r.out, "first") == "0") {
      ++failures;
      EXPECT_EQ(hakmem_test::NumberOf(r.out, "first_errno"), static_cast<unsigned long long>(ENOMEM))
          << r.Describe();
    }
    EXPECT_EQ(hakmem_test::ValueOf(r.out, "check_after_failure"), "0") << r.Describe();
    EXPECT_EQ(hakmem_test::ValueOf(r.out, "second"), "1") << r.Describe();
    EXPECT_EQ(hakmem_test::ValueOf(r.out, "check_at_end"), "0") << r.Describe();
    EXPECT_EQ(hakmem_test::ValueOf(r.out, "mapped_at_end"), mapped_clean) << "leaked a mapping\n" << r.Describe();
  }
  EXPECT_GE(failures, 1);
}

}  // namespace
}  // namespace hakmem_reliability

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"first_malloc", hakmem_reliability::ChildFirstMalloc}});
  testing::InitGoogleTest(&argc, argv);
  // The main thread's heap (and the heap arena) exists before any test counts
  // mappings; the first-malloc case runs in children.
  hak_free(hak_malloc(1));
  return RUN_ALL_TESTS();
}
