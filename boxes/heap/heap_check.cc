// Heap consistency checker: walks the calling thread's superslabs and the
// abandoned ones and verifies counts, free lists, span maps and ownership.
// Slow (it touches every free block); for tests and debugging.
#include <unistd.h>

#include <algorithm>
#include <array>

#include "boxes/env_gates/env_gates.h"
#include "boxes/heap/heap.h"
#include "boxes/heap/heap_internal.h"

namespace hakmem {
namespace {

struct Checker {
  size_t errors = 0;

  void Fail(const char* what, const void* where) {
    if (errors++ < 16) {
      char num[24];
      WriteString(STDERR_FILENO, "hakmem: heap check: ");
      WriteString(STDERR_FILENO, what);
      WriteString(STDERR_FILENO, " at ");
      WriteString(STDERR_FILENO, FormatHex(reinterpret_cast<uintptr_t>(where), num));
      WriteString(STDERR_FILENO, "\n");
    }
  }

  // Length of a free list whose blocks must all be block starts of `s`;
  // stops (and reports) at a bad link or after more links than blocks.
  uint32_t ListLength(const Slab* s, const void* head, const char* list_name) {
    uint32_t n = 0;
    const uintptr_t base = reinterpret_cast<uintptr_t>(SuperslabOf(s));
    for (const void* p = head; p != nullptr; p = GetNext(p)) {
      const uintptr_t a = reinterpret_cast<uintptr_t>(p);
      if (SuperslabOf(p) != SuperslabOf(s) || !IsBlockStart(s, a - base)) {
        Fail(list_name, p);
        return n;
      }
      if (++n > s->capacity) {
        Fail("free list longer than the span (cycle?)", s);
        return n;
      }
    }
    return n;
  }

  // The later slabs' Slabs of the span `s` heads must give the owner's free
  // fast path the head's block test and class.
  void CheckReplicas(const Superslab* ss, const Slab* s) {
    const uint64_t limit = __atomic_load_n(&s->carved_limit, __ATOMIC_RELAXED);
    for (uint32_t j = s->first + 1u; j < s->first + uint32_t{s->nslabs} && j < kSlabsPerSuperslab; ++j) {
      const Slab& r = ss->slabs[j];
      if (r.block_test_mul != s->block_test_mul || r.start_offset != s->start_offset || r.cls != s->cls ||
          r.first != s->first || r.nslabs != 0 || __atomic_load_n(&r.carved_limit, __ATOMIC_RELAXED) != limit) {
        Fail("a span's replica disagrees with its head", &r);
      }
    }
  }

  void CheckSuperslab(const Superslab* ss, const Heap* owner) {
    if (ss->magic != kSuperslabMagic) Fail("superslab magic", ss);
    if (ss->owner.load(std::memory_order_relaxed) != owner) Fail("superslab owner", ss);
    // A sentinel that passed a block test would let the free fast path take
    // offsets outside every span.
    if (__atomic_load_n(&ss->no_span.carved_limit, __ATOMIC_RELAXED) != 0) Fail("no-span sentinel", ss);
    uint32_t heads = 0;
    for (uint32_t i = 0; i < kSlabsPerSuperslab; ++i) {
      const bool slab_free = (ss->free_mask >> i) & 1;
      if (slab_free != (ss->span_of[i] == kNoSpanEntry)) Fail("free mask and span map disagree", ss);
      // The owner's free fast path reads the slab's own Slab (OwnSlabAtOffset).
      if (slab_free && __atomic_load_n(&ss->slabs[i].carved_limit, __ATOMIC_RELAXED) != 0) {
        Fail("a free slab's block test accepts offsets", &ss->slabs[i]);
      }
      if (ss->span_of[i] != SpanMapEntryOf(i)) continue;
      ++heads;
      const Slab* s = &ss->slabs[i];
      for (uint32_t j = i; j < i + s->nslabs; ++j) {
        if (j >= kSlabsPerSuperslab || ss->span_of[j] != SpanMapEntryOf(i)) Fail("span map of a span's slab", s);
      }
      CheckReplicas(ss, s);
      const SpanOwnerState& st = OwnerStateOf(s);
      if (st.carved > s->capacity) Fail("carved beyond capacity", s);
      if (st.used > st.carved) Fail("more blocks used than carved", s);
      const uint32_t local = ListLength(s, st.free, "free list entry outside its span");
      const uint32_t remote =
          ListLength(s, RemoteListOf(s).load(std::memory_order_acquire), "remote list entry outside its span");
      (void)remote;  // walked for its links only: `used` still counts these blocks
      if (st.used + local != st.carved) Fail("used + free != carved", s);
      if (owner != nullptr && st.in_partial && !SlabHasFree(s)) Fail("partial span with nothing free", s);
    }
    if (heads != ss->live_spans) Fail("live span count", ss);
  }

  // Every remembered superslab must be one of the heap's own, in its slot: the
  // free fast path trusts the slots instead of the chunk map and the owner.
  void CheckOwnedSlots(const Heap* h) {
    for (size_t i = 0; i < OwnedSlots::kCount; ++i) {
      const uintptr_t slot = h->owned.slots[i];
      if (slot == OwnedSlots::kEmpty) continue;
      const auto* ss = reinterpret_cast<const Superslab*>(slot);
      bool listed = false;
      for (const Superslab* list : {h->avail, h->full}) {
        for (const Superslab* it = list; it != nullptr && !listed; it = it->next) listed = it == ss;
      }
      if (!listed || OwnedSlotOf(ss) != i) Fail("owned-superslab slot names a superslab the heap does not own", ss);
    }
  }

  // True when `p` is a block start of class `cls` in a superslab `h` owns;
  // reports it otherwise.
  bool CheckCachedBlock(const Heap* h, size_t cls, const void* p) {
    const Superslab* ss = SuperslabOf(p);
    const uintptr_t offset = reinterpret_cast<uintptr_t>(p) & kChunkMask;
    if (!ChunkMapTest(g_chunk_map, reinterpret_cast<uintptr_t>(p)) || ss->magic != kSuperslabMagic ||
        ss->owner.load(std::memory_order_relaxed) != h || ss->span_of[offset >> kSlabShift] == kNoSpanEntry) {
      Fail("thread cache block not in an owned span", p);
      return false;
    }
    const Slab* s = SpanAtOffset(ss, offset);
    if (s->cls != cls || !IsBlockStart(s, offset)) {
      Fail("thread cache block of the wrong class", p);
      return false;
    }
    return true;
  }

  // The blocks of a class's stack, sorted, to find a block freed twice.
  static_assert(std::ranges::max(thread_cache_internal::kFrontCapacities) <= 64, "StackedBlocks holds a whole stack");
  struct StackedBlocks {
    std::array<const void*, 64> blocks;
    size_t count = 0;
    bool Has(const void* p) const { return std::binary_search(blocks.begin(), blocks.begin() + count, p); }
  };

  // Every stack's top must lie between its nullptr slot and its end, the slot
  // below its blocks must still be nullptr (a pop would run past it else), and
  // no block may be in it twice.
  void CheckFront(const Heap* h, size_t c, StackedBlocks& stacked) {
    const ThreadCache& tc = h->cache;
    stacked.count = 0;
    if (FrontCapacity(c) == 0) {
      if (tc.front_tops[c] != &g_front_none || tc.front_ends[c] != &g_front_none) {
        Fail("stack of a class without one", &tc.front_tops[c]);
      }
      return;
    }
    void** const bottom = &tc.front_slots[thread_cache_internal::kFrontBases[c]];
    if (tc.front_ends[c] != bottom + FrontCapacity(c) || tc.front_tops[c] < bottom ||
        tc.front_tops[c] > tc.front_ends[c] || *bottom != nullptr) {
      Fail("thread cache stack bounds", &tc.front_tops[c]);
      return;
    }
    for (void* const* slot = bottom + 1; slot <= tc.front_tops[c]; ++slot) {
      if (*slot == nullptr) {
        Fail("empty slot inside a thread cache stack", slot);
        return;
      }
      if (!CheckCachedBlock(h, c, *slot)) return;
      stacked.blocks[stacked.count++] = *slot;
    }
    std::sort(stacked.blocks.begin(), stacked.blocks.begin() + stacked.count);
    const auto* twice = std::adjacent_find(stacked.blocks.begin(), stacked.blocks.begin() + stacked.count);
    if (twice != stacked.blocks.begin() + stacked.count) Fail("block twice in a thread cache stack (freed twice)", *twice);
  }

  // Every block in the bins of `h` must be a block start in a superslab `h`
  // owns, and in the bin once.
  void CheckBins(const Heap* h) {
    StackedBlocks stacked;
    for (size_t c = 0; c < kNumClasses; ++c) {
      CheckFront(h, c, stacked);
      uint32_t n = 0;
      for (const void* p = h->cache.heads[c]; p != nullptr; p = GetNext(p)) {
        if (!CheckCachedBlock(h, c, p)) break;
        if (stacked.Has(p)) {
          Fail("block both in a thread cache stack and its list (freed twice)", p);
          break;
        }
        if (++n > CacheCount(&h->cache, c)) {
          Fail("thread cache longer than its count", p);
          break;
        }
      }
      if (n != CacheCount(&h->cache, c) && errors == 0) Fail("thread cache count", &h->cache.heads[c]);
    }
    for (size_t c = 0; c < kNumClasses; ++c) {
      for (const Slab* s = h->partial[c]; s != nullptr; s = OwnerStateOf(s).next) {
        if (!OwnerStateOf(s).in_partial || s->cls != c) Fail("partial list entry", s);
        if (SuperslabOf(s)->owner.load(std::memory_order_relaxed) != h) Fail("partial span not owned", s);
      }
    }
  }
};

}  // namespace

size_t HeapCheck() {
  Checker checker;
  Heap* h = tls_heap;
  if (h != &g_empty_heap) {
    checker.CheckBins(h);
    checker.CheckOwnedSlots(h);
    for (const Superslab* ss = h->avail; ss != nullptr; ss = ss->next) {
      if (ss->free_mask == 0) checker.Fail("full superslab in the available list", ss);
      checker.CheckSuperslab(ss, h);
    }
    for (const Superslab* ss = h->full; ss != nullptr; ss = ss->next) {
      if (ss->free_mask != 0) checker.Fail("superslab with free slabs in the full list", ss);
      checker.CheckSuperslab(ss, h);
    }
  }
  ForEachAbandoned([](const Superslab* ss, void* arg) { static_cast<Checker*>(arg)->CheckSuperslab(ss, nullptr); },
                   &checker);
  return checker.errors;
}

}  // namespace hakmem
