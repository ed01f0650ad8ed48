#include "allocator/heap_info.h"

#include <unistd.h>

#include "boxes/env_gates/env_gates.h"
#include "boxes/heap/heap.h"
#include "boxes/large_objects/large_objects.h"
#include "boxes/os_memory/os_memory.h"
#include "boxes/superslab/superslab.h"

namespace hakmem {

void HeapInfoGet(hak_heap_info* out) {
  // In-use first, mapped second: memory is mapped before it is counted as in
  // use, so this order only errs towards more mapped. Other threads may still
  // free and unmap between the reads; a snapshot never shows more in use than
  // mapped.
  const size_t out_of_slabs = HeapBytesOutOfSlabs();
  const size_t cached = HeapBytesInThreadCaches();
  const size_t large = LargeLiveBytes();
  const size_t mapped = OsMappedBytes();
  size_t in_use = (out_of_slabs > cached ? out_of_slabs - cached : 0) + large;
  if (in_use > mapped) in_use = mapped;
  out->mapped_bytes = mapped;
  out->in_use_bytes = in_use;
  out->free_bytes = mapped > in_use ? mapped - in_use : 0;
  out->superslabs_live = SuperslabsLive();
  out->large_live = LargeLiveCount();
}

void OsCountersGet(hak_os_counters* out) {
  const OsCounters c = OsCountersSnapshot();
  out->mmap_calls = c.mmap_calls;
  out->munmap_calls = c.munmap_calls;
  out->madvise_calls = c.madvise_calls;
  out->madvise_skipped = c.madvise_skipped;
  out->mmap_bytes = c.mmap_bytes;
  out->munmap_bytes = c.munmap_bytes;
  out->madvise_bytes = c.madvise_bytes;
}

void PrintMallocStats() {
  hak_heap_info info;
  HeapInfoGet(&info);
  char num[24];
  WriteString(STDERR_FILENO, "Arena 0:\nsystem bytes     = ");
  WriteString(STDERR_FILENO, FormatUnsigned(info.mapped_bytes, num));
  WriteString(STDERR_FILENO, "\nin use bytes     = ");
  WriteString(STDERR_FILENO, FormatUnsigned(info.in_use_bytes, num));
  WriteString(STDERR_FILENO, "\nTotal (incl. mmap):\nsystem bytes     = ");
  WriteString(STDERR_FILENO, FormatUnsigned(info.mapped_bytes, num));
  WriteString(STDERR_FILENO, "\nin use bytes     = ");
  WriteString(STDERR_FILENO, FormatUnsigned(info.in_use_bytes, num));
  WriteString(STDERR_FILENO, "\nmax mmap regions = ");
  WriteString(STDERR_FILENO, FormatUnsigned(info.large_live, num));
  WriteString(STDERR_FILENO, "\nmax mmap bytes   = ");
  WriteString(STDERR_FILENO, FormatUnsigned(LargeLiveBytes(), num));
  WriteString(STDERR_FILENO, "\n");
}

}  // namespace hakmem
