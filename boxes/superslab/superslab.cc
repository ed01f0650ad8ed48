#include "boxes/superslab/superslab.h"

#include <cstring>

#include "boxes/os_memory/os_memory.h"
#include "boxes/size_classes/size_classes.h"

namespace hakmem {

namespace {
HAKMEM_LARGE_BSS ChunkMap::Leaf g_chunk_map_own_leaf;
HAKMEM_LARGE_BSS ChunkMap::Leaf g_huge_aligned_map_own_leaf;
std::atomic<size_t> g_superslabs_live{0};
std::atomic<size_t> g_superslabs_peak{0};
}  // namespace

// Constant-initialised: malloc may run before any constructor.
constinit ChunkMap g_chunk_map{g_chunk_map_own_leaf};
constinit ChunkMap g_huge_aligned_map{g_huge_aligned_map_own_leaf};

// Without a lock, so that fork cannot leave one held: threads that find the
// same leaf missing each make one, and those that lose the race give theirs
// up (the map's own leaf stays unused if it was the loser's: at most once).
std::atomic<uint64_t>* ChunkMap::MakeLeaf(size_t index) {
  constexpr size_t kLeafBytes = sizeof(Leaf);
  std::atomic<uint64_t>* leaf = nullptr;
  const bool own = !own_leaf_taken_.exchange(true, std::memory_order_relaxed);
  if (own) {
    leaf = own_leaf_;
  } else {
    leaf = static_cast<std::atomic<uint64_t>*>(OsMapAligned(kLeafBytes, kPageSize));
    if (leaf == nullptr) return nullptr;
  }
  std::atomic<uint64_t>* expected = nullptr;
  if (leaves_[index].compare_exchange_strong(expected, leaf, std::memory_order_acq_rel, std::memory_order_acquire)) {
    return leaf;
  }
  if (!own) OsUnmap(leaf, kLeafBytes);
  return expected;
}

size_t ChunkMap::LeafCount() const {
  size_t n = 0;
  for (const auto& leaf : leaves_) n += leaf.load(std::memory_order_relaxed) != nullptr;
  return n;
}

void SuperslabNoteMapped() {
  const size_t live = g_superslabs_live.fetch_add(1, std::memory_order_relaxed) + 1;
  size_t peak = g_superslabs_peak.load(std::memory_order_relaxed);
  while (live > peak && !g_superslabs_peak.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}
void SuperslabNoteUnmapped() { g_superslabs_live.fetch_sub(1, std::memory_order_relaxed); }
size_t SuperslabsLive() { return g_superslabs_live.load(std::memory_order_relaxed); }
size_t SuperslabsPeak() { return g_superslabs_peak.load(std::memory_order_relaxed); }

void SuperslabInit(Superslab* ss, Heap* owner) {
  ss->magic = kSuperslabMagic;
  ss->free_mask = kAllSlabsFree;
  ss->owner.store(owner, std::memory_order_relaxed);
  ss->next = ss->prev = nullptr;
  ss->live_spans = 0;
  ss->in_full_list = 0;
  ss->decommitted = 0;
  for (SpanMapEntry& entry : ss->span_of) entry = kNoSpanEntry;
  for (Slab& s : ss->slabs) SlabMakeSentinel(&s);  // every slab free
  for (SpanOwnerState& st : ss->owner_states) st = SpanOwnerState{};
  for (std::atomic<void*>& list : ss->remote_lists) list.store(nullptr, std::memory_order_relaxed);
  SlabMakeSentinel(&ss->no_span);
}

void SlabMakeSentinel(Slab* s) {
  s->block_test_mul = 0;
  s->start_offset = 0;
  s->first = 0;  // keeps OwnerStateOf and RemoteListOf inside the header
  s->nslabs = 0;
  __atomic_store_n(&s->carved_limit, uint64_t{0}, __ATOMIC_RELAXED);
}

void SlabSetCarvedLimit(Slab* s, uint32_t carved) {
  // e = block_size * c - 2^64, which the 64-bit product wraps to.
  const uint32_t step = static_cast<uint32_t>(s->block_size * s->block_test_mul);
  __atomic_store_n(&s->carved_limit, uint64_t{carved} * step, __ATOMIC_RELAXED);
}

void SlabSetCarved(Slab* s, uint16_t carved) {
  OwnerStateOf(s).carved = carved;
  SlabSetCarvedLimit(s, carved);
  Slab* const slabs = SuperslabOf(s)->slabs;
  for (uint32_t i = s->first + 1u; i < s->first + uint32_t{s->nslabs}; ++i) {
    __atomic_store_n(&slabs[i].carved_limit, s->carved_limit, __ATOMIC_RELAXED);
  }
}

Slab* SuperslabCarveSpan(Superslab* ss, size_t cls, uint32_t n) {
  // Bit i of `runs` is set when slabs i..i+n-1 are all free.
  uint64_t runs = ss->free_mask;
  for (uint32_t i = 1; i < n && runs != 0; ++i) runs &= static_cast<uint64_t>(ss->free_mask) >> i;
  if (runs == 0) return nullptr;
  const uint32_t first = static_cast<uint32_t>(__builtin_ctzll(runs));
  const uint32_t bits = n == 32 ? kAllSlabsFree : ((1u << n) - 1) << first;
  ss->free_mask &= ~bits;
  ss->live_spans++;
  for (uint32_t i = first; i < first + n; ++i) ss->span_of[i] = SpanMapEntryOf(first);

  Slab* s = &ss->slabs[first];
  const uintptr_t span_begin = reinterpret_cast<uintptr_t>(ss) + first * kSlabSize;
  const uintptr_t span_end = span_begin + n * kSlabSize;
  const uintptr_t start = first == 0 ? span_begin + kSuperslabHeaderSize : span_begin;
  s->start_offset = static_cast<uint32_t>(start - reinterpret_cast<uintptr_t>(ss));
  s->block_size = static_cast<uint32_t>(ClassSize(cls));
  s->block_test_mul = BlockTestMultiplier(s->block_size);
  s->capacity = static_cast<uint16_t>((span_end - start) / s->block_size);
  s->cls = static_cast<uint16_t>(cls);
  s->first = static_cast<uint8_t>(first);
  s->nslabs = static_cast<uint8_t>(n);
  for (uint32_t i = first + 1; i < first + n; ++i) {
    Slab* replica = &ss->slabs[i];
    replica->block_test_mul = s->block_test_mul;
    replica->start_offset = s->start_offset;
    replica->block_size = s->block_size;
    replica->capacity = s->capacity;
    replica->cls = s->cls;
    replica->first = s->first;
    replica->nslabs = 0;
  }
  OwnerStateOf(s) = SpanOwnerState{};
  SlabSetCarved(s, 0);
  RemoteListOf(s).store(nullptr, std::memory_order_relaxed);
  return s;
}

void SuperslabFreeSpan(Superslab* ss, Slab* s) {
  const uint32_t n = s->nslabs;
  const uint32_t bits = n == 32 ? kAllSlabsFree : ((1u << n) - 1) << s->first;
  for (uint32_t i = s->first; i < s->first + n; ++i) {
    ss->span_of[i] = kNoSpanEntry;
    __atomic_store_n(&ss->slabs[i].carved_limit, uint64_t{0}, __ATOMIC_RELAXED);  // head and replicas
  }
  ss->free_mask |= bits;
  ss->live_spans--;
  s->nslabs = 0;
  OwnerStateOf(s).free = nullptr;
}

size_t SpanTouchedBytes(const Slab* s) {
  return static_cast<size_t>(Carved(s)) * s->block_size;
}

}  // namespace hakmem
