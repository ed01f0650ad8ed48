// Which allocator a benchmark binary was built for, and where its malloc
// really comes from at run time.
//
// allocator_matrix.bzl generates one tiny source per allocator defining the
// two constants below, so the benchmark's own object code is identical in
// every binary and only this identity (and the linked allocator) differ.
#ifndef HAKMEM_BENCHMARKS_ALLOCATOR_IDENTITY_H_
#define HAKMEM_BENCHMARKS_ALLOCATOR_IDENTITY_H_

#include <string>

extern "C" {
// Table name of the allocator ("glibc", "mimalloc", ...).
extern const char kHakmemBenchAllocatorName[];
// Prefix of the file name of the shared object that must define malloc
// ("libc.so", "libmimalloc.so", ...).
extern const char kHakmemBenchMallocLibraryPrefix[];
}

namespace hakmem::bench {

// Path of the shared object that the process's `malloc` resolves to.
std::string MallocLibraryPath();

// Empty when malloc comes from the expected library, otherwise a one-line
// explanation.
std::string CheckMallocIdentity();

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_ALLOCATOR_IDENTITY_H_
