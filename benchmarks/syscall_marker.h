// The marker system call a benchmark worker makes at the start and end of the
// part whose OS calls are counted. The number is far past any real system
// call, so the kernel answers ENOSYS at once; together with the magic first
// argument no allocator or library can make it by accident.
#ifndef HAKMEM_BENCHMARKS_SYSCALL_MARKER_H_
#define HAKMEM_BENCHMARKS_SYSCALL_MARKER_H_

#include <cstdint>

namespace hakmem::bench {

inline constexpr long kMarkerSyscallNumber = 0x4B4D;    // unassigned
inline constexpr uint64_t kMarkerMagic = 0x48414B4D454D;  // "HAKMEM"
enum MarkerPhase : uint64_t {
  kMarkerCountingStarts = 1,
  kMarkerCountingStops = 2,
  // Third argument: a TracedSyscallCounts* the tracer fills in.
  kMarkerQueryCounts = 3,
};

// Makes the marker system call (see above).
void EmitSyscallMarker(MarkerPhase phase);

// The memory OS calls of the whole traced process since exec, as the tracer
// in process.h writes them into the querying process at a kMarkerQueryCounts
// marker (the process is stopped at the call's entry meanwhile, so it reads
// the counts as of that moment, without locks).
struct TracedSyscallCounts {
  uint64_t answered = 0;  // kMarkerMagic once a tracer has written the counts
  uint64_t mmap = 0;
  uint64_t munmap = 0;
  uint64_t madvise = 0;
  uint64_t mremap = 0;
  uint64_t brk = 0;
};

// Asks the tracer for the counts. False when the process is not traced by
// one (the call then just fails with ENOSYS): nobody answered.
bool QueryTracedSyscallCounts(TracedSyscallCounts& counts);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_SYSCALL_MARKER_H_
