// The columns of a soak CSV (one row per epoch), shared by the writer
// (//soak:mixed_*) and the readers in tools/ so the two cannot drift apart.
#ifndef HAKMEM_TOOLS_SOAK_CSV_COLUMNS_H_
#define HAKMEM_TOOLS_SOAK_CSV_COLUMNS_H_

namespace hakmem::tools::soak_columns {

inline constexpr char kEpoch[] = "epoch";          // 1, 2, 3, ...
inline constexpr char kElapsed[] = "elapsed_s";    // seconds since the timed run began, at epoch end
inline constexpr char kEpochSeconds[] = "epoch_s"; // length of this epoch (the last may be short)
inline constexpr char kEpochOps[] = "epoch_ops";   // operations in this epoch
inline constexpr char kTotalOps[] = "total_ops";   // operations since the timed run began
inline constexpr char kOpsPerSecond[] = "ops_per_s";
inline constexpr char kRssBytes[] = "rss_bytes";   // resident set from /proc/self/statm
// Cumulative OS calls of every thread since exec, counted by the ptrace tracer
// (//soak:trace_syscalls) the same way for every allocator; empty when the
// soak ran untraced (the throughput variant).
inline constexpr char kMmapCalls[] = "mmap_calls";
inline constexpr char kMunmapCalls[] = "munmap_calls";
inline constexpr char kMadviseCalls[] = "madvise_calls";
// Also traced; absent from CSVs written before they were added.
inline constexpr char kMremapCalls[] = "mremap_calls";
inline constexpr char kBrkCalls[] = "brk_calls";
// The allocator's own cumulative counters (hakmem's hak_os_counters_get),
// kept as a cross-check of the traced counts; empty for other allocators.
inline constexpr char kAllocatorMmapCalls[] = "allocator_mmap_calls";
inline constexpr char kAllocatorMunmapCalls[] = "allocator_munmap_calls";
inline constexpr char kAllocatorMadviseCalls[] = "allocator_madvise_calls";
// Wall-clock time at the epoch's end, seconds since 1970-01-01 UTC, so the
// date of a run survives copying the file (a clone resets modification
// times). Absent from CSVs written before it was added.
inline constexpr char kUnixTime[] = "unix_time";

inline constexpr char kHeader[] =
    "epoch,elapsed_s,epoch_s,epoch_ops,total_ops,ops_per_s,rss_bytes,mmap_calls,munmap_calls,"
    "madvise_calls,mremap_calls,brk_calls,allocator_mmap_calls,allocator_munmap_calls,"
    "allocator_madvise_calls,unix_time";

}  // namespace hakmem::tools::soak_columns

#endif  // HAKMEM_TOOLS_SOAK_CSV_COLUMNS_H_
