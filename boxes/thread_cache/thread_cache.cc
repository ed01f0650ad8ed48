#include "boxes/thread_cache/thread_cache.h"

#include <sys/random.h>

#include <cstdint>

namespace hakmem {

void* g_front_none = nullptr;

void FrontInit(ThreadCache* tc, void** slots) {
  tc->front_slots = slots;
  for (size_t c = 0; c < kNumClasses; ++c) {
    const uint32_t capacity = FrontCapacity(c);
    if (capacity == 0) {
      tc->front_tops[c] = tc->front_ends[c] = &g_front_none;
      continue;
    }
    void** bottom = &tc->front_slots[thread_cache_internal::kFrontBases[c]];
    *bottom = nullptr;
    tc->front_tops[c] = bottom;
    tc->front_ends[c] = bottom + capacity;
  }
}

// Bit 3 set from the start, so the guarantee holds even before LinkKeyInit.
uintptr_t g_link_key = 0x9e3779b97f4a7c18u | 8;

void LinkKeyInit() {
  uintptr_t key = 0;
  // Its own random bytes, not AT_RANDOM's, which also seed glibc's stack and
  // pointer guards: a key worked out from heap contents must not reveal them.
  if (getrandom(&key, sizeof(key), GRND_NONBLOCK) != sizeof(key)) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));  // early boot, no entropy yet: time and ASLR
    key = ((uintptr_t{hi} << 32) | lo) * 0x9e3779b97f4a7c15u ^ reinterpret_cast<uintptr_t>(&key);
  }
  g_link_key = key | 8;
}

void* CachePopCorrupted(ThreadCache* tc, size_t cls, void* head) {
  ReportCorruptedFreeList(head);
  tc->heads[cls] = nullptr;  // the rest of the list is leaked, never handed out
  tc->rooms[cls] = static_cast<int32_t>(tc->limits[cls]);
  return head;
}

}  // namespace hakmem
