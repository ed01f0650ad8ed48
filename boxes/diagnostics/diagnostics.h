// Diagnostics for a heap a program has corrupted: one line on stderr naming the
// call and the address, then abort() (like glibc's "free(): invalid pointer"),
// or, with HAKMEM_ON_CORRUPTION=warn, the line and carry on.
#ifndef HAKMEM_BOXES_DIAGNOSTICS_DIAGNOSTICS_H_
#define HAKMEM_BOXES_DIAGNOSTICS_DIAGNOSTICS_H_

namespace hakmem {

// Each returns only in warn mode.
__attribute__((cold, noinline)) void ReportInvalidPointer(const char* call, const void* p);
__attribute__((cold, noinline)) void ReportDoubleFree(const char* call, const void* p);
__attribute__((cold, noinline)) void ReportCorruptedFreeList(const void* block);

}  // namespace hakmem

#endif  // HAKMEM_BOXES_DIAGNOSTICS_DIAGNOSTICS_H_
