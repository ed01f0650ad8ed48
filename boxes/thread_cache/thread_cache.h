// Thread cache: per thread, per size class, a stack of free blocks' pointers in
// front of a list of free blocks. Popping and pushing touch only thread-local
// memory: no atomic instruction, no lock.
// Refill and flush move blocks in batches against the owning slabs
// (boxes/heap).
//
// Free-list links (here and in the spans' lists) are stored XOR-ed with a
// per-process key: random (getrandom at initialisation), with bit 3 forced on,
// so whatever 16-byte-aligned value (or zero) a program writes into a freed
// block decodes to a misaligned link, which the next pop catches, instead of
// handing out an address of its choosing; and the links in memory do not give
// away heap addresses. Cost: one xor per push and pop (with the copy of the key
// beside the bins), one test per pop. (The key replaced a mask made from each
// block's address, glibc's safe-linking, which cost a move, a shift and an or
// more per push and pop.)
#ifndef HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
#define HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "boxes/diagnostics/diagnostics.h"
#include "boxes/size_classes/size_classes.h"
#include "profiles/profile.h"

namespace hakmem {

// Set once by LinkKeyInit before the first block exists; never changes after.
extern uintptr_t g_link_key;
// Draws the key (process-wide initialisation, before the first block is cut;
// one getrandom call, no allocation).
void LinkKeyInit();

inline void SetNext(void* block, const void* next, uintptr_t key = g_link_key) {
  *static_cast<uintptr_t*>(block) = reinterpret_cast<uintptr_t>(next) ^ key;
}
inline void* GetNext(const void* block, uintptr_t key = g_link_key) {
  return reinterpret_cast<void*>(*static_cast<const uintptr_t*>(block) ^ key);
}
// Every block is 16-byte aligned, so a decoded link that is not was overwritten.
inline bool LinkLooksValid(const void* next) { return (reinterpret_cast<uintptr_t>(next) & 15) == 0; }

// ---- front stacks ---------------------------------------------------------
// In front of each small class's list, a stack of pointers (as jemalloc's
// cache_bin): free stores the pointer there instead of writing a link into the
// block, and malloc pops it. The common free then touches no line of the block
// (with many live blocks, usually a cold one) and the common malloc decodes no
// link; a stacked block holds nothing hakmem reads, so a write into it after
// free cannot mislead the allocator (blocks on lists keep their encoded links
// and the pop-time check). The list takes what a full stack refuses, and
// refills, flushes and trims work on the lists as before.
//
// Each stack is a run of ThreadCache::front_slots whose first slot is always
// nullptr: an empty stack pops nullptr with no count or bound to test, and
// front_ends marks the slot a full stack stops at. Classes no small request
// maps to, and every class of the empty heap, have no stack: top and end are
// the shared empty slot, so each pop finds nullptr and each push a full stack.

// Memory-lean builds (BALANCED) keep their bins list-only: with the stacks,
// BALANCED's peak RSS in Mixed at ws=400 rose by about 110 KiB (10-million-
// operation runs; docs/PERFORMANCE.md, experiment 48), which its target, peak
// RSS at most mimalloc's, has no room for. Every class then has no stack.
#if HAKMEM_MEM_LEAN_ENABLED
inline constexpr bool kFrontStacks = false;
#else
inline constexpr bool kFrontStacks = true;
#endif

// Slots of a class of `size` bytes: about 16 KiB of blocks, 4..64.
constexpr uint32_t FrontCapacityForSize(size_t size) {
  const size_t n = (16 * 1024) / size;
  return n < 4 ? 4 : n > 64 ? 64 : static_cast<uint32_t>(n);
}

namespace thread_cache_internal {

// The classes the fast path's requests (up to kLookupMaxSize) reach: every
// class up to that size's, since every class size is a multiple of 16.
constexpr bool IsSmallRequestClass(size_t cls) { return cls <= ComputeClass(kLookupMaxSize); }

constexpr std::array<uint32_t, kNumClasses> MakeFrontCapacities() {
  std::array<uint32_t, kNumClasses> caps{};
  for (size_t c = 0; c < kNumClasses; ++c) {
    caps[c] = kFrontStacks && IsSmallRequestClass(c) ? FrontCapacityForSize(ClassSize(c)) : 0;
  }
  return caps;
}
inline constexpr auto kFrontCapacities = MakeFrontCapacities();

// Where each stack lies in front_slots: the index of its nullptr slot
// (classes without a stack: 0), and the slots of all of them.
struct FrontLayout {
  std::array<uint32_t, kNumClasses> bases{};
  size_t slots = 0;
};
constexpr FrontLayout MakeFrontLayout() {
  FrontLayout layout;
  for (size_t c = 0; c < kNumClasses; ++c) {
    if (kFrontCapacities[c] == 0) continue;
    layout.bases[c] = static_cast<uint32_t>(layout.slots);
    layout.slots += kFrontCapacities[c] + 1;
  }
  return layout;
}
inline constexpr FrontLayout kFrontLayout = MakeFrontLayout();
inline constexpr const auto& kFrontBases = kFrontLayout.bases;

}  // namespace thread_cache_internal

inline constexpr size_t kFrontSlots = thread_cache_internal::kFrontLayout.slots;
inline uint32_t FrontCapacity(size_t cls) { return thread_cache_internal::kFrontCapacities[cls]; }

// The empty slot every class without a stack points at. Never written.
extern void* g_front_none;

// One bin per size class, kept as parallel arrays rather than an array of
// {top, end, head, room, limit}: the fast paths then address a class's fields
// with the class index scaled by the instruction itself (8 and 4 bytes), with
// no multiply or shift of their own.
struct ThreadCache {
  void** front_tops[kNumClasses];  // the top slot; the nullptr slot when empty
  void** front_ends[kNumClasses];  // the slot a full stack's top is at
  void* heads[kNumClasses];
  // limit - blocks held: a push that takes it below zero flushes. Counting
  // down to zero saves the fast path a load and a compare against the limit.
  int32_t rooms[kNumClasses];
  uint32_t limits[kNumClasses];  // of the list, the stack not counted
  // g_link_key, copied when the heap is made: the fast paths find it next to
  // the bins, through the heap pointer they hold anyway, instead of through
  // the global's address.
  uintptr_t link_key;
  // kFrontSlots slots, beside the heap rather than in it (FrontInit), so that
  // the empty heap, a constant, carries none.
  void** front_slots;
  // Constant initialisation (the empty heap): no stacks.
  constexpr ThreadCache()
      : front_tops{}, front_ends{}, heads{}, rooms{}, limits{}, link_key{}, front_slots{} {
    for (void**& top : front_tops) top = &g_front_none;
    for (void**& end : front_ends) end = &g_front_none;
  }
};

// Lays out the stacks of a heap's cache in `slots` (kFrontSlots of them), all
// empty.
void FrontInit(ThreadCache* tc, void** slots);

// The top block of the stack, or nullptr when it is empty (never takes it).
inline void* FrontPeek(const ThreadCache* tc, size_t cls) { return *tc->front_tops[cls]; }

// Takes the top block, or returns nullptr when the stack is empty.
inline void* FrontPop(ThreadCache* tc, size_t cls) {
  void** top = tc->front_tops[cls];
  void* p = *top;
  if (__builtin_expect(p != nullptr, 1)) tc->front_tops[cls] = top - 1;
  return p;
}

// Pushes `p` unless the stack is full; false then.
inline bool FrontPush(ThreadCache* tc, size_t cls, void* p) {
  void** top = tc->front_tops[cls];
  if (__builtin_expect(top == tc->front_ends[cls], 0)) return false;
  top[1] = p;
  tc->front_tops[cls] = top + 1;
  return true;
}

// Blocks on the stack. Heap statistics read other threads' caches with it
// while their owners push and pop (a statistic, exact only when they are idle,
// so TSan is told): a stack not laid out yet (a heap being made), or read
// mid-push, counts 0.
__attribute__((no_sanitize("thread"))) inline uint32_t FrontCount(const ThreadCache* tc, size_t cls) {
  const uint32_t capacity = FrontCapacity(cls);
  if (capacity == 0 || tc->front_slots == nullptr) return 0;
  const ptrdiff_t n = tc->front_tops[cls] - (tc->front_slots + thread_cache_internal::kFrontBases[cls]);
  return n >= 0 && n <= static_cast<ptrdiff_t>(capacity) ? static_cast<uint32_t>(n) : 0;
}

// Blocks on the list (the stack not counted).
inline uint32_t CacheCount(const ThreadCache* tc, size_t cls) {
  return static_cast<uint32_t>(static_cast<int32_t>(tc->limits[cls]) - tc->rooms[cls]);
}

// The head's link was overwritten: reports, and (warn mode) returns the head
// and drops the rest of the list. Out of line, so the fast path stays leaf code;
// never null, so a caller's "bin was empty" test is not repeated after it and
// the call stays a tail call.
__attribute__((cold, noinline, returns_nonnull)) void* CachePopCorrupted(ThreadCache* tc, size_t cls, void* head);

inline void* CachePop(ThreadCache* tc, size_t cls) {
  void* p = tc->heads[cls];
  if (__builtin_expect(p != nullptr, 1)) {
    void* next = GetNext(p, tc->link_key);
    if (__builtin_expect(!LinkLooksValid(next), 0)) return CachePopCorrupted(tc, cls, p);
    tc->heads[cls] = next;
    tc->rooms[cls]++;
  }
  return p;
}

// Returns true when the bin is over its limit and must be flushed.
inline bool CachePush(ThreadCache* tc, size_t cls, void* p) {
  SetNext(p, tc->heads[cls], tc->link_key);
  tc->heads[cls] = p;
  return --tc->rooms[cls] < 0;
}

// Blocks a bin may hold: about 32 KiB worth, at least 2, at most 256.
inline uint32_t BinLimitForSize(size_t block_size) {
  const size_t n = (32 * 1024) / block_size;
  return n < 2 ? 2 : n > 256 ? 256 : static_cast<uint32_t>(n);
}

// The list's share of the bin (the stack takes the rest), at least 2.
inline uint32_t ListLimitForClass(size_t cls) {
  const uint32_t bin = BinLimitForSize(ClassSize(cls));
  const uint32_t front = FrontCapacity(cls);
  return bin >= front + 2 ? bin - front : 2;
}

}  // namespace hakmem

#endif  // HAKMEM_BOXES_THREAD_CACHE_THREAD_CACHE_H_
