// SuperSlabs: 2 MiB naturally aligned regions carved into 64 KiB slabs; a span
// of one or more slabs serves one size class. From any pointer, its superslab
// is `ptr & ~(2 MiB - 1)` and its span is found through `span_of`: no
// per-object header, no hash lookup, no lock on free.
//
// The chunk map records which 2 MiB chunks hold hakmem memory, so a pointer
// hakmem did not hand out is recognised before anything is read from it.
#ifndef HAKMEM_BOXES_SUPERSLAB_SUPERSLAB_H_
#define HAKMEM_BOXES_SUPERSLAB_SUPERSLAB_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "boxes/os_memory/os_memory.h"

namespace hakmem {

struct Heap;

inline constexpr size_t kChunkShift = 21;
inline constexpr size_t kChunkSize = size_t{1} << kChunkShift;
inline constexpr uintptr_t kChunkMask = kChunkSize - 1;
inline constexpr size_t kSlabShift = 16;
inline constexpr size_t kSlabSize = size_t{1} << kSlabShift;
inline constexpr size_t kSlabsPerSuperslab = kChunkSize / kSlabSize;
// Slab 0 starts after the header; no block or large object starts before it.
inline constexpr size_t kSuperslabHeaderSize = 4096;
inline constexpr uint32_t kSuperslabMagic = 0x534b4148;  // "HAKS"
inline constexpr uint32_t kLargeMagic = 0x4c4b4148;      // "HAKL"
inline constexpr uint32_t kAllSlabsFree = 0xffffffffu;

// One span: 1..32 consecutive slabs serving one size class. Its metadata lives
// in the superslab's header, so SuperslabOf(slab) is its superslab. The Slab
// holds what every free of the span reads (the block test, the class) in a
// cache line of its own, which the owner writes only when it carves (a page
// of blocks at a time), so other threads' frees find it in their caches. What
// the owner changes on every refill and flush is in SpanOwnerState, and the
// list other threads push to in Superslab::remote_lists, in lines apart.
//
// The Slab of each later slab of a span is a replica of the head's block test
// and class (`first` names the head, `nslabs` is 0), and the Slab of a free
// slab rejects every offset: the owner's free fast path then takes the Slab of
// the pointer's own slab (OwnSlabAtOffset) with a shift and a mask, without
// the span map's load before it. Only the owner writes and reads replicas;
// everything else finds the head through the span map.
struct alignas(64) Slab {
  // Validates pointers without a division (after Lemire et al.): with
  // block_test_mul = c = floor(2^64 / block_size) + 1 and e = block_size * c
  // - 2^64 (1 <= e <= block_size), a 32-bit `rel` = k * block_size + r gives
  // rel * c (mod 2^64) = k * e when r == 0, and at least c (> 2^45) otherwise.
  // So rel starts one of the first `carved` blocks exactly when
  // rel * c < carved * e: one multiply and one compare (IsBlockStart).
  uint64_t block_test_mul;
  uint32_t start_offset;  // first block, from the superslab's start
  uint32_t block_size;    // the class size
  uint16_t capacity;      // blocks in the span
  uint16_t cls;
  // carved * e (see block_test_mul); 0 rejects every offset. Only the owner
  // writes it; other threads' frees read it to validate pointers, so it is
  // accessed with relaxed atomic builtins (a plain field keeps the compiler
  // free to address it together with its neighbours). 64 bits although the
  // value fits 32 (at most the span's bytes): the fast path then compares the
  // product with it in memory, without a load into a register first.
  uint64_t carved_limit;
  uint8_t first;   // index of the span's first slab (in a replica too)
  uint8_t nslabs;  // span length; 0 when this slab heads no span
};
static_assert(sizeof(Slab) == 64);

// The span map names a slab's span by the byte offset of the span's Slab from
// the superslab's start, so free adds the entry to the superslab's address and
// reads the span's fields with no scaling of its own. A slab that heads no span
// (free slabs, and every slab of a large object's header) names the superslab's
// `no_span` sentinel, whose block test fails for every offset, so the free fast
// path needs no separate test for it.
using SpanMapEntry = uint16_t;
inline constexpr size_t kSlabsOffset = 128;  // offsetof(Superslab, slabs), asserted below
inline constexpr SpanMapEntry SpanMapEntryOf(size_t slab_index) {
  return static_cast<SpanMapEntry>(kSlabsOffset + slab_index * sizeof(Slab));
}
// The sentinel sits right after the slabs, where a 33rd slab would.
inline constexpr SpanMapEntry kNoSpanEntry = SpanMapEntryOf(kSlabsPerSuperslab);

// What only the span's owner reads and writes (refills, flushes, remote
// collection, the partial lists), by the span's first slab.
struct SpanOwnerState {
  void* free;       // free list, links encoded as the thread caches' (thread_cache.h)
  Slab* next;       // owner heap's partial list of this class
  Slab* prev;
  uint16_t used;    // blocks out of the slab: with the user or in a thread cache
  uint16_t carved;  // blocks cut from the never-used tail so far
  uint8_t in_partial;  // linked in the owner's partial list
};
static_assert(sizeof(SpanOwnerState) == 32);

struct alignas(64) Superslab {
  uint32_t magic;
  uint32_t free_mask;  // bit i: slab i belongs to no span
  std::atomic<Heap*> owner;  // nullptr while abandoned or cached
  Superslab* next;     // in the owner's list, the abandoned list or the cache
  Superslab* prev;
  uint32_t live_spans;
  uint8_t in_full_list;  // owner keeps superslabs without free slabs apart
  uint8_t decommitted;   // cached with its pages given back to the OS
  SpanMapEntry span_of[kSlabsPerSuperslab];  // slab index -> its span's Slab, or kNoSpanEntry
  alignas(64) Slab slabs[kSlabsPerSuperslab];
  Slab no_span;  // the sentinel kNoSpanEntry names (SlabMakeSentinel)
  // Blocks other threads freed into each span (boxes/remote_free), by the
  // span's first slab. Apart from the Slab lines, so that a remote free's CAS
  // does not take away the line the owner's own frees and refills of the span
  // read and write, and the owner's scan for pending frees reads 4 lines, not
  // one per span.
  alignas(64) std::atomic<void*> remote_lists[kSlabsPerSuperslab];
  alignas(64) SpanOwnerState owner_states[kSlabsPerSuperslab];
};
static_assert(sizeof(Superslab) <= kSuperslabHeaderSize);
// Large-object headers mirror the span map's and the sentinel's positions
// (boxes/large_objects).
inline constexpr size_t kSpanMapOffset = offsetof(Superslab, span_of);
inline constexpr size_t kNoSpanSlabOffset = offsetof(Superslab, no_span);
static_assert(offsetof(Superslab, slabs) == kSlabsOffset);
static_assert(kNoSpanSlabOffset == kNoSpanEntry);

inline Superslab* SuperslabOf(const void* p) {
  return reinterpret_cast<Superslab*>(reinterpret_cast<uintptr_t>(p) & ~kChunkMask);
}
// The remote-free list of the span `s` heads.
inline std::atomic<void*>& RemoteListOf(Slab* s) { return SuperslabOf(s)->remote_lists[s->first]; }
inline const std::atomic<void*>& RemoteListOf(const Slab* s) { return SuperslabOf(s)->remote_lists[s->first]; }
// The owner-only state of the span `s` heads (not of the no_span sentinel).
inline SpanOwnerState& OwnerStateOf(Slab* s) { return SuperslabOf(s)->owner_states[s->first]; }
inline const SpanOwnerState& OwnerStateOf(const Slab* s) { return SuperslabOf(s)->owner_states[s->first]; }

// The slab a span map entry names: one of ss->slabs, or the sentinel.
inline Slab* SlabAt(Superslab* ss, SpanMapEntry span_map_entry) {
  return reinterpret_cast<Slab*>(reinterpret_cast<char*>(ss) + span_map_entry);
}
inline const Slab* SlabAt(const Superslab* ss, SpanMapEntry span_map_entry) {
  return SlabAt(const_cast<Superslab*>(ss), span_map_entry);
}
// The span holding `offset_in_chunk`, or the no_span sentinel.
inline Slab* SpanAtOffset(Superslab* ss, uintptr_t offset_in_chunk) {
  return SlabAt(ss, ss->span_of[offset_in_chunk >> kSlabShift]);
}
inline const Slab* SpanAtOffset(const Superslab* ss, uintptr_t offset_in_chunk) {
  return SpanAtOffset(const_cast<Superslab*>(ss), offset_in_chunk);
}
// For the free fast path of a superslab the calling thread owns: the Slab of
// the slab holding `offset_in_chunk`, the span's head or its replica, which
// passes the same block test and names the same class; a free slab's rejects
// every offset. The slab index comes scaled by 8 from the shift and the mask,
// so the address needs no multiply of its own.
inline const Slab* OwnSlabAtOffset(const Superslab* ss, uintptr_t offset_in_chunk) {
  static_assert(sizeof(Slab) == 8 * 8);
  const uintptr_t index_times_8 = (offset_in_chunk >> (kSlabShift - 3)) & ~uintptr_t{7};
  return reinterpret_cast<const Slab*>(reinterpret_cast<const char*>(ss) + kSlabsOffset + index_times_8 * 8);
}
// Calls fn(Slab*) on every span of `ss` (its head slab), in address order,
// until fn returns true; returns whether it did. Walks that may release the
// superslab return true once they have, so nothing reads it afterwards.
template <typename Fn>
inline bool ForEachSpan(Superslab* ss, Fn fn) {
  for (uint32_t i = 0; i < kSlabsPerSuperslab; ++i) {
    if (ss->span_of[i] == SpanMapEntryOf(i) && fn(&ss->slabs[i])) return true;
  }
  return false;
}

// Makes `s` a slab whose block test fails for every offset.
void SlabMakeSentinel(Slab* s);

// ---- chunk map ---------------------------------------------------------------
// One bit per 2 MiB chunk of the 47-bit user address space, in two levels (as
// tcmalloc's and jemalloc's page maps): 129 leaf pointers and 64 KiB leaves of
// 524,288 bits, each covering 1 TiB of address space, made when a bit in their
// range is first set and never freed. The first leaf is the map's own static
// storage (HAKMEM_LARGE_BSS, apart from the pointers, which lie among the
// small globals), so that a program whose mappings lie in one TiB (hakmem
// asks for them from one region, boxes/os_memory) maps no leaf and touches
// only the leaf's pages its bits are in; other leaves are mapped. A flat
// bitmap was 8 MiB of bss per map, which costs nothing until a program calls
// mlockall: then all of it is faulted in (a small program 22 MiB resident, 16
// of them the two maps; mimalloc 35, glibc 2.4). Tests cost one load more than
// the flat map's, from the line that holds the pointers.
inline constexpr size_t kAddressBits = 47;

class ChunkMap {
 public:
  static constexpr size_t kLeafShift = 19;  // 2^19 chunks per leaf
  static constexpr size_t kLeafWords = (size_t{1} << kLeafShift) / 64;
  // One spare entry: Test lets exactly 2^47 through its bound test, and that
  // address's leaf would be the spare one, which nothing ever makes.
  static constexpr size_t kTopEntries = (size_t{1} << (kAddressBits - kChunkShift - kLeafShift)) + 1;
  using Leaf = std::atomic<uint64_t>[kLeafWords];

  // `own_leaf`: zeroed static storage, the first leaf made.
  constexpr explicit ChunkMap(Leaf& own_leaf) : own_leaf_(own_leaf) {}
  ChunkMap(const ChunkMap&) = delete;
  ChunkMap& operator=(const ChunkMap&) = delete;

  bool Test(uintptr_t addr) const {
    // addr - 1 folds nullptr into the same test as addresses beyond 47 bits.
    if ((addr - 1) >> kAddressBits) return false;
    const uintptr_t chunk = addr >> kChunkShift;
    const std::atomic<uint64_t>* leaf = LeafOf(chunk);
    if (leaf == nullptr) return false;
    return (leaf[WordOf(chunk)].load(std::memory_order_relaxed) >> (chunk & 63)) & 1;
  }
  // False, with nothing set, when the chunk's leaf could not be made (no
  // memory): only for a chunk no bit of its TiB was ever set in.
  bool Set(uintptr_t addr) {
    const uintptr_t chunk = addr >> kChunkShift;
    std::atomic<uint64_t>* leaf = LeafOf(chunk);
    if (leaf == nullptr && (leaf = MakeLeaf(chunk >> kLeafShift)) == nullptr) return false;
    leaf[WordOf(chunk)].fetch_or(uint64_t{1} << (chunk & 63), std::memory_order_release);
    return true;
  }
  // Only for a chunk whose bit was set (its leaf exists).
  void Clear(uintptr_t addr) {
    const uintptr_t chunk = addr >> kChunkShift;
    LeafOf(chunk)[WordOf(chunk)].fetch_and(~(uint64_t{1} << (chunk & 63)), std::memory_order_release);
  }
  // Leaves made so far, and whether the one holding `addr`'s bit is the map's
  // own (for tests).
  size_t LeafCount() const;
  bool HoldsInOwnLeaf(uintptr_t addr) const { return LeafOf(addr >> kChunkShift) == own_leaf_; }

 private:
  // The leaf that holds chunk number `chunk`'s bit (nullptr: not made yet),
  // and the word of it that does.
  std::atomic<uint64_t>* LeafOf(uintptr_t chunk) const {
    return leaves_[chunk >> kLeafShift].load(std::memory_order_acquire);
  }
  static size_t WordOf(uintptr_t chunk) { return (chunk >> 6) & (kLeafWords - 1); }
  std::atomic<uint64_t>* MakeLeaf(size_t index);

  std::atomic<std::atomic<uint64_t>*> leaves_[kTopEntries] = {};
  std::atomic<bool> own_leaf_taken_{false};
  std::atomic<uint64_t>* const own_leaf_;
};

extern ChunkMap g_chunk_map;
// Chunks whose first byte is a large object aligned to >= 2 MiB (header just
// below, in the previous chunk). Such a chunk is not in g_chunk_map: every
// chunk there starts with a header.
extern ChunkMap g_huge_aligned_map;

inline bool ChunkMapTest(const ChunkMap& map, uintptr_t addr) { return map.Test(addr); }
[[nodiscard]] inline bool ChunkMapSet(ChunkMap& map, uintptr_t addr) { return map.Set(addr); }
inline void ChunkMapClear(ChunkMap& map, uintptr_t addr) { map.Clear(addr); }

// Superslabs mapped from the OS right now, and the most ever (every profile:
// updated only when a superslab is mapped or unmapped).
void SuperslabNoteMapped();
void SuperslabNoteUnmapped();
size_t SuperslabsLive();
size_t SuperslabsPeak();

// ---- superslab operations (owner-only or under the lock that stands for it) --

// Fresh header for a superslab mapped (or reused) at `ss`.
void SuperslabInit(Superslab* ss, Heap* owner);
// Carves a span of `nslabs` consecutive slabs (1..32) for `cls` if `ss` has
// room; nullptr otherwise. How long a class's spans are is the medium pool's
// decision (boxes/medium_pool).
Slab* SuperslabCarveSpan(Superslab* ss, size_t cls, uint32_t nslabs);
// Returns the span's slabs to the superslab. The span must be empty.
void SuperslabFreeSpan(Superslab* ss, Slab* s);
// Bytes of the span actually touched (for decommit).
size_t SpanTouchedBytes(const Slab* s);
inline uintptr_t SpanStart(const Slab* s) {
  return reinterpret_cast<uintptr_t>(SuperslabOf(s)) + s->start_offset;
}
// The block test of Slab::block_test_mul against a read of `carved_limit`.
inline bool PassesBlockTest(const Slab* s, uintptr_t offset_in_chunk, uint64_t carved_limit) {
  const uint32_t rel = static_cast<uint32_t>(offset_in_chunk) - s->start_offset;
  return uint64_t{rel} * s->block_test_mul < carved_limit;
}
// True when `offset_in_chunk` is the start of a block of `s` that was handed out
// at some point (not a block boundary that was never carved, not an interior,
// not before the span). Always false for the no_span sentinel.
inline bool IsBlockStart(const Slab* s, uintptr_t offset_in_chunk) {
  return PassesBlockTest(s, offset_in_chunk, __atomic_load_n(&s->carved_limit, __ATOMIC_RELAXED));
}
// IsBlockStart for the span's owner, the only thread that writes carved_limit:
// a plain read cannot race with its own writes, and lets the compiler compare
// with the field in memory (the free fast path of the thread's own blocks).
inline bool IsOwnBlockStart(const Slab* s, uintptr_t offset_in_chunk) {
  return PassesBlockTest(s, offset_in_chunk, s->carved_limit);
}
// c of the block test for `block_size` (see Slab::block_test_mul).
// UINT64_MAX / d is floor(2^64 / d) - 1 exactly when d is a power of two.
inline constexpr uint64_t BlockTestMultiplier(uint32_t block_size) {
  const bool power_of_two = (block_size & (block_size - 1)) == 0;
  return UINT64_MAX / block_size + (power_of_two ? 1 : 0) + 1;
}
inline uint16_t Carved(const Slab* s) { return OwnerStateOf(s).carved; }
// Sets the block test's bound to the first `carved` blocks of `s`.
void SlabSetCarvedLimit(Slab* s, uint32_t carved);
// Records that the first `carved` blocks of `s` have been cut (owner only),
// in the span's replicas too.
void SlabSetCarved(Slab* s, uint16_t carved);
inline bool SlabHasFree(const Slab* s) {
  const SpanOwnerState& st = OwnerStateOf(s);
  return st.free != nullptr || st.carved < s->capacity;
}

}  // namespace hakmem

#endif  // HAKMEM_BOXES_SUPERSLAB_SUPERSLAB_H_
