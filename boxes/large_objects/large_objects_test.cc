// HAKMEM_LARGE_CACHE_MB applied end to end, and memory-lean mode's effect on
// large objects: a child process frees a 4 MiB object and allocates (calloc)
// another, reporting the OS calls each step made and whether the reused memory
// reads as zero. Then which cached mappings a request the cache cannot serve
// unmaps, realloc's growth, and the cache's decay (HAKMEM_LARGE_CACHE_DECAY_MS).
#include <sys/mman.h>
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "boxes/large_objects/large_objects.h"
#include "boxes/os_memory/os_memory.h"
#include "boxes/mem_lean/mem_lean_testing.h"
#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"

namespace {

using hakmem_test::ChildResult;
using hakmem_test::kLeanCompiledIn;
using hakmem_test::kLeanCompiledOutNote;
using hakmem_test::NumberOf;
using hakmem_test::RunSelf;

constexpr size_t kLargeSize = size_t{4} << 20;

hak_os_counters Counters() {
  hak_os_counters c;
  hak_os_counters_get(&c);
  return c;
}

// Prints `name`=how many calls the counter `field` grew by between two
// snapshots, for the parent to read with NumberOf.
void PrintCalls(const char* name, uint64_t hak_os_counters::*field, const hak_os_counters& before,
                const hak_os_counters& after) {
  std::printf("%s=%llu\n", name, static_cast<unsigned long long>(after.*field - before.*field));
}

size_t MappedBytes() {
  hak_heap_info info;
  hak_heap_info_get(&info);
  return info.mapped_bytes;
}

int FreeThenCalloc() {
  char* p = static_cast<char*>(hak_malloc(kLargeSize));
  if (p == nullptr) return 1;
  std::memset(p, 0x7e, kLargeSize);
  const hak_os_counters before_free = Counters();
  hak_free(p);
  const hak_os_counters after_free = Counters();
  char* q = static_cast<char*>(hak_calloc(1, kLargeSize));
  if (q == nullptr) return 1;
  const hak_os_counters after_calloc = Counters();
  size_t nonzero = 0;
  for (size_t i = 0; i < kLargeSize; ++i) nonzero += q[i] != 0;
  hak_free(q);
  PrintCalls("munmap_on_free", &hak_os_counters::munmap_calls, before_free, after_free);
  PrintCalls("madvise_on_free", &hak_os_counters::madvise_calls, before_free, after_free);
  PrintCalls("mmap_on_calloc", &hak_os_counters::mmap_calls, after_free, after_calloc);
  std::printf("nonzero_bytes=%zu\n", nonzero);
  return 0;
}

// Frees `blocks` on a thread that has no heap (it never allocates), so that
// they go to the shared cache rather than this thread's front (LargeFront):
// the tests of the shared cache's rules free this way.
void FreeInAThreadWithoutAHeap(std::initializer_list<void*> blocks) {
  std::thread([blocks] {
    for (void* p : blocks) hak_free(p);
  }).join();
}

// A buffer that outgrows the cache: 1 MiB freed to it, then 4 MiB asked for
// (which it cannot serve), then 1 MiB again.
int GrowPastTheCache() {
  void* a = hak_malloc(size_t{1} << 20);
  if (a == nullptr) return 1;
  FreeInAThreadWithoutAHeap({a});
  const size_t mapped_before_grow = MappedBytes();
  void* b = hak_malloc(size_t{4} << 20);
  const size_t mapped_after_grow = MappedBytes();
  const hak_os_counters after_grow = Counters();
  void* c = hak_malloc(size_t{1} << 20);
  const hak_os_counters after_small = Counters();
  if (b == nullptr || c == nullptr) return 1;
  hak_free(c);
  hak_free(b);
  // What the grow added to hakmem's mappings: 4 MiB and a page, less the
  // freed 1 MiB mapping if it went (an over-map's trimmed ends are not counted).
  std::printf("mapped_kib_on_grow=%zu\n", (mapped_after_grow - mapped_before_grow) >> 10);
  PrintCalls("mmap_on_small_again", &hak_os_counters::mmap_calls, after_grow, after_small);
  return 0;
}

// A smaller request the cache cannot serve leaves larger cached mappings be:
// 8 MiB freed to the cache, 1 MiB asked for, then 8 MiB again.
int SmallMissThenLargeAgain() {
  void* x = hak_malloc(size_t{8} << 20);
  if (x == nullptr) return 1;
  FreeInAThreadWithoutAHeap({x});
  void* a = hak_malloc(size_t{1} << 20);
  const hak_os_counters after_small = Counters();
  void* y = hak_malloc(size_t{8} << 20);
  const hak_os_counters after_large = Counters();
  if (a == nullptr || y == nullptr) return 1;
  hak_free(y);
  hak_free(a);
  PrintCalls("mmap_on_large_again", &hak_os_counters::mmap_calls, after_small, after_large);
  return 0;
}

// 512 KiB and 1 MiB freed to the cache, 4 MiB asked for (a miss), then 1 MiB
// and 512 KiB again.
int MissThenBothAgain() {
  void* a = hak_malloc(size_t{512} << 10);
  void* b = hak_malloc(size_t{1} << 20);
  if (a == nullptr || b == nullptr) return 1;
  FreeInAThreadWithoutAHeap({a, b});
  void* big = hak_malloc(size_t{4} << 20);
  const hak_os_counters before = Counters();
  void* b2 = hak_malloc(size_t{1} << 20);
  const hak_os_counters after_b = Counters();
  void* a2 = hak_malloc(size_t{512} << 10);
  const hak_os_counters after_a = Counters();
  if (big == nullptr || b2 == nullptr || a2 == nullptr) return 1;
  hak_free(a2);
  hak_free(b2);
  hak_free(big);
  PrintCalls("mmap_on_1mib_again", &hak_os_counters::mmap_calls, before, after_b);
  PrintCalls("mmap_on_512kib_again", &hak_os_counters::mmap_calls, after_b, after_a);
  return 0;
}

// Whether the page at `p` (page-aligned) is in memory.
bool PageResident(void* p) {
  unsigned char in_core = 0;
  return mincore(p, 4096, &in_core) == 0 && (in_core & 1) != 0;
}

// Fills `blocks` with objects of `size` bytes, every byte written; false when
// one could not be had.
bool AllocateWritten(std::vector<void*>& blocks, size_t size) {
  for (void*& p : blocks) {
    p = hak_malloc(size);
    if (p == nullptr) return false;
    std::memset(p, 0x5a, size);
  }
  return true;
}

// `count` objects of 1 MiB written and freed, then as many asked for again:
// how many of the freed mappings kept their pages and how many gave them back
// (mincore of each object's first page, all of whose pages were in), in how
// many madvise calls, how many of the requests needed a mapping of their own,
// whether the first one got a mapping with its pages in (malloc, which leaves
// them as they are), and how many bytes of the others (calloc) did not read
// as zero. And whether the kernel refused batched purges (OsDecommitRanges).
int FreedAndAskedForAgain(int count) {
  constexpr size_t kSize = size_t{1} << 20;
  std::vector<void*> blocks(static_cast<size_t>(count));
  if (!AllocateWritten(blocks, kSize)) return 1;
  const hak_os_counters before_free = Counters();
  for (void* p : blocks) hak_free(p);
  const hak_os_counters before = Counters();
  size_t with_pages = 0;
  size_t without_pages = 0;
  for (void* p : blocks) {
    unsigned char in_core = 0;
    if (mincore(p, 4096, &in_core) != 0) continue;  // unmapped
    ++((in_core & 1) != 0 ? with_pages : without_pages);
  }
  size_t nonzero = 0;
  bool first_resident = false;
  for (size_t i = 0; i < blocks.size(); ++i) {
    blocks[i] = i == 0 ? hak_malloc(kSize) : hak_calloc(1, kSize);
    if (blocks[i] == nullptr) return 1;
    const char* bytes = static_cast<const char*>(blocks[i]);
    if (i == 0) {
      first_resident = PageResident(blocks[i]);
    } else {
      for (size_t j = 0; j < kSize; ++j) nonzero += bytes[j] != 0;
    }
  }
  const hak_os_counters after = Counters();
  for (void* p : blocks) hak_free(p);
  PrintCalls("madvise_on_free", &hak_os_counters::madvise_calls, before_free, before);
  PrintCalls("mmap_on_again", &hak_os_counters::mmap_calls, before, after);
  std::printf("kept_with_pages=%zu\nkept_without_pages=%zu\n", with_pages, without_pages);
  std::printf("first_resident=%d\nnonzero_bytes=%zu\n", first_resident ? 1 : 0, nonzero);
  std::printf("batch_refused=%d\n", hakmem::OsDecommitBatchRefused() ? 1 : 0);
  return 0;
}

int FortyAgain() { return FreedAndAskedForAgain(40); }

// 40 objects of 1 MiB written and freed, then, after the decay time, a large
// free (which runs the decay): how many frees gave their pages back, and how
// many mappings were unmapped from the first free on (a machine that held
// the frees up for the decay time unmaps some while they run).
int FortyThenIdle() {
  std::vector<void*> blocks(40);
  if (!AllocateWritten(blocks, size_t{1} << 20)) return 1;
  void* late = hak_malloc(size_t{300} << 10);
  if (late == nullptr) return 1;
  const hak_os_counters before_free = Counters();
  for (void* p : blocks) hak_free(p);
  const hak_os_counters after_free = Counters();
  const timespec idle = {0, 250 * 1000 * 1000};  // five decay times
  nanosleep(&idle, nullptr);
  hak_free(late);
  const hak_os_counters after_idle = Counters();
  PrintCalls("madvise_on_free", &hak_os_counters::madvise_calls, before_free, after_free);
  PrintCalls("munmap_by_the_end", &hak_os_counters::munmap_calls, before_free, after_idle);
  return 0;
}

// The cache serves every thread. Every thread here has a heap, and so a front
// (LargeFront): eight 1 MiB objects a thread freed into its front go to the
// shared cache when it exits, and this thread (whose heap is not the exited
// one's, which the next new thread would reuse, front and all) takes them
// with no new mapping. Then this thread frees sixteen and lives on: its front
// keeps at most an eighth of the cache's budget (8 MiB here: seven 1 MiB
// objects' mappings, each with its header page), and another thread takes the
// rest without a mapping.
// (A per-thread or sharded cache must keep this: docs/PERFORMANCE.md,
// experiments 82-83.)
int ThreadsShareTheCache() {
  constexpr int kCount = 8;
  int failures = 0;
  auto allocate = [&](std::vector<void*>& into) {
    hak_free(hak_malloc(16));  // the thread's heap
    for (void*& p : into) {
      p = hak_malloc(size_t{1} << 20);
      if (p == nullptr) ++failures;
    }
  };
  auto free_all = [](const std::vector<void*>& from) {
    for (void* p : from) hak_free(p);
  };
  hak_free(hak_malloc(16));
  std::vector<void*> blocks(kCount);
  std::thread([&] {
    allocate(blocks);
    free_all(blocks);
  }).join();
  const hak_os_counters before = Counters();
  allocate(blocks);
  const unsigned long long mmaps_after_exit = Counters().mmap_calls - before.mmap_calls;
  free_all(blocks);
  std::vector<void*> sixteen(2 * kCount);
  allocate(sixteen);
  free_all(sixteen);
  unsigned long long mmaps_beside_a_live_thread = 0;
  std::thread([&] {
    const hak_os_counters start = Counters();
    allocate(sixteen);
    mmaps_beside_a_live_thread = Counters().mmap_calls - start.mmap_calls;
    free_all(sixteen);
  }).join();
  std::printf("mmap_after_a_thread_exited=%llu\nmmap_beside_a_live_thread=%llu\nfailures=%d\n",
              mmaps_after_exit, mmaps_beside_a_live_thread, failures);
  return 0;
}

// Each thread's front holds the cache's budget over the threads with a heap
// (at least eight shares): sixteen live threads get a sixteenth each, and the
// share grows back as they exit.
int FrontShareFollowsTheThreads() {
  hak_free(hak_malloc(16));
  constexpr int kOthers = 15;
  std::latch ready(kOthers + 1);
  std::latch done(1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOthers; ++i) {
    threads.emplace_back([&] {
      hak_free(hak_malloc(16));  // a heap
      ready.count_down();
      done.wait();
    });
  }
  ready.arrive_and_wait();
  const size_t with_sixteen = hakmem::LargeFrontShareBytes();
  done.count_down();
  for (std::thread& t : threads) t.join();
  std::printf("share_kib_16_threads=%zu\nshare_kib_1_thread=%zu\n", with_sixteen >> 10,
              hakmem::LargeFrontShareBytes() >> 10);
  return 0;
}

// A thread's first large allocation makes its heap, and so its front, as a
// first small one would: a thread that only ever asks for large objects keeps
// the 1 MiB mapping it freed while it lives, and this thread needs a mapping
// of its own for 1 MiB. A free makes no heap: a thread that only frees what
// this one allocated (a consumer) hands the mapping to the shared cache, and
// this thread takes it back without a mapping while the consumer lives.
int LargeOnlyThreads() {
  hak_free(hak_malloc(16));  // this thread's heap and (empty) front
  constexpr size_t kSize = size_t{1} << 20;
  void* produced = hak_malloc(kSize);
  if (produced == nullptr) return 1;
  std::latch consumed(1), consumer_may_exit(1);
  std::thread consumer([&] {
    hak_free(produced);
    consumed.count_down();
    consumer_may_exit.wait();
  });
  consumed.wait();
  hak_os_counters before = Counters();
  void* after_consumer = hak_malloc(kSize);  // held, so that this front stays empty
  const unsigned long long mmap_after_a_consumer_freed = Counters().mmap_calls - before.mmap_calls;
  consumer_may_exit.count_down();
  consumer.join();

  std::latch freed(1), allocator_may_exit(1);
  int failures = 0;
  std::thread large_only([&] {
    void* p = hak_malloc(kSize);
    if (p == nullptr) ++failures;
    hak_free(p);
    freed.count_down();
    allocator_may_exit.wait();
  });
  freed.wait();
  before = Counters();
  void* beside = hak_malloc(kSize);
  const unsigned long long mmap_beside_a_large_only_thread = Counters().mmap_calls - before.mmap_calls;
  allocator_may_exit.count_down();
  large_only.join();
  if (after_consumer == nullptr || beside == nullptr) ++failures;
  hak_free(after_consumer);
  hak_free(beside);
  std::printf("mmap_after_a_consumer_freed=%llu\nmmap_beside_a_large_only_thread=%llu\nfailures=%d\n",
              mmap_after_a_consumer_freed, mmap_beside_a_large_only_thread, failures);
  return 0;
}

// hak_trim lets go of the large objects the calling thread freed last, which
// wait in its front (LargeFront), at once: the trim unmaps the 1 MiB mapping,
// and the next 1 MiB request needs a mapping of its own. (A first trim takes
// everything else, so that the second unmaps that mapping alone.)
int TrimTakesTheThreadsFreedLargeObjects() {
  hak_free(hak_malloc(16));  // the thread's heap, and so its front
  char* p = static_cast<char*>(hak_malloc(size_t{1} << 20));
  if (p == nullptr) return 1;
  p[0] = 1;
  hak_trim(0);
  hak_free(p);
  const hak_os_counters before = Counters();
  hak_trim(0);
  const hak_os_counters after_trim = Counters();
  void* again = hak_malloc(size_t{1} << 20);
  const hak_os_counters after_again = Counters();
  if (again == nullptr) return 1;
  hak_free(again);
  PrintCalls("munmap_on_trim", &hak_os_counters::munmap_calls, before, after_trim);
  PrintCalls("mmap_on_again", &hak_os_counters::mmap_calls, after_trim, after_again);
  return 0;
}

// One byte in 512 marked with its position, to see that a move or a shrink
// kept the contents.
void MarkEvery512(char* p, size_t n) {
  for (size_t i = 0; i < n; i += 512) p[i] = static_cast<char>(i >> 9);
}
size_t WrongMarks(const char* p, size_t n) {
  size_t wrong = 0;
  for (size_t i = 0; i < n; i += 512) wrong += p[i] != static_cast<char>(i >> 9);
  return wrong;
}

// An object of `from` bytes, marked, reallocated to `to` bytes: where it went,
// what the realloc added to hakmem's mappings (negative: took off), and the
// marks it lost.
struct Resized {
  char* before;
  char* after;  // nullptr: realloc failed
  ssize_t mapped_kib;
  size_t wrong;
};
Resized ReallocMarked(size_t from, size_t to) {
  Resized r{static_cast<char*>(hak_malloc(from)), nullptr, 0, 0};
  if (r.before == nullptr) return r;
  MarkEvery512(r.before, from);
  const size_t mapped_before = MappedBytes();
  r.after = static_cast<char*>(hak_realloc(r.before, to));
  r.mapped_kib = static_cast<ssize_t>(MappedBytes() - mapped_before) / 1024;
  if (r.after != nullptr) r.wrong = WrongMarks(r.after, from < to ? from : to);
  return r;
}

// sort(1)'s pattern: a 64 MiB buffer written and freed to the cache, then
// three requests of a third of it (the first two cut from it, the third the
// rest grown where it is), unless `block_the_rest` maps a page of our own
// right after the freed mapping, so that the rest cannot grow. Prints what
// the requests added to hakmem's mappings, how many got pages in memory,
// their mmap calls, the marks they lost (all three written at once: they
// must not overlap), the nonzero bytes of the one asked for with calloc, and
// how many of the three usable sizes are under the request. Then, with
// `block_the_rest`, a request the rest fits: whether it came from the cache.
int BigBufferThenThirds(bool block_the_rest) {
  constexpr size_t kBig = size_t{64} << 20;
  constexpr size_t kThird = kBig / 3;
  char* big = static_cast<char*>(hak_malloc(kBig));
  if (big == nullptr) return 1;
  std::memset(big, 0x5a, kBig);
  // The mapping's end: its header's page, then the buffer.
  char* const end = big - 4096 + ((4096 + kBig + 4095) & ~size_t{4095});
  FreeInAThreadWithoutAHeap({big});
  if (block_the_rest && mmap(end, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != end) {
    return 1;
  }
  // Whether the rest of the last chunk is free for the rest to grow into:
  // hakmem's placement leaves it so, but under a sanitizer the kernel places
  // the mappings.
  const size_t room = (hakmem::kChunkSize - reinterpret_cast<uintptr_t>(end) % hakmem::kChunkSize) % hakmem::kChunkSize;
  void* probe =
      room == 0 ? MAP_FAILED : mmap(end, room, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  const bool room_after = probe == end;
  if (probe != MAP_FAILED) munmap(probe, room);
  std::printf("room_after=%d\n", room_after ? 1 : 0);
  const size_t mapped_before = MappedBytes();
  const hak_os_counters before = Counters();
  char* thirds[3];
  size_t resident = 0;
  for (int i = 0; i < 3; ++i) {
    thirds[i] = static_cast<char*>(i == 1 ? hak_calloc(1, kThird) : hak_malloc(kThird));
    if (thirds[i] == nullptr) return 1;
    resident += PageResident(thirds[i]);  // its first page, after the header's
  }
  const hak_os_counters after = Counters();
  const size_t mapped_after = MappedBytes();
  size_t nonzero = 0;
  for (size_t j = 0; j < kThird; ++j) nonzero += thirds[1][j] != 0;
  size_t short_usable = 0;
  for (char* p : thirds) {
    short_usable += hak_usable_size(p) < kThird;
    MarkEvery512(p, kThird);
  }
  size_t wrong = 0;
  for (char* p : thirds) wrong += WrongMarks(p, kThird);
  std::printf("mapped_kib_added=%zu\nresident_first_pages=%zu\nnonzero_bytes=%zu\nwrong_marks=%zu\nshort_usable=%zu\n",
              (mapped_after - mapped_before) >> 10, resident, nonzero, wrong, short_usable);
  PrintCalls("mmap_calls", &hak_os_counters::mmap_calls, before, after);
  if (block_the_rest) {
    // The rest, 20 MiB and a page or two, went back to the cache.
    const hak_os_counters before_rest = Counters();
    char* rest = static_cast<char*>(hak_malloc(size_t{20} << 20));
    if (rest == nullptr) return 1;
    std::printf("rest_resident=%d\n", PageResident(rest) ? 1 : 0);
    PrintCalls("mmap_on_rest", &hak_os_counters::mmap_calls, before_rest, Counters());
    hak_free(rest);
  }
  for (char* p : thirds) hak_free(p);
  return 0;
}
int BigBufferThenThirdsGrowingTheRest() { return BigBufferThenThirds(false); }
int BigBufferThenThirdsWithTheRestBlocked() { return BigBufferThenThirds(true); }

// realloc of a 4 MiB object to 64 MiB: what it adds to hakmem's mappings, and
// whether the contents came along.
int ReallocGrow() {
  constexpr size_t kTo = size_t{64} << 20;
  const Resized r = ReallocMarked(size_t{4} << 20, kTo);
  char* q = r.after;
  if (q == nullptr) return 1;
  q[kTo - 1] = 1;
  const size_t usable = hak_usable_size(q);
  hak_free(q);
  // 64 MiB and a page mapped for the object, less its old 4 MiB and a page
  // unless those stayed (a copy leaves them in the cache).
  std::printf("mapped_kib_on_realloc=%zd\n", r.mapped_kib);
  std::printf("wrong_bytes=%zu\n", r.wrong);
  std::printf("usable_at_least_asked=%d\n", usable >= kTo ? 1 : 0);
  return 0;
}

// realloc of a 64 MiB object to 4 MiB, then to 100 KiB: whether the first
// stayed in place, what it took off hakmem's mappings, and whether the
// contents survived both.
int ReallocShrink() {
  constexpr size_t kSmall = size_t{100} << 10;
  const Resized shrunk = ReallocMarked(size_t{64} << 20, size_t{4} << 20);
  char* q = shrunk.after;
  if (q == nullptr) return 1;
  size_t wrong = shrunk.wrong;
  const size_t usable = hak_usable_size(q);
  q[usable - 1] = 1;  // all of it still mapped
  char* r = static_cast<char*>(hak_realloc(q, kSmall));
  if (r == nullptr) return 1;
  wrong += WrongMarks(r, kSmall);
  const size_t problems = hak_heap_check();
  hak_free(r);
  hak_heap_info info;
  hak_heap_info_get(&info);
  std::printf("in_place=%d\n", q == shrunk.before ? 1 : 0);
  std::printf("unmapped_kib=%zd\n", -shrunk.mapped_kib);
  std::printf("usable_kib=%zu\n", usable >> 10);
  std::printf("wrong_bytes=%zu\n", wrong);
  std::printf("heap_problems=%zu\n", problems);
  std::printf("large_live_after_free=%zu\n", info.large_live);
  return 0;
}

// realloc of a 4 MiB object to 40 MiB while a freed 48 MiB mapping waits in
// the cache (64 MiB budget): what the realloc adds to hakmem's mappings.
int ReallocIntoTheCache() {
  void* cached = hak_malloc(size_t{48} << 20);
  char* p = static_cast<char*>(hak_malloc(size_t{4} << 20));
  if (cached == nullptr || p == nullptr) return 1;
  static_cast<char*>(cached)[0] = 1;  // its pages are what a copy saves faulting in
  hak_free(cached);
  std::memset(p, 0x5a, size_t{4} << 20);
  const size_t mapped_before = MappedBytes();
  char* q = static_cast<char*>(hak_realloc(p, size_t{40} << 20));
  const size_t mapped_after = MappedBytes();
  if (q == nullptr) return 1;
  const bool whole = q[0] == 0x5a && q[(size_t{4} << 20) - 1] == 0x5a;
  hak_free(q);
  std::printf("mapped_kib_on_realloc=%zd\n", static_cast<ssize_t>(mapped_after - mapped_before) / 1024);
  std::printf("whole=%d\n", whole ? 1 : 0);
  return 0;
}

// Large objects grown by realloc step by step while others are allocated
// between the steps (so some steps move the object and some grow it where it
// is), one of them aligned to 256 KiB: every byte written so far survives each
// step, the heap checks clean, and all of it is released by free.
int ReallocGrowMany() {
  constexpr int kObjects = 3;
  char* objects[kObjects] = {};
  size_t sizes[kObjects] = {};
  void* aligned = nullptr;
  if (hak_posix_memalign(&aligned, size_t{256} << 10, size_t{300} << 10) != 0) return 1;
  objects[0] = static_cast<char*>(aligned);
  sizes[0] = size_t{300} << 10;
  for (int i = 1; i < kObjects; ++i) {
    sizes[i] = size_t{257} << 10;
    objects[i] = static_cast<char*>(hak_malloc(sizes[i]));
    if (objects[i] == nullptr) return 1;
  }
  for (int i = 0; i < kObjects; ++i) std::memset(objects[i], 'a' + i, sizes[i]);
  size_t wrong = 0;
  size_t errno_changed = 0;
  for (int step = 0; step < 12; ++step) {
    for (int i = 0; i < kObjects; ++i) {
      const size_t grown = sizes[i] + sizes[i] / 2 + 4096 * static_cast<size_t>(i);
      errno = 0;
      char* q = static_cast<char*>(hak_realloc(objects[i], grown));
      if (q == nullptr) return 1;
      errno_changed += errno != 0;  // a growth in place that failed must not show
      for (size_t b = 0; b < sizes[i]; b += 4096) wrong += q[b] != 'a' + i;
      wrong += q[sizes[i] - 1] != 'a' + i;
      std::memset(q + sizes[i], 'a' + i, grown - sizes[i]);
      objects[i] = q;
      sizes[i] = grown;
    }
  }
  const size_t problems = hak_heap_check();
  for (int i = 0; i < kObjects; ++i) hak_free(objects[i]);
  hak_heap_info info;
  hak_heap_info_get(&info);
  std::printf("wrong_bytes=%zu\n", wrong);
  std::printf("errno_changed=%zu\n", errno_changed);
  std::printf("heap_problems=%zu\n", problems);
  std::printf("large_live_after_free=%zu\n", info.large_live);
  return 0;
}

// A 1 MiB mapping freed to the cache, then left unused for 200 ms (ten times
// the decay these tests set) while the program goes on with something else:
// kLarge allocates a 300 KiB large object (which the cached mapping neither
// fits nor is small enough to be let go of for), kSmall small objects of a
// class not used before (a refill), kFree frees a 300 KiB object allocated
// before the wait, kSmallFrees frees 2,000 small blocks allocated before the
// wait (flushes). Then 1 MiB again: whether it needed a mapping of its own.
enum class AfterIdle { kLarge, kSmall, kFree, kSmallFrees, kGrow };
int IdleThenAgain(AfterIdle next) {
  hak_free(hak_malloc(16));  // the thread's heap, made before the counting
  const bool hold = next == AfterIdle::kFree || next == AfterIdle::kGrow;
  void* held = hold ? hak_malloc(size_t{300} << 10) : nullptr;
  std::vector<void*> small_held(next == AfterIdle::kSmallFrees ? 2000 : 0);
  for (void*& p : small_held) {
    p = hak_malloc(64);
    if (p == nullptr) return 1;
  }
  void* a = hak_malloc(size_t{1} << 20);
  if (a == nullptr) return 1;
  static_cast<char*>(a)[0] = 1;
  hak_free(a);
  const timespec idle{0, 200 * 1000 * 1000};
  nanosleep(&idle, nullptr);
  const hak_os_counters before = Counters();
  void* other[64] = {};
  const size_t count = next == AfterIdle::kSmall ? 64 : next == AfterIdle::kLarge ? 1 : 0;
  for (size_t i = 0; i < count; ++i) {
    other[i] = hak_malloc(next == AfterIdle::kSmall ? 3000 : size_t{300} << 10);
    if (other[i] == nullptr) return 1;
  }
  if (next == AfterIdle::kGrow) {
    held = hak_realloc(held, size_t{400} << 10);
    if (held == nullptr) return 1;
  } else {
    hak_free(held);
  }
  for (void* p : small_held) hak_free(p);
  const hak_os_counters after_other = Counters();
  void* again = hak_malloc(size_t{1} << 20);
  const hak_os_counters after_again = Counters();
  if (again == nullptr) return 1;
  hak_free(again);
  if (next == AfterIdle::kGrow) hak_free(held);  // only now: a free runs the decay too
  for (size_t i = 0; i < count; ++i) hak_free(other[i]);
  PrintCalls("munmap_on_other", &hak_os_counters::munmap_calls, before, after_other);
  PrintCalls("mmap_on_again", &hak_os_counters::mmap_calls, after_other, after_again);
  return 0;
}
int IdleThenLarge() { return IdleThenAgain(AfterIdle::kLarge); }
int IdleThenSmall() { return IdleThenAgain(AfterIdle::kSmall); }
int IdleThenFree() { return IdleThenAgain(AfterIdle::kFree); }
int IdleThenSmallFrees() { return IdleThenAgain(AfterIdle::kSmallFrees); }
int IdleThenGrow() { return IdleThenAgain(AfterIdle::kGrow); }

// Sixteen 4 MiB objects live (64 MiB mapped, a page of each written), and,
// when `small_mib` is not 0, that many MiB of written 64-byte blocks; then a
// 1 MiB object written, freed and asked for again: whether its free unmapped
// it and the request mapped anew.
int OneMiBBesideLiveObjects(size_t small_mib) {
  std::vector<void*> live(16);
  for (void*& p : live) {
    p = hak_malloc(size_t{4} << 20);
    if (p == nullptr) return 1;
    static_cast<char*>(p)[0] = 1;
  }
  std::vector<void*> small((small_mib << 20) / 64);
  for (void*& p : small) {
    p = hak_malloc(64);
    if (p == nullptr) return 1;
    std::memset(p, 1, 64);
  }
  constexpr size_t kSize = size_t{1} << 20;
  void* p = hak_malloc(kSize);
  if (p == nullptr) return 1;
  std::memset(p, 0x5a, kSize);
  const hak_os_counters before = Counters();
  hak_free(p);
  const hak_os_counters after_free = Counters();
  p = hak_malloc(kSize);
  const hak_os_counters after_again = Counters();
  if (p == nullptr) return 1;
  PrintCalls("munmap_on_free", &hak_os_counters::munmap_calls, before, after_free);
  PrintCalls("mmap_on_again", &hak_os_counters::mmap_calls, after_free, after_again);
  hak_free(p);
  for (void* q : small) hak_free(q);
  for (void* q : live) hak_free(q);
  return 0;
}
int OneMiBBesideLargeObjects() { return OneMiBBesideLiveObjects(0); }
int OneMiBBesideSmallBlocks() { return OneMiBBesideLiveObjects(16); }

struct ChildRun {
  ChildResult child;
  unsigned long long munmap_on_free, madvise_on_free, mmap_on_calloc, nonzero_bytes;
};

ChildRun RunWith(const std::vector<std::string>& env) {
  ChildRun r{};
  r.child = RunSelf("free_then_calloc", env);
  r.munmap_on_free = NumberOf(r.child.out, "munmap_on_free");
  r.madvise_on_free = NumberOf(r.child.out, "madvise_on_free");
  r.mmap_on_calloc = NumberOf(r.child.out, "mmap_on_calloc");
  r.nonzero_bytes = NumberOf(r.child.out, "nonzero_bytes");
  EXPECT_EQ(r.child.err, "") << r.child.Describe();
  return r;
}

void ExpectReusedFromCache(const ChildRun& r) {
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  EXPECT_EQ(r.munmap_on_free, 0u) << r.child.Describe();
  EXPECT_EQ(r.mmap_on_calloc, 0u) << r.child.Describe();
  EXPECT_EQ(r.nonzero_bytes, 0u) << "calloc of a reused mapping\n" << r.child.Describe();
}

void ExpectUnmappedAndMappedAgain(const ChildRun& r) {
  ASSERT_TRUE(r.child.ExitedWith(0)) << r.child.Describe();
  EXPECT_GE(r.munmap_on_free, 1u) << r.child.Describe();
  EXPECT_GE(r.mmap_on_calloc, 1u) << r.child.Describe();
  EXPECT_EQ(r.nonzero_bytes, 0u) << r.child.Describe();
}

TEST(LargeObjectsTest, CacheKeepsAFreedMappingForReuse) {
  ExpectReusedFromCache(RunWith({"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=64"}));
}

TEST(LargeObjectsTest, CacheZeroUnmapsOnFree) {
  ExpectUnmappedAndMappedAgain(RunWith({"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=0"}));
}

TEST(LargeObjectsTest, ObjectsAboveTheCacheBudgetAreUnmapped) {
  ExpectUnmappedAndMappedAgain(RunWith({"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=2"}));
}

// Memory-lean mode's target leaves large objects' mappings out (the live ones
// cannot be given back, the cached ones have the cache's budget, and most of
// a big buffer's pages may never be touched): beside 64 MiB of live ones a
// freed 1 MiB object is cached and taken back, where before the 64 MiB put
// the program over any target and every large object freed was unmapped.
// 16 MiB of small blocks still are over a 10 MiB target.
TEST(LargeObjectsTest, LeanTargetLeavesLargeObjectsOut) {
  const std::vector<std::string> env = {"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=10",
                                        "HAKMEM_SS_MEM_LEAN_DECOMMIT=OFF", "HAKMEM_LARGE_CACHE_MB=8"};
  const ChildResult large = RunSelf("one_mib_beside_large_objects", env);
  ASSERT_TRUE(large.ExitedWith(0)) << large.Describe();
  EXPECT_EQ(NumberOf(large.out, "munmap_on_free"), 0u) << large.Describe();
  EXPECT_EQ(NumberOf(large.out, "mmap_on_again"), 0u) << large.Describe();
  const ChildResult small = RunSelf("one_mib_beside_small_blocks", env);
  ASSERT_TRUE(small.ExitedWith(0)) << small.Describe();
  EXPECT_EQ(NumberOf(small.out, "munmap_on_free"), kLeanCompiledIn ? 1u : 0u)
      << (kLeanCompiledIn ? "" : kLeanCompiledOutNote) << "\n" << small.Describe();
  EXPECT_EQ(NumberOf(small.out, "mmap_on_again"), kLeanCompiledIn ? 1u : 0u) << small.Describe();
}

TEST(LargeObjectsTest, LeanAboveTargetUnmapsDespiteTheCache) {
  const ChildRun r = RunWith({"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=0", "HAKMEM_SS_MEM_LEAN_DECOMMIT=OFF",
                         "HAKMEM_LARGE_CACHE_MB=64"});
  if (kLeanCompiledIn) {
    ExpectUnmappedAndMappedAgain(r);
  } else {
    SCOPED_TRACE(kLeanCompiledOutNote);
    ExpectReusedFromCache(r);
  }
}

TEST(LargeObjectsTest, LeanWithDontneedCachesADecommittedMapping) {
  const ChildRun r = RunWith({"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN_TARGET_MB=0",
                         "HAKMEM_SS_MEM_LEAN_DECOMMIT=DONTNEED", "HAKMEM_LARGE_CACHE_MB=64"});
  ExpectReusedFromCache(r);
  EXPECT_EQ(r.madvise_on_free, kLeanCompiledIn ? 1u : 0u) << (kLeanCompiledIn ? "" : kLeanCompiledOutNote) << "\n"
                                                          << r.child.Describe();
}

// Lean mode off (its target could unmap on its own), a cache of `mb` MiB, a
// decay of `decay_ms` (0: none).
std::vector<std::string> CacheOf(int mb, int decay_ms) {
  return {"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=" + std::to_string(mb),
          "HAKMEM_LARGE_CACHE_DECAY_MS=" + std::to_string(decay_ms)};
}
// No decay: a loaded machine could hold a test up for longer than any decay.
const std::vector<std::string> kCacheOn = CacheOf(64, 0);
const std::vector<std::string> kCacheWithDecay = CacheOf(64, 20);

// The idle children: what comes after the wait (a large allocation that
// misses, a large free, a small refill, small frees that flush, a realloc that
// grows a large object) lets go of the idle mapping when the decay is on, and
// keeps it when it is off. A large allocation may trim an over-sized mapping,
// so only the others' own unmaps are counted.
void ExpectIdleMappingsGoOnlyWithTheDecay(bool decay) {
  for (const char* mode :
       {"idle_then_large", "idle_then_free", "idle_then_small", "idle_then_small_frees", "idle_then_grow"}) {
    const ChildResult r = RunSelf(mode, decay ? kCacheWithDecay : kCacheOn);
    ASSERT_TRUE(r.ExitedWith(0)) << mode << "\n" << r.Describe();
    EXPECT_EQ(NumberOf(r.out, "mmap_on_again"), decay ? 1u : 0u) << mode << ": the idle 1 MiB mapping\n"
                                                                 << r.Describe();
    if (std::string(mode) == "idle_then_large") continue;
    if (decay) {
      EXPECT_GE(NumberOf(r.out, "munmap_on_other"), 1u) << mode << "\n" << r.Describe();
    } else {
      EXPECT_EQ(NumberOf(r.out, "munmap_on_other"), 0u) << mode << "\n" << r.Describe();
    }
  }
}

TEST(LargeObjectsTest, AMappingUnusedForTheDecayGoesAtTheNextLargeMissFreeOrGrowthOrSmallSlowPath) {
  ExpectIdleMappingsGoOnlyWithTheDecay(true);
}

TEST(LargeObjectsTest, WithoutADecayAnIdleMappingStays) { ExpectIdleMappingsGoOnlyWithTheDecay(false); }

TEST(LargeObjectsTest, AMissUnmapsTheCachedMappingsTooSmallForIt) {
  const ChildResult r = RunSelf("grow_past_the_cache", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  // 4 MiB + 4 KiB mapped, 1 MiB + 4 KiB unmapped.
  EXPECT_EQ(NumberOf(r.out, "mapped_kib_on_grow"), 3u * 1024) << "the freed 1 MiB mapping, unmapped\n"
                                                             << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_on_small_again"), 1u) << "so 1 MiB needs a mapping of its own\n" << r.Describe();
}

TEST(LargeObjectsTest, AMissKeepsTheLargerCachedMappings) {
  const ChildResult r = RunSelf("small_miss_then_large_again", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_on_large_again"), 0u) << "the 8 MiB mapping, reused\n" << r.Describe();
}

// One mapping per miss goes, the smallest: a program whose large sizes vary
// keeps the rest of its cache.
TEST(LargeObjectsTest, AMissLetsGoOfOnlyTheSmallestMappingUnderHalfItsSize) {
  const ChildResult r = RunSelf("miss_then_both_again", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_on_1mib_again"), 0u) << "the 1 MiB mapping stayed\n" << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_on_512kib_again"), 1u) << "the 512 KiB mapping went\n" << r.Describe();
}

// What every "forty_again" run whose mappings all stay cached shows: no request
// needs a new mapping, the first gets one whose pages are in, and calloc's
// blocks read as zero.
void ExpectFortyCameBackFromTheCache(const ChildResult& r) {
  EXPECT_EQ(NumberOf(r.out, "mmap_on_again"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "first_resident"), 1u) << "a mapping with its pages in first\n" << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "nonzero_bytes"), 0u) << r.Describe();
}

TEST(LargeObjectsTest, TheCacheKeepsFortyMappingsWithinItsBudget) {
  const ChildResult r = RunSelf("forty_again", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "madvise_on_free"), 0u) << r.Describe();
  ExpectFortyCameBackFromTheCache(r);
}

// Beyond its budget the cache keeps what stays within the program's peak, up
// to four budgets with the pages in: 40 MiB freed at once all come back with a
// 16 MiB budget. With an 8 MiB one, at most 31 keep their pages (1 MiB objects
// take 1 MiB and a page each), and when one more would take the cache past
// that, its oldest give their pages back until an eighth of the limit is
// free, together, in one system call where the kernel takes a batch (so at
// least 9, and at most 13, the 27 that fit in 28 MiB kept); they keep their
// address range: no request needs a new mapping, the first gets one whose
// pages are in, and those whose pages went read as zero. With
// HAKMEM_PURGE_BATCHED=0, one madvise per mapping.
TEST(LargeObjectsTest, ABurstOfFreesBeyondFourBudgetsKeepsItsAddressRangesWithoutThePages) {
  const ChildResult wide = RunSelf("forty_again", CacheOf(16, 0));
  ASSERT_TRUE(wide.ExitedWith(0)) << wide.Describe();
  EXPECT_EQ(NumberOf(wide.out, "madvise_on_free"), 0u) << wide.Describe();
  EXPECT_EQ(NumberOf(wide.out, "kept_with_pages"), 40u) << wide.Describe();
  EXPECT_EQ(NumberOf(wide.out, "mmap_on_again"), 0u) << wide.Describe();
  struct Capped {
    std::vector<std::string> env;
    bool batched;
  };
  std::vector<std::string> one_by_one = CacheOf(8, 0);
  one_by_one.push_back("HAKMEM_PURGE_BATCHED=0");
  for (const Capped& run : {Capped{CacheOf(8, 0), true}, Capped{one_by_one, false}}) {
    const ChildResult capped = RunSelf("forty_again", run.env);
    ASSERT_TRUE(capped.ExitedWith(0)) << capped.Describe();
    const uint64_t purged = NumberOf(capped.out, "kept_without_pages");
    EXPECT_GE(purged, 9u) << capped.Describe();
    EXPECT_LE(purged, 13u) << capped.Describe();
    EXPECT_EQ(NumberOf(capped.out, "kept_with_pages") + purged, 40u) << capped.Describe();
    const uint64_t calls = NumberOf(capped.out, "madvise_on_free");
    if (run.batched && NumberOf(capped.out, "batch_refused") == 0) {
      // A batch per eviction, of four mappings or more (the last may be smaller).
      EXPECT_LE(calls, (purged + 3) / 4 + 1) << capped.Describe();
    } else {
      EXPECT_EQ(calls, purged + (run.batched ? 1 : 0)) << "one madvise each (and the refused batch)\n"
                                                         << capped.Describe();
    }
    ExpectFortyCameBackFromTheCache(capped);
  }
}

// The decay unmaps the mappings kept without their pages too, not only those
// with their pages in: with an 8 MiB budget 9 to 13 of the 40 give their pages
// back (fewer if some went with the decay while the others were freed), and
// all 40 are unmapped in the end.
TEST(LargeObjectsTest, TheDecayUnmapsTheMappingsKeptWithoutTheirPages) {
  const ChildResult r = RunSelf("forty_then_idle", CacheOf(8, 50));
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_GE(NumberOf(r.out, "madvise_on_free"), 1u) << r.Describe();
  EXPECT_LE(NumberOf(r.out, "madvise_on_free"), 13u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "munmap_by_the_end"), 40u) << r.Describe();
}

TEST(LargeObjectsTest, ThreadsTakeWhatOtherThreadsFreed) {
  const ChildResult r = RunSelf("threads_share_the_cache", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "failures"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_after_a_thread_exited"), 0u) << "what an exited thread freed\n" << r.Describe();
  EXPECT_LE(NumberOf(r.out, "mmap_beside_a_live_thread"), 7u) << "what a live thread's front could hold\n"
                                                               << r.Describe();
}

TEST(LargeObjectsTest, AThreadsFirstLargeAllocationGivesItAFrontAndAFreeDoesNot) {
  const ChildResult r = RunSelf("large_only_threads", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "failures"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_after_a_consumer_freed"), 0u) << "a free by a thread without a heap\n"
                                                                  << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_beside_a_large_only_thread"), 1u)
      << "what a thread that only allocated large objects freed\n"
      << r.Describe();
}

TEST(LargeObjectsTest, TrimUnmapsTheLargeObjectsTheCallingThreadFreed) {
  const ChildResult r = RunSelf("trim_takes_the_threads_freed", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "munmap_on_trim"), 1u) << "the freed 1 MiB mapping\n" << r.Describe();
  EXPECT_GE(NumberOf(r.out, "mmap_on_again"), 1u) << r.Describe();
}

TEST(LargeObjectsTest, AThreadsShareOfTheCacheIsTheBudgetOverTheThreads) {
  const ChildResult r = RunSelf("front_share_follows_the_threads", kCacheOn);  // 64 MiB
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "share_kib_16_threads"), 64u * 1024 / 16) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "share_kib_1_thread"), 64u * 1024 / 8) << r.Describe();
}

// What sort(1) does with its buffer (experiment 99): before, each third got a
// mapping of its own, the freed 64 MiB stayed in the cache beside them, and
// sort's peak RSS was twice glibc's.
const std::vector<std::string> kBigBufferEnv = {"HAKMEM_SS_MEM_LEAN=0", "HAKMEM_LARGE_CACHE_MB=256",
                                                "HAKMEM_LARGE_CACHE_DECAY_MS=0"};

TEST(LargeObjectsTest, SmallerRequestsAreCutFromAFreedBigBufferAndItsRestGrownWhereItIs) {
  const ChildResult r = RunSelf("big_buffer_then_thirds", kBigBufferEnv);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(r.err, "") << r.Describe();
  if (NumberOf(r.out, "room_after") == 1) {
    EXPECT_LE(NumberOf(r.out, "mapped_kib_added"), 2048u) << "only the third's growth\n" << r.Describe();
    EXPECT_EQ(NumberOf(r.out, "resident_first_pages"), 3u) << "every third reuses the buffer's pages\n" << r.Describe();
    EXPECT_EQ(NumberOf(r.out, "mmap_calls"), 1u) << "the growth in place (mremap)\n" << r.Describe();
  } else {
    // Something else lies after the buffer (the kernel's placement, under a
    // sanitizer): the third has a mapping of its own.
    EXPECT_EQ(NumberOf(r.out, "resident_first_pages"), 2u) << r.Describe();
    EXPECT_EQ(NumberOf(r.out, "mmap_calls"), 2u) << "the refused mremap and the third's mmap\n" << r.Describe();
  }
  EXPECT_EQ(NumberOf(r.out, "nonzero_bytes"), 0u) << "calloc of a cut\n" << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "wrong_marks"), 0u) << "the thirds overlap\n" << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "short_usable"), 0u) << r.Describe();
}

TEST(LargeObjectsTest, ARestThatCannotGrowGoesBackToTheCache) {
  const ChildResult r = RunSelf("big_buffer_then_thirds_blocked", kBigBufferEnv);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(r.err, "") << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "resident_first_pages"), 2u) << "the third is a new mapping\n" << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_calls"), 2u) << "the refused mremap and the third's mmap\n" << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "wrong_marks"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "short_usable"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "rest_resident"), 1u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "mmap_on_rest"), 0u) << r.Describe();
}

TEST(LargeObjectsTest, ReallocGrowsALargeObjectWithoutACopy) {
  const ChildResult r = RunSelf("realloc_grow", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "wrong_bytes"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "usable_at_least_asked"), 1u) << r.Describe();
  // Moved or grown in place, the object's old mapping is gone: 60 MiB more
  // mapped, not 64 MiB and a page more with the old copy cached.
  EXPECT_EQ(NumberOf(r.out, "mapped_kib_on_realloc"), 60u * 1024) << r.Describe();
}

TEST(LargeObjectsTest, ReallocShrinksALargeObjectInPlace) {
  const ChildResult r = RunSelf("realloc_shrink", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "in_place"), 1u) << r.Describe();
  // Its last 60 MiB unmapped (the header page and 4 MiB stay), not copied.
  EXPECT_EQ(NumberOf(r.out, "unmapped_kib"), 60u * 1024) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "usable_kib"), 4u * 1024) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "wrong_bytes"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "heap_problems"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "large_live_after_free"), 0u) << "100 KiB moved to a slab\n" << r.Describe();
}

TEST(LargeObjectsTest, ReallocPrefersAWarmCachedMappingToGrowingInPlace) {
  const ChildResult r = RunSelf("realloc_into_the_cache", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "whole"), 1u) << r.Describe();
  // The cached 48 MiB mapping takes the object and the old 4 MiB one goes to
  // the cache: nothing new mapped (growing by mremap would map 36 MiB more).
  EXPECT_EQ(NumberOf(r.out, "mapped_kib_on_realloc"), 0u) << r.Describe();
}

TEST(LargeObjectsTest, ReallocGrowthKeepsEveryObjectWhole) {
  const ChildResult r = RunSelf("realloc_grow_many", kCacheOn);
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "wrong_bytes"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "errno_changed"), 0u) << "successful reallocs that changed errno\n" << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "heap_problems"), 0u) << r.Describe();
  EXPECT_EQ(NumberOf(r.out, "large_live_after_free"), 0u) << r.Describe();
}

}  // namespace

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"free_then_calloc", FreeThenCalloc},
                                                 {"one_mib_beside_large_objects", OneMiBBesideLargeObjects},
                                                 {"one_mib_beside_small_blocks", OneMiBBesideSmallBlocks},
                                         {"grow_past_the_cache", GrowPastTheCache},
                                         {"small_miss_then_large_again", SmallMissThenLargeAgain},
                                         {"realloc_grow", ReallocGrow},
                                         {"realloc_grow_many", ReallocGrowMany},
                                         {"realloc_shrink", ReallocShrink},
                                         {"realloc_into_the_cache", ReallocIntoTheCache},
                                         {"miss_then_both_again", MissThenBothAgain},
                                         {"big_buffer_then_thirds", BigBufferThenThirdsGrowingTheRest},
                                         {"big_buffer_then_thirds_blocked", BigBufferThenThirdsWithTheRestBlocked},
                                         {"forty_again", FortyAgain},
                                         {"forty_then_idle", FortyThenIdle},
                                         {"threads_share_the_cache", ThreadsShareTheCache},
                                         {"large_only_threads", LargeOnlyThreads},
                                         {"trim_takes_the_threads_freed", TrimTakesTheThreadsFreedLargeObjects},
                                         {"front_share_follows_the_threads", FrontShareFollowsTheThreads},
                                         {"idle_then_large", IdleThenLarge},
                                         {"idle_then_small", IdleThenSmall},
                                         {"idle_then_free", IdleThenFree},
                                         {"idle_then_small_frees", IdleThenSmallFrees},
                                         {"idle_then_grow", IdleThenGrow}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
