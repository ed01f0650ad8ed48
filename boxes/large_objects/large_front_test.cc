// A thread's front to the large-object cache (LargeFront), driven through the
// box's own calls: what it keeps, what it hands back, what it lets go of and
// when, and that the live figures leave its holdings out. Each test uses a
// front of its own, as a thread would; the shared cache is the process's.
#include <sys/mman.h>
#include <time.h>

#include <algorithm>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <vector>

#include "boxes/env_gates/env_gates.h"
#include "boxes/large_objects/large_objects.h"
#include "gtest/gtest.h"

namespace hakmem {
namespace {

// What a front may hold (with one thread, an eighth of the shared cache's
// budget: 32 MiB in FAST, 1 MiB in BALANCED), and the tests' unit of size, a
// 32nd of it.
size_t Share() { return LargeFrontShareBytes(); }
size_t Unit() { return Share() / 32; }

// A front as a thread's heap holds one: registered at its first use and never
// freed (the box keeps a list of them for its statistics), so not on the stack.
LargeFront& NewFront() {
  static LargeFront fronts[32];
  static size_t used = 0;
  if (used == std::size(fronts)) std::abort();  // more tests than fronts: make the array longer
  return fronts[used++];
}

// Each test starts with the shared cache empty, so that what comes from it is
// what the test put there.
class LargeFrontTest : public testing::Test {
 protected:
  void SetUp() override { LargeDrainCache(nullptr); }
};

void* Alloc(size_t size, LargeFront* front) {
  void* p = LargeAlloc(size, 0, false, front);
  EXPECT_NE(p, nullptr);
  return p;
}

void Free(void* p, LargeFront* front) {
  LargeHeader* h = LargeHeaderOf(p);
  ASSERT_NE(h, nullptr) << p;
  LargeFree(h, front);
}

uint32_t Held(const LargeFront& front) { return front.count.load(std::memory_order_relaxed); }

// `count` objects of `size` bytes allocated through `front`, then all freed into it.
void AllocThenFreeAll(LargeFront& front, int count, size_t size) {
  std::vector<void*> objects;
  for (int i = 0; i < count; ++i) objects.push_back(Alloc(size, &front));
  for (void* x : objects) Free(x, &front);
}

TEST_F(LargeFrontTest, AFreedObjectWaitsInTheFrontAndComesBackForTheSameSize) {
  LargeFront& front = NewFront();
  void* p = Alloc(Unit(), &front);
  Free(p, &front);
  EXPECT_EQ(Held(front), 1u);
  void* q = Alloc(Unit(), &front);
  EXPECT_EQ(q, p) << "the mapping the front held";
  EXPECT_EQ(Held(front), 0u);
  Free(q, nullptr);
}

// As the shared cache: a mapping of at least the request and at most twice it.
TEST_F(LargeFrontTest, OnlyAMappingBetweenTheRequestAndTwiceItComesBack) {
  LargeFront& front = NewFront();
  void* p = Alloc(Unit(), &front);
  Free(p, &front);
  void* bigger = Alloc(3 * Unit(), &front);
  EXPECT_EQ(Held(front), 1u) << "a unit does not hold three";
  void* much_smaller = Alloc(Unit() / 4, &front);
  EXPECT_EQ(Held(front), 1u) << "a unit is over twice a quarter of one (with the header pages)";
  void* smaller = Alloc(Unit() * 6 / 10, &front);
  EXPECT_EQ(Held(front), 0u) << "0.6 of a unit takes the unit's mapping";
  EXPECT_EQ(smaller, p);
  for (void* x : {bigger, much_smaller, smaller}) Free(x, nullptr);
}

TEST_F(LargeFrontTest, TheLiveFiguresLeaveTheFrontsHoldingsOut) {
  LargeFront& front = NewFront();
  const size_t count = LargeLiveCount();
  const size_t bytes = LargeLiveBytes();
  std::vector<void*> objects;
  for (size_t i = 1; i <= 4; ++i) objects.push_back(Alloc(i * Unit(), &front));
  EXPECT_EQ(LargeLiveCount(), count + 4);
  EXPECT_GE(LargeLiveBytes(), bytes + 10 * Unit());
  for (void* p : objects) Free(p, &front);
  EXPECT_EQ(Held(front), 4u);
  EXPECT_EQ(LargeLiveCount(), count);
  EXPECT_EQ(LargeLiveBytes(), bytes);
  // And a reuse at another alignment (another offset in the mapping) counts
  // the new object's bytes, not the old one's.
  void* aligned = LargeAlloc(3 * Unit(), 16 << 10, false, &front);
  ASSERT_NE(aligned, nullptr);
  EXPECT_EQ(Held(front), 3u) << "taken from the front";
  EXPECT_EQ(LargeLiveCount(), count + 1);
  EXPECT_EQ(LargeLiveBytes(), bytes + LargeHeaderOf(aligned)->usable) << "at offset 16 KiB, not 4";
  Free(aligned, nullptr);
  EXPECT_EQ(LargeLiveBytes(), bytes);
  LargeFrontFlush(&front);
  EXPECT_EQ(LargeLiveCount(), count);
  EXPECT_EQ(LargeLiveBytes(), bytes);
}

// The oldest go to the shared cache, where any thread finds them, a batch at
// a time.
TEST_F(LargeFrontTest, TheOldestEntriesMakeRoomAndGoToTheSharedCacheInABatch) {
  LargeFront& front = NewFront();
  std::vector<void*> objects;
  for (size_t i = 0; i <= LargeFront::kEntries; ++i) objects.push_back(Alloc(Unit(), &front));
  for (void* p : objects) Free(p, &front);
  EXPECT_EQ(Held(front), LargeFront::kEntries - LargeFront::kEvictBatch + 1);
  std::vector<void*> oldest(objects.begin(), objects.begin() + LargeFront::kEvictBatch);
  std::vector<void*> from_shared_cache;
  for (size_t i = 0; i < LargeFront::kEvictBatch; ++i) from_shared_cache.push_back(Alloc(Unit(), nullptr));
  std::sort(oldest.begin(), oldest.end());
  std::sort(from_shared_cache.begin(), from_shared_cache.end());
  EXPECT_EQ(from_shared_cache, oldest) << "the first freed, from the shared cache";
  for (void* p : from_shared_cache) Free(p, nullptr);
  LargeFrontFlush(&front);
  EXPECT_EQ(Held(front), 0u);
}

// A front of few large mappings keeps at least half of them: a batch is for
// a front of many.
TEST_F(LargeFrontTest, AFullFrontKeepsAtLeastHalfItsEntries) {
  LargeFront& front = NewFront();
  AllocThenFreeAll(front, 5, Share() / 5);
  EXPECT_EQ(Held(front), 3u) << "the fifth needed room for one (headers), and the batch took one more: half of four";
  LargeFrontFlush(&front);
}

// A mapping reused from a front keeps its header, which LargeAlloc writes only
// where it differs; a header page the kernel took back (as the shared cache's
// decommit does in memory-lean mode) reads as zero and is written whole.
TEST_F(LargeFrontTest, AReusedMappingWhoseHeaderPageWasDroppedGetsItsHeaderBack) {
  LargeFront& front = NewFront();
  void* p = Alloc(Unit(), &front);
  LargeHeader* h = LargeHeaderOf(p);
  ASSERT_NE(h, nullptr);
  const LargeHeader before = *h;
  Free(p, &front);
  ASSERT_EQ(madvise(h, 4096, MADV_DONTNEED), 0);
  ASSERT_EQ(h->no_spans[0], 0u) << "the header page reads as zero now";
  void* q = Alloc(Unit(), &front);
  ASSERT_EQ(q, p) << "the same mapping, from the front";
  ASSERT_EQ(LargeHeaderOf(q), h);
  for (SpanMapEntry entry : h->no_spans) EXPECT_EQ(entry, kNoSpanEntry);
  EXPECT_EQ(h->map_base, before.map_base);
  EXPECT_EQ(h->map_size, before.map_size);
  EXPECT_EQ(h->usable, before.usable);
  // The span map sends the small-object free path to the sentinel, whose
  // block test fails, and so to the large path: free() must take it.
  Free(q, nullptr);
}

TEST_F(LargeFrontTest, AtThreadExitTheFrontGoesToTheSharedCache) {
  LargeFront& front = NewFront();
  void* p = Alloc(2 * Unit(), &front);
  Free(p, &front);
  LargeFrontFlush(&front);
  EXPECT_EQ(Held(front), 0u);
  void* q = Alloc(2 * Unit(), nullptr);
  EXPECT_EQ(q, p) << "another thread takes it from the shared cache";
  Free(q, nullptr);
}

// The front holds at most an eighth of the shared cache's budget.
TEST_F(LargeFrontTest, AMappingOverTheFrontsShareOfTheBudgetGoesToTheSharedCache) {
  LargeFront& front = NewFront();
  const size_t over = Share() + 4096;
  void* p = Alloc(over, &front);
  Free(p, &front);
  EXPECT_EQ(Held(front), 0u);
  LargeFront& second = NewFront();
  AllocThenFreeAll(second, 3, Share() / 3);
  EXPECT_EQ(Held(second), 2u) << "three thirds of the share do not fit with their headers";
  LargeFrontFlush(&second);
}

// With many threads each front's share shrinks, so that what all of them hold
// stays within one budget (threads rounded up to a power of two).
TEST_F(LargeFrontTest, TheShareIsTheBudgetOverTheThreadsAtLeastEight) {
  const size_t budget = GlobalGates().large_cache_mb << 20;
  EXPECT_EQ(LargeFrontShareBytes(), budget / 8);
  LargeFrontsSetThreadCount(5);
  EXPECT_EQ(LargeFrontShareBytes(), budget / 8);
  LargeFrontsSetThreadCount(33);
  EXPECT_EQ(LargeFrontShareBytes(), budget / 64);
  LargeFrontsSetThreadCount(64);
  EXPECT_EQ(LargeFrontShareBytes(), budget / 64);
  LargeFront& front = NewFront();
  void* p = Alloc(budget / 32, &front);
  Free(p, &front);
  EXPECT_EQ(Held(front), 0u) << "a 32nd of the budget is over a 64th";
  void* q = Alloc(budget / 128, &front);
  Free(q, &front);
  EXPECT_EQ(Held(front), 1u);
  LargeFrontFlush(&front);
  LargeFrontsSetThreadCount(1);
}

TEST_F(LargeFrontTest, TrimEmptiesTheCallersFrontAtOnceAndAnothersAtItsNextCall) {
  LargeFront& mine = NewFront();
  LargeFront& theirs = NewFront();
  void* a = Alloc(Unit(), &mine);
  void* b = Alloc(Unit(), &theirs);
  Free(a, &mine);
  Free(b, &theirs);
  EXPECT_GE(LargeDrainCache(&mine), 1u);
  EXPECT_EQ(Held(mine), 0u);
  EXPECT_EQ(Held(theirs), 1u) << "another thread's front is its own";
  LargeFrontTick(&theirs);
  EXPECT_EQ(Held(theirs), 0u) << "let go of at its owner's next slow path";
}

TEST_F(LargeFrontTest, AfterATrimAFrontHandsNothingBack) {
  LargeFront& theirs = NewFront();
  Free(Alloc(Unit(), &theirs), &theirs);
  LargeDrainCache(nullptr);
  void* c = Alloc(Unit(), &theirs);
  EXPECT_NE(c, nullptr);
  EXPECT_EQ(Held(theirs), 0u) << "the miss let go of the held mapping instead of reusing it";
  Free(c, nullptr);
}

TEST_F(LargeFrontTest, AnEntryUnusedForTheDecayGoesAtTheOwnersNextTick) {
  const uint64_t decay = GlobalGates().large_cache_decay_ms;
  ASSERT_GT(decay, 0u) << "every profile has a decay";
  LargeFront& front = NewFront();
  Free(Alloc(Unit(), &front), &front);
  LargeFrontTick(&front);
  EXPECT_EQ(Held(front), 1u) << "not yet";
  const timespec wait{0, static_cast<long>((decay + 20) * 1000 * 1000)};
  nanosleep(&wait, nullptr);
  LargeFrontTick(&front);
  EXPECT_EQ(Held(front), 0u);
}

}  // namespace
}  // namespace hakmem
