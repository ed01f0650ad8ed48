#include "soak/soak_loop.h"

#include <algorithm>
#include <chrono>

namespace hakmem::soak {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// The workload's epoch callback is our clock check: about this often...
constexpr double kCheckIntervalS = 0.002;
// ...and RunMixed returns (so a stop request is honoured) about this often.
constexpr double kRunMixedCallS = 0.2;
constexpr uint64_t kMinCheckOps = 1024;
constexpr uint64_t kMaxCheckOps = uint64_t{1} << 24;

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
    row.os_calls = ReadAllocatorOsCallCounts();
    on_epoch(row);
    epoch_start = now;
    ops_at_epoch_start = total_ops;
    outcome.total_ops = total_ops;
    outcome.elapsed_s = row.elapsed_s;
  };
  // Ends the run at `now`; a final epoch with no operations is dropped
  // unless it would be the only one.
  const auto finish = [&](Clock::time_point now, uint64_t total_ops) {
    if (total_ops > ops_at_epoch_start || outcome.epochs == 0) emit(now, total_ops);
    outcome.stopped_early = stop_requested() && SecondsBetween(start, now) < duration_s;
    finished = true;
  };

  // RunMixed runs a fixed number of operations, so the soak calls it again and
  // again; each call frees its leftovers at the end and starts with empty
  // slots, which the working set refills within a few thousand operations.
  // TODO: one unbounded RunMixed once MixedConfig can be stopped from outside.
  uint64_t check_ops = 16384;
  uint64_t checks_per_call = 16;
  uint64_t ops_before_call = 0;
  for (uint64_t call = 0; !finished; ++call) {
    if (call > 0 && (stop_requested() || SecondsBetween(start, Clock::now()) >= duration_s)) {
      finish(Clock::now(), ops_before_call);
      break;
    }
    bench::MixedConfig config = settings.workload;
    config.cycles = check_ops * checks_per_call;
    config.prefault = call == 0;
    // A fresh stream per call, so the soak does not replay one short sequence.
    config.seed = settings.workload.seed ^ static_cast<uint32_t>(call * 0x9E3779B9u);
    if (config.seed == 0) config.seed = 1;
    config.on_warmed_up = [&] {
      if (call == 0) start = epoch_start = Clock::now();
    };
    config.epoch_operations = check_ops;
    config.on_epoch = [&](const bench::EpochReport& report) {
      if (finished) return;
      const Clock::time_point now = Clock::now();
      const uint64_t total_ops = ops_before_call + report.operations_done;
      if (stop_requested() || SecondsBetween(start, now) >= duration_s) {
        finish(now, total_ops);
      } else if (SecondsBetween(epoch_start, now) >= epoch_s) {
        emit(now, total_ops);
      }
    };
    const Clock::time_point call_start = Clock::now();
    const bench::MixedResult result = bench::RunMixed(config);
    const double call_s = std::max(SecondsBetween(call_start, Clock::now()), 1e-6);
    ops_before_call += result.operations;

    // Size the next call from this one's speed.
    const double ops_per_s = static_cast<double>(result.operations) / call_s;
    check_ops = std::clamp(static_cast<uint64_t>(ops_per_s * kCheckIntervalS), kMinCheckOps, kMaxCheckOps);
    checks_per_call = std::max<uint64_t>(1, static_cast<uint64_t>(kRunMixedCallS / kCheckIntervalS));
  }
  return outcome;
}

}  // namespace hakmem::soak
