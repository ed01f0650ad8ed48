// Stats (OBSERVE): per size class allocs, frees, refills, flushes and remote
// frees. Compiled out in FAST and BALANCED, where
// every function below is an empty inline and no counter exists.
// OS call counters are not here: they live in boxes/os_memory, in every profile.
#ifndef HAKMEM_BOXES_STATS_STATS_H_
#define HAKMEM_BOXES_STATS_STATS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "boxes/size_classes/size_classes.h"

namespace hakmem {

struct ClassStats {
  uint64_t allocs;
  uint64_t frees;
  uint64_t refills;
  uint64_t flushes;
  uint64_t remote_frees;
};

struct StatsSnapshot {
  ClassStats classes[kNumClasses];
};

#if HAKMEM_STATS_ENABLED
inline constexpr bool kStatsEnabled = true;

// Written only by the owning thread (load + store, no read-modify-write), read
// by anyone: relaxed atomics keep that free of data races at no cost.
struct ThreadStats {
  struct Counters {
    std::atomic<uint64_t> allocs, frees, refills, flushes, remote_frees;
  } classes[kNumClasses];
};

inline void StatsBump(std::atomic<uint64_t>& c) {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}
#define HAKMEM_STAT(thread_stats, cls, field) ::hakmem::StatsBump((thread_stats).classes[cls].field)

// Remote frees are counted by the freeing thread, which has no heap of the owner.
void StatsRemoteFree(size_t cls);
// Folds a dying thread's counters into the process totals.
void StatsRetire(ThreadStats* stats);
// Adds the counters of one live thread into `out`.
void StatsAccumulate(const ThreadStats& stats, StatsSnapshot* out);
// Process totals (retired threads, remote frees).
void StatsGlobal(StatsSnapshot* out);
#else
inline constexpr bool kStatsEnabled = false;
struct ThreadStats {};
#define HAKMEM_STAT(thread_stats, cls, field) ((void)0)
inline void StatsRemoteFree(size_t) {}
inline void StatsRetire(ThreadStats*) {}
inline void StatsAccumulate(const ThreadStats&, StatsSnapshot*) {}
inline void StatsGlobal(StatsSnapshot*) {}
#endif

}  // namespace hakmem

#endif  // HAKMEM_BOXES_STATS_STATS_H_
