#include "benchmarks/syscall_marker.h"

#include <unistd.h>

namespace hakmem::bench {

void EmitSyscallMarker(MarkerPhase phase) {
  syscall(kMarkerSyscallNumber, kMarkerMagic, static_cast<uint64_t>(phase));
}

bool QueryTracedSyscallCounts(TracedSyscallCounts& counts) {
  counts = TracedSyscallCounts{};
  syscall(kMarkerSyscallNumber, kMarkerMagic, static_cast<uint64_t>(kMarkerQueryCounts), &counts);
  return counts.answered == kMarkerMagic;
}

}  // namespace hakmem::bench
