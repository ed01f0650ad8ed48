#include "soak/soak_loop.h"

#include <chrono>

namespace hakmem::soak {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// The workload's epoch boundaries are the loop's clock checks: every this
// many operations per thread (well under a millisecond at tens of millions
// of operations per second; with threads > 1 each check is a barrier).
constexpr uint64_t kCheckOperationsPerThread = uint64_t{1} << 15;

}  // namespace

SoakOutcome RunSoak(const SoakSettings& settings, const std::function<void(const EpochRow&)>& on_epoch) {
  const double duration_s = absl::ToDoubleSeconds(settings.duration);
  const double epoch_s = absl::ToDoubleSeconds(settings.epoch);
  const auto stop_requested = [&] {
    return settings.stop_requested != nullptr && settings.stop_requested->load(std::memory_order_relaxed);
  };

  SoakOutcome outcome;
  Clock::time_point start{};
  Clock::time_point epoch_start{};
  uint64_t ops_at_epoch_start = 0;
  bool finished = false;

  const auto emit = [&](Clock::time_point now, uint64_t total_ops) {
    EpochRow row;
    row.epoch = ++outcome.epochs;
    row.elapsed_s = SecondsBetween(start, now);
    row.epoch_s = SecondsBetween(epoch_start, now);
    row.epoch_ops = total_ops - ops_at_epoch_start;
    row.total_ops = total_ops;
    row.ops_per_s = row.epoch_s > 0 ? static_cast<double>(row.epoch_ops) / row.epoch_s : 0;
    row.rss_bytes = ReadRssBytes();
    row.os_calls = ReadTracedOsCallCounts();
    row.allocator_os_calls = ReadAllocatorOsCallCounts();
    on_epoch(row);
    epoch_start = now;
    ops_at_epoch_start = total_ops;
    outcome.total_ops = total_ops;
    outcome.elapsed_s = row.elapsed_s;
  };

  // One uninterrupted run of the workload: it asks should_stop at every
  // epoch boundary, where on_epoch has just decided whether the run is over.
  bench::MixedConfig config = settings.workload;
  config.cycles = bench::kRunUntilStopped;
  config.prefault = true;
  config.on_warmed_up = [&] { start = epoch_start = Clock::now(); };
  config.epoch_operations = kCheckOperationsPerThread * static_cast<uint64_t>(config.threads);
  config.on_epoch = [&](const bench::EpochReport& report) {
    const Clock::time_point now = Clock::now();
    const bool stopping = stop_requested();
    if (stopping || SecondsBetween(start, now) >= duration_s) {
      emit(now, report.operations_done);
      outcome.stopped_early = stopping && outcome.elapsed_s < duration_s;
      finished = true;
    } else if (SecondsBetween(epoch_start, now) >= epoch_s) {
      emit(now, report.operations_done);
    }
  };
  config.should_stop = [&] { return finished; };
  bench::RunMixed(config);
  return outcome;
}

}  // namespace hakmem::soak
