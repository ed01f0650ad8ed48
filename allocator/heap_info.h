// Whole-heap figures for hak_heap_info_get, mallinfo2 and malloc_stats.
#ifndef HAKMEM_ALLOCATOR_HEAP_INFO_H_
#define HAKMEM_ALLOCATOR_HEAP_INFO_H_

#include "allocator/hakmem.h"

namespace hakmem {

void HeapInfoGet(hak_heap_info* out);
void OsCountersGet(hak_os_counters* out);
// glibc's malloc_stats format, to stderr, without allocating.
void PrintMallocStats();

}  // namespace hakmem

#endif  // HAKMEM_ALLOCATOR_HEAP_INFO_H_
