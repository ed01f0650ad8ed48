#include "boxes/heap/heap.h"

#include <errno.h>
#include <pthread.h>

#include <cstring>
#include <new>
#include <utility>

#include "boxes/env_gates/env_gates.h"
#include "boxes/heap/heap_internal.h"
#include "boxes/large_objects/large_objects.h"
#include "boxes/medium_pool/medium_pool.h"
#include "boxes/os_memory/os_memory.h"
#include "boxes/prewarm/prewarm.h"
#include "boxes/release_policy/release_policy.h"
#include "boxes/remote_free/remote_free.h"
#include "boxes/spinlock/spinlock.h"

namespace hakmem {

constinit Heap g_empty_heap{};  // constant-initialised: used before any code runs
__thread Heap* tls_heap __attribute__((tls_model("initial-exec"))) = &g_empty_heap;

namespace {

// ---- process-wide state -------------------------------------------------------

SpinLock g_registry_lock;  // heap registry, pool of free heaps, heap arena
Heap* g_registry = nullptr;
Heap* g_free_heaps = nullptr;
size_t g_live_heaps = 0;  // under g_registry_lock: threads with a heap, for the large-object fronts' share
char* g_heap_arena = nullptr;
size_t g_heap_arena_left = 0;

SpinLock g_abandoned_lock;  // abandoned superslabs (taken after the registry lock)
Superslab* g_abandoned = nullptr;
std::atomic<size_t> g_abandoned_count{0};
// Raised when a block is freed into an abandoned superslab or a thread abandons.
std::atomic<uint32_t> g_abandoned_hint{0};

std::atomic<int64_t> g_bytes_out{0};

// fork()s this process has been through, and the heap of the thread that
// made the last one (HeapForkChild); under g_registry_lock once threads exist.
uint64_t g_forks = 0;
const Heap* g_fork_survivor = nullptr;
// Heaps older than the last fork other than the survivor may be waiting to
// be taken back (ReclaimForkOrphans).
std::atomic<bool> g_fork_orphans_pending{false};

pthread_key_t g_thread_key;
std::atomic<int> g_init_state{0};  // 0 = no, 1 = in progress, 2 = done

void NoteBytesOut(int64_t delta) {
  if (delta != 0) g_bytes_out.fetch_add(delta, std::memory_order_relaxed);
}

// ---- lists ---------------------------------------------------------------------

void ListPush(Superslab** head, Superslab* ss) {
  ss->prev = nullptr;
  ss->next = *head;
  if (*head != nullptr) (*head)->prev = ss;
  *head = ss;
}

void ListRemove(Superslab** head, Superslab* ss) {
  if (ss->prev != nullptr) {
    ss->prev->next = ss->next;
  } else {
    *head = ss->next;
  }
  if (ss->next != nullptr) ss->next->prev = ss->prev;
  ss->next = ss->prev = nullptr;
}

void HeapAttach(Heap* h, Superslab* ss) {
  ss->in_full_list = ss->free_mask == 0;
  ListPush(ss->in_full_list ? &h->full : &h->avail, ss);
  HeapRememberOwned(h, ss);
}

void HeapDetach(Heap* h, Superslab* ss) {
  ListRemove(ss->in_full_list ? &h->full : &h->avail, ss);
  HeapForgetOwned(h, ss);
}

void PartialLink(Heap* h, Slab* s) {
  SpanOwnerState& st = OwnerStateOf(s);
  st.prev = nullptr;
  st.next = h->partial[s->cls];
  if (st.next != nullptr) OwnerStateOf(st.next).prev = s;
  h->partial[s->cls] = s;
  st.in_partial = 1;
}

void PartialUnlink(Heap* h, Slab* s) {
  SpanOwnerState& st = OwnerStateOf(s);
  if (st.prev != nullptr) {
    OwnerStateOf(st.prev).next = st.next;
  } else {
    h->partial[s->cls] = st.next;
  }
  if (st.next != nullptr) OwnerStateOf(st.next).prev = st.prev;
  st.next = st.prev = nullptr;
  st.in_partial = 0;
}

// ---- remote frees ------------------------------------------------------------------

// The push of a block of another thread (or of nobody) onto its span's remote
// list. Everything read from the superslab is read before the push (see
// remote_free.h).
void PushToOwner(Superslab* ss, Slab* s, void* p) {
  Heap* owner = ss->owner.load(std::memory_order_acquire);
  const size_t cls = s->cls;
  if (RemotePush(s, p)) RemoteWake(owner != nullptr ? &owner->remote_hint : &g_abandoned_hint);
  StatsRemoteFree(cls);
}
void PushToOwner(void* p) {
  Superslab* ss = SuperslabOf(p);
  PushToOwner(ss, SpanAtOffset(ss, reinterpret_cast<uintptr_t>(p) & kChunkMask), p);
}

// ---- spans -----------------------------------------------------------------------

// Frees an empty span. `h` is the owner (nullptr for an abandoned superslab,
// whose list the caller manages). Returns true when the superslab is now empty;
// the caller then detaches and releases it.
bool ReleaseSpan(Heap* h, Superslab* ss, Slab* s) {
  if (h != nullptr && OwnerStateOf(s).in_partial) PartialUnlink(h, s);
  const bool was_full = ss->in_full_list;
  const size_t touched = SpanTouchedBytes(s);
  SuperslabFreeSpan(ss, s);
  if (ss->live_spans == 0) return true;
  ReleasePolicyFreedSpan(ss, s, touched);
  if (h != nullptr && was_full) {
    ListRemove(&h->full, ss);
    ss->in_full_list = 0;
    ListPush(&h->avail, ss);
  }
  return false;
}

void DetachAndRelease(Heap* h, Superslab* ss) {
  HeapDetach(h, ss);
  ReleasePolicyReleaseSuperslab(ss);
}

// A span of `h` has no block out any more. The class's last partial span may
// be kept empty (medium_pool decides) so that a block-by-block malloc/free
// cycle does not map and unmap. Returns true if `ss` was released.
bool OnSpanEmpty(Heap* h, Superslab* ss, Slab* s) {
  Slab* head = h->partial[s->cls];
  const bool only_partial = head == nullptr || (head == s && OwnerStateOf(s).next == nullptr);
  if (only_partial && KeepLastEmptySpan(s)) {
    if (!OwnerStateOf(s).in_partial) PartialLink(h, s);
    return false;
  }
  if (ReleaseSpan(h, ss, s)) {
    DetachAndRelease(h, ss);
    return true;
  }
  return false;
}

// A span's remote list, taken by its owner, while it is walked and spliced.
// The list is encoded like the free lists (remote_free.h): the walk only
// reads, and the list goes onto the span's free list whole, by its tail.
struct TakenRemoteList {
  Slab* span;
  void* head;
  void* tail;      // the last block walked
  void* cursor;    // the next block to walk; nullptr once the walk is over
  uint32_t count;  // blocks walked
  uint32_t limit;  // blocks out of the span: a list longer than this holds a block twice
};

// Takes `s`'s remote list; false when it was empty.
bool TakeRemoteList(Slab* s, TakenRemoteList* list) {
  void* const head = RemoteTakeAll(s);
  if (head == nullptr) return false;
  *list = {s, head, nullptr, head, 0, OwnerStateOf(s).used};
  return true;
}

// Walks the lists side by side, one block of each per round. Each block was
// last written by the core that freed it, and in a long run it has usually
// left that core's caches too, so every step is a miss; the steps of
// different lists do not depend on each other, so their misses overlap
// instead of following one another. A list whose walk is over leaves the
// round (the walking ones stay at the front; reorders `lists`).
void WalkRemoteLists(TakenRemoteList* lists, size_t count) {
  size_t walking = count;
  while (walking > 0) {
    for (size_t i = 0; i < walking;) {
      TakenRemoteList& list = lists[i];
      void* const block = list.cursor;
      void* next = nullptr;
      if (list.count == list.limit) {
        // More blocks came back than were out: one was freed twice (a list
        // that loops back on itself ends here too). Warn mode drops the rest.
        ReportDoubleFree("free", block);
      } else {
        list.tail = block;
        ++list.count;
        next = GetNext(block);
        if (next != nullptr && !LinkLooksValid(next)) {
          // A freed block was written to: the rest of the list is lost
          // (leaked, never handed out).
          ReportCorruptedFreeList(block);
          next = nullptr;
        }
      }
      list.cursor = next;
      if (next != nullptr) {
        ++i;
      } else {
        std::swap(list, lists[--walking]);  // lists[i] is now one still walking
      }
    }
  }
}

// Puts a walked list's blocks onto its span's free list; returns how many.
uint32_t SpliceRemoteList(const TakenRemoteList& list) {
  if (list.count == 0) return 0;
  SpanOwnerState& st = OwnerStateOf(list.span);
  SetNext(list.tail, st.free);
  st.free = list.head;
  st.used = static_cast<uint16_t>(st.used - list.count);
  NoteBytesOut(-static_cast<int64_t>(list.count) * list.span->block_size);
  return list.count;
}

// Moves every remotely freed block of `s` to its free list; returns the count.
uint32_t TakeRemote(Slab* s) {
  TakenRemoteList list;
  if (!TakeRemoteList(s, &list)) return 0;
  WalkRemoteLists(&list, 1);
  return SpliceRemoteList(list);
}

// Collects the remote frees of every span of `ss` for its owner `h`, walking
// their lists together. Returns true if anything was collected.
bool CollectSuperslab(Heap* h, Superslab* ss) {
  TakenRemoteList lists[kSlabsPerSuperslab];
  size_t count = 0;
  ForEachSpan(ss, [&](Slab* s) {
    if (TakeRemoteList(s, &lists[count])) ++count;
    return false;
  });
  if (count == 0) return false;
  WalkRemoteLists(lists, count);
  for (size_t i = 0; i < count; ++i) {
    Slab* const s = lists[i].span;
    if (SpliceRemoteList(lists[i]) == 0) continue;
    const SpanOwnerState& st = OwnerStateOf(s);
    if (st.used != 0) {
      if (!st.in_partial) PartialLink(h, s);
    } else if (OnSpanEmpty(h, ss, s)) {
      // Released, so every other span was empty too: nothing is left to splice.
      return true;
    }
  }
  return true;
}

bool CollectRemote(Heap* h) {
  h->remote_hint.exchange(0, std::memory_order_seq_cst);  // before the scan: see RemoteWake
  bool any = false;
  for (Superslab** list : {&h->full, &h->avail}) {
    for (Superslab* ss = *list; ss != nullptr;) {
      Superslab* next = ss->next;
      any |= CollectSuperslab(h, ss);
      ss = next;
    }
  }
  return any;
}

// Moves up to `want` blocks of `s` into the cache's bin of its class: its free
// list first, then, if `may_carve`, blocks cut in address order from the span's
// never-used tail.
uint32_t TakeFromSpan(Slab* s, ThreadCache* tc, uint32_t want, bool may_carve) {
  SpanOwnerState& st = OwnerStateOf(s);
  void*& bin_head = tc->heads[s->cls];
  // The first `want` blocks of the free list go to the bin as they are linked
  // (both lists are encoded with the same key): the walk reads each block and
  // writes only the last, so blocks freed by other threads, whose lines their
  // collection only read, are not written here either.
  uint32_t n = 0;
  void* const first_free = st.free;
  void* last = nullptr;
  for (void* b = first_free; n < want && b != nullptr; ++n) {
    last = b;
    b = GetNext(b);
    if (!LinkLooksValid(b)) {
      ReportCorruptedFreeList(last);
      b = nullptr;  // warn mode: the rest of the list is leaked, not reused
    }
    st.free = b;
  }
  if (n > 0) {
    SetNext(last, bin_head);
    bin_head = first_free;
  }
  // Fresh blocks are cut a page's worth at a time: touching memory only when
  // no freed block is left keeps the resident set close to the live data.
  const uint32_t carved = st.carved;
  uint32_t fresh = s->capacity - carved;
  if (fresh > want - n) fresh = want - n;
  const uint32_t page_worth = s->block_size >= kPageSize / 2 ? 2 : static_cast<uint32_t>(kPageSize / s->block_size);
  if (n > 0 || !may_carve) {
    fresh = 0;  // freed blocks came (or may come) first: no new memory this time
  } else if (fresh > page_worth) {
    fresh = page_worth;
  }
  if (fresh > 0) {
    char* first = reinterpret_cast<char*>(SpanStart(s) + static_cast<uintptr_t>(carved) * s->block_size);
    char* b = first;
    for (uint32_t i = 1; i < fresh; ++i, b += s->block_size) SetNext(b, b + s->block_size);
    SetNext(b, bin_head);
    bin_head = first;
    SlabSetCarved(s, static_cast<uint16_t>(carved + fresh));
    n += fresh;
  }
  tc->rooms[s->cls] -= static_cast<int32_t>(n);
  st.used = static_cast<uint16_t>(st.used + n);
  return n;
}

Superslab* AcquireSuperslab(Heap* h) {
  Superslab* ss = ReleasePolicyTakeSuperslab();
  if (ss == nullptr) {
    ss = static_cast<Superslab*>(OsMapAligned(kChunkSize, kChunkSize));
    if (ss == nullptr) return nullptr;
    // Blocks are carved a page at a time so that what is resident follows what
    // is used (docs/PERFORMANCE.md, experiment 2); a huge page would undo that.
    OsUseSmallPages(ss, kChunkSize);
    SuperslabNoteMapped();
  }
  SuperslabInit(ss, h);
  if (!ChunkMapSet(g_chunk_map, reinterpret_cast<uintptr_t>(ss))) {
    // Only a new mapping in a TiB the map had no leaf for yet, when no memory
    // is left for the leaf.
    OsUnmap(ss, kChunkSize);
    SuperslabNoteUnmapped();
    errno = ENOMEM;
    return nullptr;
  }
  HeapAttach(h, ss);
  return ss;
}

bool NewSpan(Heap* h, size_t cls) {
  Superslab* ss = h->avail;
  Slab* s = nullptr;
  for (; ss != nullptr; ss = ss->next) {
    s = SuperslabCarveSpan(ss, cls, SpanSlabsForClass(cls));
    if (s != nullptr) break;
  }
  if (s == nullptr) {
    ss = AcquireSuperslab(h);
    if (ss == nullptr) return false;
    s = SuperslabCarveSpan(ss, cls, SpanSlabsForClass(cls));
  }
  if (ss->free_mask == 0) {
    ListRemove(&h->avail, ss);
    ss->in_full_list = 1;
    ListPush(&h->full, ss);
  }
  PartialLink(h, s);
  return true;
}

// Takes one abandoned superslab, if any, and makes `h` its owner.
bool AdoptAbandoned(Heap* h) {
  if (g_abandoned_count.load(std::memory_order_relaxed) == 0) return false;
  Superslab* ss;
  {
    SpinLockHolder hold(g_abandoned_lock);
    ss = g_abandoned;
    if (ss == nullptr) return false;
    ListRemove(&g_abandoned, ss);
    g_abandoned_count.fetch_sub(1, std::memory_order_relaxed);
  }
  ss->owner.store(h, std::memory_order_release);
  HeapAttach(h, ss);
  // Frees that read "no owner" just before may still land: look again later.
  h->remote_hint.fetch_add(1, std::memory_order_relaxed);
  ForEachSpan(ss, [&](Slab* s) {
    TakeRemote(s);
    if (OwnerStateOf(s).used == 0) {
      if (ReleaseSpan(h, ss, s)) {
        DetachAndRelease(h, ss);
        return true;
      }
    } else if (SlabHasFree(s)) {
      PartialLink(h, s);
    }
    return false;
  });
  return true;
}

// Collects remote frees into abandoned superslabs and releases what emptied.
void ReclaimAbandoned(bool force) {
  // Read before the exchange: flushes call this often, and a read keeps the
  // line shared between threads while nothing is pending.
  if (!force && g_abandoned_hint.load(std::memory_order_relaxed) == 0) return;
  if (g_abandoned_hint.exchange(0, std::memory_order_seq_cst) == 0 && !force) return;  // see RemoteWake
  if (g_abandoned_count.load(std::memory_order_relaxed) == 0) return;
  SpinLockHolder hold(g_abandoned_lock);
  for (Superslab* ss = g_abandoned; ss != nullptr;) {
    Superslab* next = ss->next;
    ForEachSpan(ss, [&](Slab* s) {
      TakeRemote(s);
      if (OwnerStateOf(s).used != 0 || !ReleaseSpan(nullptr, ss, s)) return false;
      ListRemove(&g_abandoned, ss);
      g_abandoned_count.fetch_sub(1, std::memory_order_relaxed);
      ReleasePolicyReleaseSuperslab(ss);
      return true;
    });
    ss = next;
  }
}

// Fills the bin of `cls` from the heap's partial spans, up to `want` blocks.
uint32_t TakeFromPartialSpans(Heap* h, size_t cls, uint32_t want, bool may_carve) {
  uint32_t got = 0;
  for (Slab* s = h->partial[cls]; s != nullptr && got < want;) {
    Slab* next = OwnerStateOf(s).next;
    got += TakeFromSpan(s, &h->cache, want - got, may_carve);
    if (!SlabHasFree(s)) PartialUnlink(h, s);
    s = next;
  }
  return got;
}

bool ReclaimForkOrphans();

bool Refill(Heap* h, size_t cls) {
  // The large-object cache's decay also runs on the small objects' slow paths
  // (here and in HeapFlush), so that mappings a program freed before it went
  // on with small objects only do not stay for ever.
  LargeCacheTick();
  LargeFrontTick(&h->large_front);
  const uint32_t want = h->cache.limits[cls] / 2;
  bool collected = false;
  for (;;) {
    // Freed blocks first, fresh memory last: every partial span's free list,
    // then (once per refill, as other threads may keep waking us) the blocks
    // other threads freed, and only then blocks cut from a span's untouched
    // tail. Cutting while freed blocks wait elsewhere would touch new pages
    // for nothing, and the resident set would creep up over a long run.
    uint32_t got = TakeFromPartialSpans(h, cls, want, /*may_carve=*/false);
    if (got == 0 && !collected && h->remote_hint.load(std::memory_order_relaxed) != 0) {
      collected = true;
      CollectRemote(h);
      continue;
    }
    if (got == 0) got = TakeFromPartialSpans(h, cls, want, /*may_carve=*/true);
    if (got != 0) {
      NoteBytesOut(static_cast<int64_t>(got) * static_cast<int64_t>(ClassSize(cls)));
      HAKMEM_STAT(h->stats, cls, refills);
      return true;
    }
    // Heaps a fork left behind first: their superslabs are then abandoned.
    if (ReclaimForkOrphans() || AdoptAbandoned(h)) continue;
    if (!NewSpan(h, cls)) return false;
  }
}

// Returns the bin's blocks beyond `keep` to their spans.
void FlushBin(Heap* h, size_t cls, uint32_t keep) {
  ThreadCache* tc = &h->cache;
  int64_t bytes = 0;
  while (CacheCount(tc, cls) > keep && tc->heads[cls] != nullptr) {
    void* p = CachePop(tc, cls);
    Superslab* ss = SuperslabOf(p);
    Slab* s = SpanAtOffset(ss, reinterpret_cast<uintptr_t>(p) & kChunkMask);
    if (s == &ss->no_span || OwnerStateOf(s).used == 0) {
      // The block was freed twice (its span already took it back): drop it.
      ReportDoubleFree("free", p);
      continue;
    }
    SpanOwnerState& st = OwnerStateOf(s);
    SetNext(p, st.free);
    st.free = p;
    bytes += s->block_size;
    if (--st.used == 0) {
      OnSpanEmpty(h, ss, s);
    } else if (!st.in_partial) {
      PartialLink(h, s);
    }
  }
  if (tc->heads[cls] == nullptr) tc->rooms[cls] = static_cast<int32_t>(tc->limits[cls]);
  NoteBytesOut(-bytes);
}

// Releases every empty span of `h` (and superslabs that end up empty).
void ReleaseEmptySpans(Heap* h) {
  for (Superslab** list : {&h->full, &h->avail}) {
    for (Superslab* ss = *list; ss != nullptr;) {
      Superslab* next = ss->next;
      ForEachSpan(ss, [&](Slab* s) {
        if (OwnerStateOf(s).used != 0 || !ReleaseSpan(h, ss, s)) return false;
        DetachAndRelease(h, ss);
        return true;
      });
      ss = next;
    }
  }
}

// Pushes the blocks waiting in `h`'s remote-free ring to their owners.
void FlushRemoteDelay(Heap* h) {
  for (void*& slot : h->remote_delay) {
    if (slot != nullptr) PushToOwner(std::exchange(slot, nullptr));
  }
}

// Hands the ring of other threads' blocks to their owners, empties the thread
// cache into the spans, collects remote frees and releases every span (and
// superslab) left with no block out: for trim and thread exit.
void ReturnEverythingUnused(Heap* h) {
  FlushRemoteDelay(h);
  for (size_t c = 0; c < kNumClasses; ++c) {
    // The stack's blocks join the list, which FlushBin then returns whole.
    while (void* p = FrontPop(&h->cache, c)) CachePush(&h->cache, c, p);
    FlushBin(h, c, 0);
  }
  CollectRemote(h);
  ReleaseEmptySpans(h);
}

void AbandonAll(Heap* h) {
  bool abandoned_any = false;
  for (Superslab** list : {&h->full, &h->avail}) {
    while (*list != nullptr) {
      Superslab* ss = *list;
      ListRemove(list, ss);
      ForEachSpan(ss, [](Slab* s) {
        SpanOwnerState& st = OwnerStateOf(s);
        st.in_partial = 0;
        st.next = st.prev = nullptr;
        return false;
      });
      ss->owner.store(nullptr, std::memory_order_release);
      SpinLockHolder hold(g_abandoned_lock);
      ListPush(&g_abandoned, ss);
      g_abandoned_count.fetch_add(1, std::memory_order_relaxed);
      abandoned_any = true;
    }
  }
  for (Slab*& p : h->partial) p = nullptr;
  h->owned = OwnedSlots();
  if (abandoned_any) g_abandoned_hint.fetch_add(1, std::memory_order_relaxed);
}

// What a thread's exit does with its heap, but the registry's part: its
// cached blocks and empty memory go back, the rest of its superslabs are
// abandoned for live threads to adopt, its large-object front goes to the
// shared cache.
void HandBackHeap(Heap* h) {
  ReturnEverythingUnused(h);
  AbandonAll(h);
  LargeFrontFlush(&h->large_front);
  StatsRetire(&h->stats);
}

void PoolHeapLocked(Heap* h) {
  h->next_free = g_free_heaps;
  g_free_heaps = h;
}

void RetireLocked(Heap* h) {
  h->live = false;
  LargeFrontsSetThreadCount(--g_live_heaps);
}

// Takes back, one at a time, the heaps of threads the last fork() left behind
// (HeapForkChild); whether there was any. Each is claimed under the registry
// lock, so that two threads of the child never hand back the same one.
bool ReclaimForkOrphans() {
  if (!g_fork_orphans_pending.load(std::memory_order_relaxed)) return false;
  bool any = false;
  for (;;) {
    Heap* orphan = nullptr;
    {
      SpinLockHolder hold(g_registry_lock);
      for (Heap* h = g_registry; h != nullptr && orphan == nullptr; h = h->next_in_registry) {
        if (h->live && h->forks_before < g_forks && h != g_fork_survivor &&
            h->busy.load(std::memory_order_relaxed) == 0) {
          orphan = h;
        }
      }
      if (orphan == nullptr) {
        g_fork_orphans_pending.store(false, std::memory_order_relaxed);
        return any;
      }
      RetireLocked(orphan);
    }
    HandBackHeap(orphan);
    SpinLockHolder hold(g_registry_lock);
    PoolHeapLocked(orphan);
    any = true;
  }
}

void ThreadExitDestructor(void* arg) { HeapThreadExit(static_cast<Heap*>(arg)); }

// A heap's storage: the Heap, then its thread cache's stack slots (kept out of
// Heap so that the empty heap, a constant, has none), each part a whole number
// of cache lines.
constexpr size_t kHeapBytes = (sizeof(Heap) + 63) & ~size_t{63};
constexpr size_t kHeapStorageBytes = kHeapBytes + ((kFrontSlots * sizeof(void*) + 63) & ~size_t{63});
void** FrontSlotsOf(Heap* h) { return reinterpret_cast<void**>(reinterpret_cast<char*>(h) + kHeapBytes); }

Heap* NewHeapStorage() {
  SpinLockHolder hold(g_registry_lock);
  Heap* h = g_free_heaps;
  if (h != nullptr) {
    g_free_heaps = h->next_free;
  } else {
    const size_t size = kHeapStorageBytes;
    if (g_heap_arena_left < size) {
      // A few heaps at a time: a program under mlockall locks the whole
      // mapping at once (1 MiB arenas locked 40 heaps' worth for one thread).
      constexpr size_t kArenaBytes = (4 * kHeapStorageBytes + kPageSize - 1) & ~(kPageSize - 1);
      g_heap_arena = static_cast<char*>(OsMapAligned(kArenaBytes, kPageSize));
      if (g_heap_arena == nullptr) return nullptr;
      g_heap_arena_left = kArenaBytes;
    }
    h = new (g_heap_arena) Heap();
    g_heap_arena += size;
    g_heap_arena_left -= size;
    h->next_in_registry = g_registry;
    g_registry = h;
  }
  // Busy until HeapCreate has set it up: a fork meanwhile leaves it alone.
  h->busy.store(1, std::memory_order_relaxed);
  StoresBeforeStay();
  h->live = true;  // under the lock HeapForEach reads it with
  h->forks_before = g_forks;
  LargeFrontsSetThreadCount(++g_live_heaps);
  return h;
}

Heap* HeapCreate() {
  HeapGlobalInit();
  Heap* h = NewHeapStorage();
  if (h == nullptr) return nullptr;
  for (size_t c = 0; c < kNumClasses; ++c) {
    const uint32_t limit = ListLimitForClass(c);
    h->cache.heads[c] = nullptr;
    h->cache.rooms[c] = static_cast<int32_t>(limit);
    h->cache.limits[c] = limit;
    h->partial[c] = nullptr;
  }
  h->cache.link_key = g_link_key;
  FrontInit(&h->cache, FrontSlotsOf(h));
  h->owned = OwnedSlots();
  h->avail = h->full = nullptr;
  h->next_free = nullptr;
  h->remote_hint.store(0, std::memory_order_relaxed);
  for (void*& slot : h->remote_delay) slot = nullptr;
  h->remote_delay_next = 0;
  // Published before pthread_setspecific, which may allocate for high keys.
  tls_heap = h;
  pthread_setspecific(g_thread_key, h);
  if (PrewarmEnabled()) {
    for (size_t c = 0; c < kPrewarmClasses; ++c) Refill(h, c);
  }
  h->busy.store(0, std::memory_order_release);
  return h;
}

}  // namespace

void HeapGlobalInit() {
  if (g_init_state.load(std::memory_order_acquire) == 2) return;
  int expected = 0;
  if (g_init_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    GlobalGates();
    LinkKeyInit();  // before any block exists: every link is encoded with it
    pthread_key_create(&g_thread_key, ThreadExitDestructor);
    g_init_state.store(2, std::memory_order_release);
    return;
  }
  while (g_init_state.load(std::memory_order_acquire) != 2) sched_yield();
}

Heap* HeapOfThisThread() {
  Heap* h = tls_heap;
  return h != &g_empty_heap ? h : HeapCreate();
}

void* HeapAllocSlow(size_t cls) {
  Heap* h = HeapOfThisThread();
  if (h == nullptr) {
    errno = ENOMEM;
    return nullptr;
  }
  HeapBusyScope busy(h);
  if (h->cache.heads[cls] == nullptr && !Refill(h, cls)) {
    errno = ENOMEM;
    return nullptr;
  }
  HAKMEM_STAT(h->stats, cls, allocs);
  return CachePop(&h->cache, cls);
}

void HeapFlush(Heap* heap, size_t cls) {
  HeapBusyScope busy(heap);
  HAKMEM_STAT(heap->stats, cls, flushes);
  // The block just pushed stays at the head, where the next free's
  // immediate double-free test looks for it; FlushBin takes from the head.
  ThreadCache* tc = &heap->cache;
  void* newest = CachePop(tc, cls);
  FlushBin(heap, cls, heap->cache.limits[cls] / 2);
  CachePush(tc, cls, newest);
  ReclaimAbandoned(false);
  LargeCacheTick();
  LargeFrontTick(&heap->large_front);
}

// The push writes the block's link, into a line the owner's core wrote last,
// and its CAS then waits for that line: a cross-core transfer every remote
// free waits for in full. So the block waits in a ring of the freeing thread
// while its line is fetched (PrefetchForWrite), and is pushed kRemoteDelay
// remote frees later, when the line is most likely here. Medium blocks (up
// to 256 KiB) are pushed at once, so that a ring holds at most 64 KiB; so are
// the frees of threads without a heap (the empty heap is shared).
void HeapRemoteFree(Heap* h, Superslab* ss, Slab* s, void* p) {
  if (h == &g_empty_heap || IsMediumSpan(s)) {
    PushToOwner(ss, s, p);
    return;
  }
  constexpr uint32_t kMask = Heap::kRemoteDelay - 1;
  const uint32_t next = h->remote_delay_next;
  if (__builtin_expect(h->remote_delay[(next - 1) & kMask] == p, 0)) {
    ReportDoubleFree("free", p);  // freed twice in a row by this thread
    return;
  }
  PrefetchForWrite(p);
  void*& slot = h->remote_delay[next & kMask];
  void* const due = slot;
  slot = p;
  h->remote_delay_next = next + 1;
  if (due != nullptr) PushToOwner(due);
}

void HeapTrim() {
  ReclaimForkOrphans();
  Heap* h = tls_heap;
  if (h != &g_empty_heap) {
    HeapBusyScope busy(h);
    ReturnEverythingUnused(h);
  }
  ReclaimAbandoned(true);
}

void HeapThreadExit(Heap* h) {
  if (h == nullptr || h == &g_empty_heap) return;
  {
    HeapBusyScope busy(h);
    HandBackHeap(h);
  }
  if (tls_heap == h) tls_heap = &g_empty_heap;
  SpinLockHolder hold(g_registry_lock);
  RetireLocked(h);
  PoolHeapLocked(h);
}

void HeapForkChild() {
  // Globals only: nothing of the orphans is written until they are needed.
  ++g_forks;
  g_fork_survivor = tls_heap;
  g_fork_orphans_pending.store(true, std::memory_order_relaxed);
}

void HeapForEach(void (*fn)(const Heap&, void*), void* arg) {
  SpinLockHolder hold(g_registry_lock);
  for (Heap* h = g_registry; h != nullptr; h = h->next_in_registry) {
    if (h->live) fn(*h, arg);
  }
}

size_t HeapBytesOutOfSlabs() {
  const int64_t v = g_bytes_out.load(std::memory_order_relaxed);
  return v > 0 ? static_cast<size_t>(v) : 0;
}

// Reads another thread's bins while it may be pushing and popping: the figure
// is a statistic, exact only when the owners are idle, so TSan is told (here
// and in FrontCount, which a caller's attribute does not cover).
__attribute__((no_sanitize("thread"))) void AddBytesInBins(const Heap& h, void* total) {
  size_t sum = 0;
  for (size_t c = 0; c < kNumClasses; ++c) {
    const int64_t held = static_cast<int64_t>(h.cache.limits[c]) - h.cache.rooms[c] + FrontCount(&h.cache, c);
    if (held > 0) sum += static_cast<size_t>(held) * ClassSize(c);
  }
  *static_cast<size_t*>(total) += sum;
}

size_t HeapBytesInThreadCaches() {
  size_t bytes = 0;
  HeapForEach(AddBytesInBins, &bytes);
  return bytes;
}

void ForEachAbandoned(void (*fn)(const Superslab*, void*), void* arg) {
  SpinLockHolder hold(g_abandoned_lock);
  for (const Superslab* ss = g_abandoned; ss != nullptr; ss = ss->next) fn(ss, arg);
}

size_t HeapAbandonedSuperslabs() { return g_abandoned_count.load(std::memory_order_relaxed); }

void HeapLockForFork() {
  g_registry_lock.Lock();
  g_abandoned_lock.Lock();
}

void HeapUnlockForFork(bool child) {
  if (child) {
    g_abandoned_lock.ResetAfterFork();
    g_registry_lock.ResetAfterFork();
  } else {
    g_abandoned_lock.Unlock();
    g_registry_lock.Unlock();
  }
}

}  // namespace hakmem
