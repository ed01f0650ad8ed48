// The counting implementation; only built when the stats box is on.
#include "boxes/stats/stats.h"

namespace hakmem {
namespace {

struct GlobalCounters {
  std::atomic<uint64_t> allocs, frees, refills, flushes, remote_frees;
};
GlobalCounters g_classes[kNumClasses];
}  // namespace

void StatsRemoteFree(size_t cls) { g_classes[cls].remote_frees.fetch_add(1, std::memory_order_relaxed); }

void StatsRetire(ThreadStats* stats) {
  for (size_t c = 0; c < kNumClasses; ++c) {
    auto& from = stats->classes[c];
    auto& to = g_classes[c];
    to.allocs.fetch_add(from.allocs.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
    to.frees.fetch_add(from.frees.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
    to.refills.fetch_add(from.refills.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
    to.flushes.fetch_add(from.flushes.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
  }
}

void StatsAccumulate(const ThreadStats& stats, StatsSnapshot* out) {
  for (size_t c = 0; c < kNumClasses; ++c) {
    const auto& from = stats.classes[c];
    out->classes[c].allocs += from.allocs.load(std::memory_order_relaxed);
    out->classes[c].frees += from.frees.load(std::memory_order_relaxed);
    out->classes[c].refills += from.refills.load(std::memory_order_relaxed);
    out->classes[c].flushes += from.flushes.load(std::memory_order_relaxed);
  }
}

void StatsGlobal(StatsSnapshot* out) {
  for (size_t c = 0; c < kNumClasses; ++c) {
    out->classes[c].allocs += g_classes[c].allocs.load(std::memory_order_relaxed);
    out->classes[c].frees += g_classes[c].frees.load(std::memory_order_relaxed);
    out->classes[c].refills += g_classes[c].refills.load(std::memory_order_relaxed);
    out->classes[c].flushes += g_classes[c].flushes.load(std::memory_order_relaxed);
    out->classes[c].remote_frees += g_classes[c].remote_frees.load(std::memory_order_relaxed);
  }
}

}  // namespace hakmem
