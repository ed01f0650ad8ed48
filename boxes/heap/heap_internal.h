// Parts of the heap box shared between its own files (heap.cc, heap_check.cc).
#ifndef HAKMEM_BOXES_HEAP_HEAP_INTERNAL_H_
#define HAKMEM_BOXES_HEAP_HEAP_INTERNAL_H_

#include "boxes/superslab/superslab.h"

namespace hakmem {

// Runs `fn` on every abandoned superslab, under the abandoned-list lock.
void ForEachAbandoned(void (*fn)(const Superslab*, void*), void* arg);

}  // namespace hakmem

#endif  // HAKMEM_BOXES_HEAP_HEAP_INTERNAL_H_
