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
// Cumulative OS calls since process start; empty when not measured.
inline constexpr char kMmapCalls[] = "mmap_calls";
inline constexpr char kMunmapCalls[] = "munmap_calls";
inline constexpr char kMadviseCalls[] = "madvise_calls";

inline constexpr char kHeader[] =
    "epoch,elapsed_s,epoch_s,epoch_ops,total_ops,ops_per_s,rss_bytes,mmap_calls,munmap_calls,"
    "madvise_calls";

}  // namespace hakmem::tools::soak_columns

#endif  // HAKMEM_TOOLS_SOAK_CSV_COLUMNS_H_
