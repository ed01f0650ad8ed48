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
enum MarkerPhase : uint64_t { kMarkerCountingStarts = 1, kMarkerCountingStops = 2 };

// Makes the marker system call (see above).
void EmitSyscallMarker(MarkerPhase phase);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_SYSCALL_MARKER_H_
