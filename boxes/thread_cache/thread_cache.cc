#include "boxes/thread_cache/thread_cache.h"

namespace hakmem {

void* CachePopCorrupted(ThreadCache* tc, size_t cls, void* head) {
  ReportCorruptedFreeList(head);
  tc->heads[cls] = nullptr;  // the rest of the list is leaked, never handed out
  tc->rooms[cls] = static_cast<int32_t>(tc->limits[cls]);
  return head;
}

}  // namespace hakmem
