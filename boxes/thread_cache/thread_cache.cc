#include "boxes/thread_cache/thread_cache.h"

namespace hakmem {

void* BinPopCorrupted(Bin* bin, void* head) {
  ReportCorruptedFreeList(head);
  bin->head = nullptr;  // the rest of the list is leaked, never handed out
  bin->room = static_cast<int32_t>(bin->limit);
  return head;
}

}  // namespace hakmem
