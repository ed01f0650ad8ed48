// The soak loop: runs the Mixed workload (//benchmarks:mixed_workload) for a
// wall-clock duration and reports one row per epoch.
#ifndef HAKMEM_SOAK_SOAK_LOOP_H_
#define HAKMEM_SOAK_SOAK_LOOP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

#include "absl/time/time.h"
#include "benchmarks/mixed_workload.h"
#include "soak/process_memory.h"

namespace hakmem::soak {

struct SoakSettings {
  // ws, seed, sizes and threads of the workload; the loop sets cycles (run
  // until stopped), prefault (on) and the callbacks itself.
  bench::MixedConfig workload;
  absl::Duration duration = absl::Seconds(30);
  absl::Duration epoch = absl::Seconds(1);
  // Set (e.g. by a SIGINT handler) to end the run early; the loop still
  // reports the epoch in progress.
  const std::atomic<bool>* stop_requested = nullptr;
};

struct EpochRow {
  uint64_t epoch = 0;  // 1, 2, ...
  double elapsed_s = 0;
  double epoch_s = 0;
  uint64_t epoch_ops = 0;
  uint64_t total_ops = 0;
  double ops_per_s = 0;
  uint64_t rss_bytes = 0;
  std::optional<TracedOsCallCounts> os_calls;       // when run under the tracer
  std::optional<OsCallCounts> allocator_os_calls;   // hakmem's own counters
};

struct SoakOutcome {
  uint64_t epochs = 0;
  uint64_t total_ops = 0;
  double elapsed_s = 0;
  bool stopped_early = false;  // stop_requested ended the run
};

// Runs the soak as one continuous run of the workload, calling `on_epoch` once
// per epoch (the last may be shorter than settings.epoch). Returns after the
// duration or a stop request; every epoch's row comes from the same run.
SoakOutcome RunSoak(const SoakSettings& settings, const std::function<void(const EpochRow&)>& on_epoch);

}  // namespace hakmem::soak

#endif  // HAKMEM_SOAK_SOAK_LOOP_H_
