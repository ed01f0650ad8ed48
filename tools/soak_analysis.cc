#include "tools/soak_analysis.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "benchmarks/text_escape.h"
#include "tools/soak_csv_columns.h"

namespace hakmem::tools {
namespace {

namespace col = soak_columns;

constexpr double kMiB = 1024.0 * 1024.0;

double Mean(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

std::vector<double> Slice(const std::vector<double>& values, size_t begin, size_t end) {
  return std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(begin),
                             values.begin() + static_cast<std::ptrdiff_t>(end));
}

absl::Status LineError(const CsvTable& table, size_t row, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(table.source, ":", table.row_lines[row], ": ", what));
}

// Slope of y over x by least squares; 0 when x does not vary.
double LeastSquaresSlope(const std::vector<double>& x, const std::vector<double>& y) {
  const double mean_x = Mean(x);
  const double mean_y = Mean(y);
  double numerator = 0;
  double denominator = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    numerator += (x[i] - mean_x) * (y[i] - mean_y);
    denominator += (x[i] - mean_x) * (x[i] - mean_x);
  }
  return denominator > 0 ? numerator / denominator : 0;
}

std::string Signed(double pct) { return absl::StrFormat("%+.2f%%", pct); }

// One cumulative OS-call column; `present` is false when the CSV lacks an
// optional column.
struct CallColumn {
  bool present = false;
  std::vector<std::optional<double>> values;
};

absl::StatusOr<CallColumn> ReadCallColumn(const CsvTable& table, const char* name, bool required) {
  CallColumn column;
  if (!required && !table.FindColumn(name)) return column;
  auto values = OptionalNumericColumn(table, name);
  if (!values.ok()) return values.status();
  column.present = true;
  column.values = *std::move(values);
  return column;
}

// Columns of one source of counts (the tracer's, or the allocator's own):
// filled in every row or in none, and never falling.
absl::Status CheckCallColumns(const CsvTable& table, const std::vector<CallColumn>& group, bool counted) {
  for (size_t r = 0; r < table.rows.size(); ++r) {
    for (const CallColumn& column : group) {
      if (!column.present) continue;
      if (column.values[r].has_value() != counted) {
        return LineError(table, r, "OS-call columns must be filled in every row or in none");
      }
      if (counted && r > 0 && *column.values[r] < *column.values[r - 1]) {
        return LineError(table, r, "cumulative OS-call count goes down");
      }
    }
  }
  return absl::OkStatus();
}

bool Counted(const std::vector<CallColumn>& group) {
  return group[0].present && !group[0].values.empty() && group[0].values[0].has_value();
}

// Calls per operation after warm-up (rows `first`..end) of each present column,
// in the order mmap, munmap, madvise[, mremap, brk].
SyscallBudget BudgetOf(const std::vector<CallColumn>& group, size_t first, double ops_after_warmup) {
  SyscallBudget budget;
  std::optional<double> per_kind[5];
  for (size_t k = 0; k < group.size(); ++k) {
    if (!group[k].present) continue;
    const auto& values = group[k].values;
    const double at_warmup_end = first == 0 ? 0 : *values[first - 1];
    const double after = *values.back() - at_warmup_end;
    budget.calls_after_warmup += after;
    per_kind[k] = ops_after_warmup > 0 ? after / ops_after_warmup : 0;
  }
  budget.mmap_per_op = per_kind[0].value_or(0);
  budget.munmap_per_op = per_kind[1].value_or(0);
  budget.madvise_per_op = per_kind[2].value_or(0);
  budget.mremap_per_op = per_kind[3];
  budget.brk_per_op = per_kind[4];
  budget.total_per_op = ops_after_warmup > 0 ? budget.calls_after_warmup / ops_after_warmup : 0;
  return budget;
}

std::string FormatBudget(const SyscallBudget& s) {
  std::string kinds = absl::StrFormat("mmap %.3g, munmap %.3g, madvise %.3g", s.mmap_per_op, s.munmap_per_op,
                                      s.madvise_per_op);
  if (s.mremap_per_op) absl::StrAppendFormat(&kinds, ", mremap %.3g", *s.mremap_per_op);
  if (s.brk_per_op) absl::StrAppendFormat(&kinds, ", brk %.3g", *s.brk_per_op);
  return absl::StrFormat("%.3g (%s; %.0f calls after warm-up)", s.total_per_op, kinds, s.calls_after_warmup);
}

// A minimal JSON writer: values are rendered to text first, then placed in
// objects and arrays indented by nesting depth (two spaces a level).
using JsonFields = std::vector<std::pair<std::string_view, std::string>>;
using ::hakmem::bench::JsonQuote;

// Shortest text that reads back as the same double (0.001, 5e-04: fixed or
// exponent, whichever is shorter); JSON has no infinity or NaN, so those
// become null.
std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string JsonNumber(const std::optional<double>& value) { return value ? JsonNumber(*value) : "null"; }

std::string JsonCount(size_t value) { return absl::StrCat(value); }

std::string JsonBool(bool value) { return value ? "true" : "false"; }

std::string Indent(int depth) { return std::string(2 * static_cast<size_t>(depth), ' '); }

// `fields` and `items` must already be rendered for `depth` + 1.
std::string JsonObject(const JsonFields& fields, int depth) {
  if (fields.empty()) return "{}";
  std::string out = "{\n";
  for (size_t i = 0; i < fields.size(); ++i) {
    absl::StrAppend(&out, Indent(depth + 1), JsonQuote(fields[i].first), ": ", fields[i].second,
                    i + 1 < fields.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&out, Indent(depth), "}");
  return out;
}

std::string JsonArray(const std::vector<std::string>& items, int depth) {
  if (items.empty()) return "[]";
  std::string out = "[\n";
  for (size_t i = 0; i < items.size(); ++i) {
    absl::StrAppend(&out, Indent(depth + 1), items[i], i + 1 < items.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&out, Indent(depth), "]");
  return out;
}

std::string JsonStrings(const std::vector<std::string>& texts, int depth) {
  std::vector<std::string> items;
  for (const std::string& text : texts) items.push_back(JsonQuote(text));
  return JsonArray(items, depth);
}

JsonFields SummaryFields(const SeriesSummary& s) {
  return {{"epochs", JsonCount(s.count)},   {"mean", JsonNumber(s.mean)},     {"median", JsonNumber(s.p50)},
          {"p50", JsonNumber(s.p50)},       {"p90", JsonNumber(s.p90)},       {"p99", JsonNumber(s.p99)},
          {"p99_9", JsonNumber(s.p999)},    {"min", JsonNumber(s.min)},       {"max", JsonNumber(s.max)},
          {"stddev", JsonNumber(s.stddev)}, {"cv_pct", JsonNumber(s.cv_pct)}};
}

std::string BudgetJson(const std::optional<SyscallBudget>& budget, int depth) {
  if (!budget) return "null";
  return JsonObject({{"mmap_per_op", JsonNumber(budget->mmap_per_op)},
                     {"munmap_per_op", JsonNumber(budget->munmap_per_op)},
                     {"madvise_per_op", JsonNumber(budget->madvise_per_op)},
                     {"mremap_per_op", JsonNumber(budget->mremap_per_op)},
                     {"brk_per_op", JsonNumber(budget->brk_per_op)},
                     {"total_per_op", JsonNumber(budget->total_per_op)},
                     {"calls_after_warmup", JsonNumber(budget->calls_after_warmup)}},
                    depth);
}

std::string FileJson(const AnalysedSoakFile& file, int depth) {
  const SoakReport& r = file.report;
  const int inner = depth + 1;
  std::string tail = "null";
  if (r.tail_epochs > 0) {
    JsonFields tail_fields = SummaryFields(r.tail_throughput);
    tail_fields.emplace_back("vs_measured_pct", JsonNumber(r.tail_vs_measured_pct));
    tail_fields.emplace_back("rss_max_mib", JsonNumber(r.tail_rss_max_bytes / kMiB));
    tail = JsonObject(tail_fields, inner);
  }
  return JsonObject(
      {{"path", JsonQuote(file.path)},
       {"label", JsonQuote(SoakLabel(file.path))},
       {"duration_s", JsonNumber(r.duration_s)},
       {"epochs", JsonCount(r.epochs)},
       {"warmup_epochs", JsonCount(r.warmup_epochs)},
       {"warmup_end_s", JsonNumber(r.warmup_end_s)},
       {"measured_epochs", JsonCount(r.measured_epochs)},
       {"short_epochs_excluded", JsonCount(r.short_epochs_excluded)},
       {"window_epochs", JsonCount(r.window_epochs)},
       {"ops_after_warmup", JsonNumber(r.ops_after_warmup)},
       {"rss_baseline_mib", JsonNumber(r.rss_baseline_bytes / kMiB)},
       {"rss_final_mib", JsonNumber(r.rss_final_bytes / kMiB)},
       {"rss_peak_mib", JsonNumber(r.rss_peak_bytes / kMiB)},
       {"rss_drift_pct", JsonNumber(r.rss_drift_pct)},
       {"rss_slope_mib_per_hour", JsonNumber(r.rss_slope_mib_per_hour)},
       {"ops_baseline", JsonNumber(r.ops_baseline)},
       {"ops_final", JsonNumber(r.ops_final)},
       {"ops_drift_pct", JsonNumber(r.ops_drift_pct)},
       {"throughput", JsonObject(SummaryFields(r.throughput), inner)},
       {"tail", tail},
       {"syscalls", BudgetJson(r.syscalls, inner)},
       {"allocator_syscalls", BudgetJson(r.allocator_syscalls, inner)},
       {"verdict", JsonObject({{"pass", JsonBool(file.verdict.pass)},
                               {"checks", JsonStrings(file.verdict.checks, inner + 1)},
                               {"breaches", JsonStrings(file.verdict.breaches, inner + 1)}},
                              inner)}},
      depth);
}

}  // namespace

double Percentile(std::vector<double> values, double pct) {
  std::sort(values.begin(), values.end());
  const double rank = std::clamp(pct, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(rank));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double weight = rank - static_cast<double>(below);
  return values[below] + (values[above] - values[below]) * weight;
}

SeriesSummary Summarize(const std::vector<double>& values) {
  SeriesSummary summary;
  summary.count = values.size();
  summary.mean = Mean(values);
  if (values.size() > 1) {
    double squares = 0;
    for (double v : values) squares += (v - summary.mean) * (v - summary.mean);
    summary.stddev = std::sqrt(squares / static_cast<double>(values.size() - 1));
  }
  summary.cv_pct = summary.mean != 0 ? summary.stddev / summary.mean * 100.0 : 0;
  const auto [min_it, max_it] = std::minmax_element(values.begin(), values.end());
  summary.min = *min_it;
  summary.max = *max_it;
  summary.p50 = Percentile(values, 50);
  summary.p90 = Percentile(values, 90);
  summary.p99 = Percentile(values, 99);
  summary.p999 = Percentile(values, 99.9);
  return summary;
}

double ChangePct(double earlier, double later) {
  if (earlier == 0) return later == 0 ? 0 : INFINITY;
  return (later - earlier) / earlier * 100.0;
}

absl::StatusOr<WarmupSpec> ParseWarmupSpec(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  WarmupSpec spec;
  if (!text.empty() && text.back() == '%') {
    double pct = 0;
    if (!absl::SimpleAtod(text.substr(0, text.size() - 1), &pct) || pct < 0 || pct >= 100) {
      return absl::InvalidArgumentError(
          absl::StrCat("warm-up '", text, "': a percentage must be in [0, 100)"));
    }
    spec.fraction = pct / 100.0;
    return spec;
  }
  if (!absl::ParseDuration(text, &spec.time) || spec.time < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("warm-up '", text, "': expected a share of epochs like 10% or a time like 30s"));
  }
  return spec;
}

absl::StatusOr<SoakReport> AnalyzeSoak(const CsvTable& table, const SoakOptions& options) {
  auto epoch = NumericColumn(table, col::kEpoch);
  if (!epoch.ok()) return epoch.status();
  auto elapsed = NumericColumn(table, col::kElapsed);
  if (!elapsed.ok()) return elapsed.status();
  auto epoch_seconds = NumericColumn(table, col::kEpochSeconds);
  if (!epoch_seconds.ok()) return epoch_seconds.status();
  auto epoch_ops = NumericColumn(table, col::kEpochOps);
  if (!epoch_ops.ok()) return epoch_ops.status();
  auto total_ops = NumericColumn(table, col::kTotalOps);
  if (!total_ops.ok()) return total_ops.status();
  auto ops_per_s = NumericColumn(table, col::kOpsPerSecond);
  if (!ops_per_s.ok()) return ops_per_s.status();
  auto rss = NumericColumn(table, col::kRssBytes);
  if (!rss.ok()) return rss.status();
  std::vector<CallColumn> traced_calls;
  std::vector<CallColumn> allocator_calls;
  for (const auto& [name, required, group] :
       {std::tuple{col::kMmapCalls, true, &traced_calls}, std::tuple{col::kMunmapCalls, true, &traced_calls},
        std::tuple{col::kMadviseCalls, true, &traced_calls}, std::tuple{col::kMremapCalls, false, &traced_calls},
        std::tuple{col::kBrkCalls, false, &traced_calls},
        std::tuple{col::kAllocatorMmapCalls, false, &allocator_calls},
        std::tuple{col::kAllocatorMunmapCalls, false, &allocator_calls},
        std::tuple{col::kAllocatorMadviseCalls, false, &allocator_calls}}) {
    auto column = ReadCallColumn(table, name, required);
    if (!column.ok()) return column.status();
    group->push_back(*std::move(column));
  }

  const size_t n = table.rows.size();
  const bool counted = Counted(traced_calls);
  const bool allocator_counted = Counted(allocator_calls);
  for (size_t r = 0; r < n; ++r) {
    if ((*epoch)[r] != static_cast<double>(r + 1)) {
      return LineError(table, r, absl::StrCat("epoch ", (*epoch)[r], " where ", r + 1,
                                              " was expected (missing or repeated rows)"));
    }
    if ((*epoch_seconds)[r] <= 0) return LineError(table, r, "epoch_s must be positive");
    if ((*epoch_ops)[r] < 0 || (*rss)[r] <= 0) {
      return LineError(table, r, "epoch_ops must be >= 0 and rss_bytes > 0");
    }
    const double previous_elapsed = r == 0 ? 0 : (*elapsed)[r - 1];
    const double previous_total = r == 0 ? 0 : (*total_ops)[r - 1];
    if ((*elapsed)[r] <= previous_elapsed) return LineError(table, r, "elapsed_s does not increase");
    if ((*total_ops)[r] != previous_total + (*epoch_ops)[r]) {
      return LineError(table, r, "total_ops is not the previous total_ops plus epoch_ops");
    }
  }
  if (absl::Status status = CheckCallColumns(table, traced_calls, counted); !status.ok()) return status;
  if (absl::Status status = CheckCallColumns(table, allocator_calls, allocator_counted); !status.ok()) {
    return status;
  }

  SoakReport report;
  report.epochs = n;
  report.duration_s = elapsed->back();
  if (options.warmup.fraction) {
    report.warmup_epochs = static_cast<size_t>(std::floor(*options.warmup.fraction * n));
  } else {
    const double warmup_s = absl::ToDoubleSeconds(options.warmup.time);
    while (report.warmup_epochs < n && (*elapsed)[report.warmup_epochs] <= warmup_s) {
      ++report.warmup_epochs;
    }
  }
  if (report.warmup_epochs >= n) {
    return absl::InvalidArgumentError(absl::StrCat(
        table.source, ": all ", n, " epochs fall in the warm-up; run longer or shorten --warmup"));
  }
  const size_t first = report.warmup_epochs;
  report.measured_epochs = n - first;
  report.warmup_end_s = first == 0 ? 0 : (*elapsed)[first - 1];
  const double ops_at_warmup_end = first == 0 ? 0 : (*total_ops)[first - 1];
  report.ops_after_warmup = total_ops->back() - ops_at_warmup_end;

  // Throughput uses full-length epochs only; RSS uses every measured epoch.
  const std::vector<double> measured_seconds = Slice(*epoch_seconds, first, n);
  const double median_epoch_s = Percentile(measured_seconds, 50);
  std::vector<double> throughput;
  for (size_t r = first; r < n; ++r) {
    if ((*epoch_seconds)[r] >= options.short_epoch_fraction * median_epoch_s) {
      throughput.push_back((*ops_per_s)[r]);
    } else {
      ++report.short_epochs_excluded;
    }
  }
  const std::vector<double> measured_rss = Slice(*rss, first, n);

  const auto window_of = [&](size_t size) {
    return std::max<size_t>(1, static_cast<size_t>(std::llround(options.window_fraction * size)));
  };
  report.window_epochs = window_of(measured_rss.size());
  report.rss_baseline_bytes = Mean(Slice(measured_rss, 0, report.window_epochs));
  report.rss_final_bytes =
      Mean(Slice(measured_rss, measured_rss.size() - report.window_epochs, measured_rss.size()));
  report.rss_drift_pct = ChangePct(report.rss_baseline_bytes, report.rss_final_bytes);
  report.rss_peak_bytes = *std::max_element(rss->begin(), rss->end());
  report.rss_slope_mib_per_hour =
      LeastSquaresSlope(Slice(*elapsed, first, n), measured_rss) * 3600.0 / kMiB;

  const size_t ops_window = window_of(throughput.size());
  report.ops_baseline = Mean(Slice(throughput, 0, ops_window));
  report.ops_final = Mean(Slice(throughput, throughput.size() - ops_window, throughput.size()));
  report.ops_drift_pct = ChangePct(report.ops_baseline, report.ops_final);
  report.throughput = Summarize(throughput);

  report.tail_epochs = std::min(options.tail_epochs, throughput.size());
  if (report.tail_epochs > 0) {
    report.tail_throughput =
        Summarize(Slice(throughput, throughput.size() - report.tail_epochs, throughput.size()));
    report.tail_vs_measured_pct = ChangePct(report.throughput.mean, report.tail_throughput.mean);
    const size_t tail_rss = std::min(options.tail_epochs, measured_rss.size());
    report.tail_rss_max_bytes = *std::max_element(measured_rss.end() - static_cast<std::ptrdiff_t>(tail_rss),
                                                  measured_rss.end());
  }

  if (counted) report.syscalls = BudgetOf(traced_calls, first, report.ops_after_warmup);
  if (allocator_counted) report.allocator_syscalls = BudgetOf(allocator_calls, first, report.ops_after_warmup);
  return report;
}

absl::StatusOr<std::vector<Gate>> ParseGates(absl::string_view comma_list) {
  std::vector<Gate> gates;
  for (absl::string_view name : absl::StrSplit(comma_list, ',', absl::SkipWhitespace())) {
    name = absl::StripAsciiWhitespace(name);
    if (name == "rss_drift") {
      gates.push_back(Gate::kRssDrift);
    } else if (name == "ops_drift") {
      gates.push_back(Gate::kOpsDrift);
    } else if (name == "cv") {
      gates.push_back(Gate::kCv);
    } else if (name == "rss_max") {
      gates.push_back(Gate::kRssMax);
    } else if (name != "none") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown gate '", name, "' (known: rss_drift, ops_drift, cv, rss_max, none)"));
    }
  }
  return gates;
}

Verdict Judge(const SoakReport& report, const Thresholds& thresholds, const std::vector<Gate>& gates) {
  Verdict verdict;
  const auto check = [&](bool ok, std::string text) {
    if (!ok) verdict.breaches.push_back(text);
    verdict.checks.push_back(std::move(text));
  };
  for (Gate gate : gates) {
    switch (gate) {
      case Gate::kRssDrift: {
        const bool ok = report.rss_drift_pct <= thresholds.max_rss_drift_pct;
        check(ok, absl::StrCat("rss_drift ", Signed(report.rss_drift_pct), ok ? " <= " : " > ",
                               Signed(thresholds.max_rss_drift_pct)));
        break;
      }
      case Gate::kOpsDrift: {
        const bool ok = report.ops_drift_pct >= thresholds.min_ops_drift_pct;
        check(ok, absl::StrCat("ops_drift ", Signed(report.ops_drift_pct), ok ? " >= " : " < ",
                               Signed(thresholds.min_ops_drift_pct)));
        break;
      }
      case Gate::kCv: {
        const bool ok = report.throughput.cv_pct <= thresholds.max_cv_pct;
        check(ok, absl::StrFormat("cv %.2f%% %s %.2f%%", report.throughput.cv_pct, ok ? "<=" : ">",
                                  thresholds.max_cv_pct));
        break;
      }
      case Gate::kRssMax: {
        const double peak_mib = report.rss_peak_bytes / kMiB;
        if (thresholds.max_rss_mib <= 0) {  // no bound: say so rather than "<= 0.0 MiB"
          check(true, absl::StrFormat("rss_peak %.1f MiB (no bound)", peak_mib));
          break;
        }
        const bool ok = peak_mib <= thresholds.max_rss_mib;
        check(ok, absl::StrFormat("rss_peak %.1f MiB %s %.1f MiB", peak_mib, ok ? "<=" : ">",
                                  thresholds.max_rss_mib));
        break;
      }
    }
  }
  verdict.pass = verdict.breaches.empty();
  return verdict;
}

std::string VerdictLine(const Verdict& verdict) {
  if (verdict.pass) return absl::StrCat("VERDICT: PASS (", absl::StrJoin(verdict.checks, "; "), ")");
  return absl::StrCat("VERDICT: FAIL: ", absl::StrJoin(verdict.breaches, "; "));
}

std::string FormatReport(const SoakReport& r) {
  std::string out;
  absl::StrAppendFormat(&out, "epochs:            %d (warm-up %d up to %.1f s, measured %d, short left out %d)\n",
                        r.epochs, r.warmup_epochs, r.warmup_end_s, r.measured_epochs,
                        r.short_epochs_excluded);
  absl::StrAppendFormat(&out, "duration:          %.1f s, %.0f operations after warm-up\n", r.duration_s,
                        r.ops_after_warmup);
  absl::StrAppendFormat(&out, "rss:               %.2f -> %.2f MiB (first/last %d epochs), drift %s, peak %.2f MiB, slope %+.3f MiB/h\n",
                        r.rss_baseline_bytes / kMiB, r.rss_final_bytes / kMiB, r.window_epochs,
                        Signed(r.rss_drift_pct), r.rss_peak_bytes / kMiB, r.rss_slope_mib_per_hour);
  absl::StrAppendFormat(&out, "ops/s drift:       %.0f -> %.0f, %s\n", r.ops_baseline, r.ops_final,
                        Signed(r.ops_drift_pct));
  const SeriesSummary& t = r.throughput;
  absl::StrAppendFormat(&out, "ops/s:             mean %.0f, CV %.2f%%, min %.0f, max %.0f (%d epochs)\n",
                        t.mean, t.cv_pct, t.min, t.max, t.count);
  absl::StrAppendFormat(&out, "ops/s percentiles: p50 %.0f, p90 %.0f, p99 %.0f, p99.9 %.0f\n", t.p50, t.p90,
                        t.p99, t.p999);
  if (r.tail_epochs > 0) {
    const SeriesSummary& tail = r.tail_throughput;
    absl::StrAppendFormat(&out, "tail (last %d):     ops/s mean %.0f (%s vs all measured), min %.0f, CV %.2f%%, rss max %.2f MiB\n",
                          r.tail_epochs, tail.mean, Signed(r.tail_vs_measured_pct), tail.min, tail.cv_pct,
                          r.tail_rss_max_bytes / kMiB);
  }
  if (r.syscalls) {
    absl::StrAppendFormat(&out, "syscalls/op:       %s\n", FormatBudget(*r.syscalls));
  } else {
    out += "syscalls/op:       n/a (OS calls not counted in this run)\n";
  }
  if (r.allocator_syscalls) {
    absl::StrAppendFormat(&out, "allocator's count: %s\n", FormatBudget(*r.allocator_syscalls));
  }
  return out;
}

std::string SoakLabel(absl::string_view path) {
  const size_t slash = path.rfind('/');
  absl::string_view label = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  absl::ConsumeSuffix(&label, ".csv");
  absl::ConsumePrefix(&label, "soak_");
  return std::string(label);
}

std::string FormatReportJson(const std::vector<AnalysedSoakFile>& analysed,
                             const std::vector<RejectedSoakFile>& rejected) {
  std::vector<std::string> files;
  for (const AnalysedSoakFile& file : analysed) files.push_back(FileJson(file, 2));
  std::vector<std::string> rejections;
  for (const RejectedSoakFile& file : rejected) {
    rejections.push_back(JsonObject({{"path", JsonQuote(file.path)}, {"error", JsonQuote(file.error)}}, 2));
  }
  return JsonObject({{"files", JsonArray(files, 1)}, {"rejected", JsonArray(rejections, 1)}}, 0) + "\n";
}

}  // namespace hakmem::tools
