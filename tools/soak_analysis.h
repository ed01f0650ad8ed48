// Arithmetic of the soak analysis: drift, variation, percentiles, tail and
// syscall budget of one soak CSV (see tools/soak_csv_columns.h and
// docs/SOAK.md for the definitions).
#ifndef HAKMEM_TOOLS_SOAK_ANALYSIS_H_
#define HAKMEM_TOOLS_SOAK_ANALYSIS_H_

#include <cstddef>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/csv_table.h"

namespace hakmem::tools {

// Percentile `pct` (0..100) of `values` by linear interpolation between the
// closest ranks: rank = pct/100 * (n - 1) in the sorted values. `values` must
// not be empty.
double Percentile(std::vector<double> values, double pct);

struct SeriesSummary {
  size_t count = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for one value
  double cv_pct = 0;  // stddev / mean * 100
  double min = 0;
  double max = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double p999 = 0;
};
// `values` must not be empty.
SeriesSummary Summarize(const std::vector<double>& values);

// (later - earlier) / earlier * 100.
double ChangePct(double earlier, double later);

// How much of the start of a run is warm-up: a share of the epochs ("10%") or
// a time ("30s", "5m").
struct WarmupSpec {
  std::optional<double> fraction;
  absl::Duration time = absl::ZeroDuration();
};
absl::StatusOr<WarmupSpec> ParseWarmupSpec(absl::string_view text);

struct SoakOptions {
  WarmupSpec warmup{0.1, absl::ZeroDuration()};
  // Drift compares the mean of the last `window_fraction` of the measured
  // epochs with the mean of as many epochs right after warm-up.
  double window_fraction = 0.1;
  size_t tail_epochs = 10;
  // Epochs shorter than this share of the median epoch (a run stopped by
  // --duration or Ctrl-C ends with one) are left out of throughput figures.
  double short_epoch_fraction = 0.5;
};

struct SyscallBudget {
  double mmap_per_op = 0;
  double munmap_per_op = 0;
  double madvise_per_op = 0;
  // Only when the CSV has the columns (traced counts; older files lack them).
  std::optional<double> mremap_per_op;
  std::optional<double> brk_per_op;
  double total_per_op = 0;
  double calls_after_warmup = 0;  // every kind counted
};

struct SoakReport {
  size_t epochs = 0;
  size_t warmup_epochs = 0;
  size_t measured_epochs = 0;        // epochs after warm-up
  size_t short_epochs_excluded = 0;  // measured epochs left out of throughput
  size_t window_epochs = 0;
  double duration_s = 0;
  double warmup_end_s = 0;
  double ops_after_warmup = 0;

  double rss_baseline_bytes = 0;  // mean of the first window after warm-up
  double rss_final_bytes = 0;     // mean of the last window
  double rss_drift_pct = 0;
  double rss_peak_bytes = 0;      // whole run, warm-up included
  double rss_slope_mib_per_hour = 0;  // least squares over measured epochs

  double ops_baseline = 0;
  double ops_final = 0;
  double ops_drift_pct = 0;
  SeriesSummary throughput;  // ops/s of measured full-length epochs

  size_t tail_epochs = 0;
  SeriesSummary tail_throughput;
  double tail_vs_measured_pct = 0;  // tail mean ops/s against all measured
  double tail_rss_max_bytes = 0;

  std::optional<SyscallBudget> syscalls;  // traced counts; nullopt when not measured
  // The allocator's own counters (hakmem), a cross-check of `syscalls`.
  std::optional<SyscallBudget> allocator_syscalls;
};

// Checks that `table` is a complete soak CSV (all columns, epochs numbered
// 1..n, time and cumulative counts never going backwards) and analyses it.
// Errors name the offending line.
absl::StatusOr<SoakReport> AnalyzeSoak(const CsvTable& table, const SoakOptions& options);

// Gates for a verdict. Each can be switched off by leaving it out of `gates`.
struct Thresholds {
  double max_rss_drift_pct = 5;
  double min_ops_drift_pct = -5;
  double max_cv_pct = 2;
  double max_rss_mib = 0;  // bound on the peak RSS; 0 = no bound
};
enum class Gate { kRssDrift, kOpsDrift, kCv, kRssMax };
absl::StatusOr<std::vector<Gate>> ParseGates(absl::string_view comma_list);

struct Verdict {
  bool pass = true;
  std::vector<std::string> checks;    // one "name value op limit" per gate
  std::vector<std::string> breaches;  // the checks that failed
};
Verdict Judge(const SoakReport& report, const Thresholds& thresholds,
              const std::vector<Gate>& gates);
// "VERDICT: PASS (...)" or "VERDICT: FAIL: ...".
std::string VerdictLine(const Verdict& verdict);

// Multi-line human-readable report (no verdict).
std::string FormatReport(const SoakReport& report);

// What one soak CSV's label is: its basename without ".csv" and without a
// leading "soak_" ("out/soak_hakmem_fast.csv" -> "hakmem_fast").
std::string SoakLabel(absl::string_view path);

struct AnalysedSoakFile {
  std::string path;
  SoakReport report;
  Verdict verdict;
};
struct RejectedSoakFile {
  std::string path;
  std::string error;
};
// One JSON document covering every file given to soak_analyze, for scripts
// such as tools/scorecard.py:
//   {"files": [{"path", "label", figures..., "verdict"}, ...],
//    "rejected": [{"path", "error"}, ...]}
// Byte counts are given in MiB; figures that are not finite (a drift from a
// baseline of 0) and syscall figures that were not measured are null.
std::string FormatReportJson(const std::vector<AnalysedSoakFile>& analysed,
                             const std::vector<RejectedSoakFile>& rejected);

}  // namespace hakmem::tools

#endif  // HAKMEM_TOOLS_SOAK_ANALYSIS_H_
