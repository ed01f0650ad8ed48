// soak_compare: two soak runs side by side (e.g. glibc vs hakmem, or the same
// allocator before and after a change), with the change of every figure.
//
//   soak_compare [--warmup=10%] [--max_ops_regression_pct=P] baseline.csv candidate.csv
//
// Exit status: 0, or 1 when --max_ops_regression_pct is set and the
// candidate's mean ops/s is lower than the baseline's by more than P percent;
// 2 on bad input.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "tools/csv_table.h"
#include "tools/soak_analysis.h"
#include "tools/soak_options_flags.h"

ABSL_FLAG(double, max_ops_regression_pct, 0,
          "gate: candidate mean ops/s may be at most this much below baseline (0 = no gate)");

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// How a figure is printed: fixed decimals, with a sign, or 3 significant digits.
enum class Style { kFixed0, kFixed2, kSigned2, kSignificant3 };

std::string Format(double value, Style style) {
  switch (style) {
    case Style::kFixed0: return absl::StrFormat("%.0f", value);
    case Style::kFixed2: return absl::StrFormat("%.2f", value);
    case Style::kSigned2: return absl::StrFormat("%+.2f", value);
    case Style::kSignificant3: return absl::StrFormat("%.3g", value);
  }
  return "";
}

// Figures that are percentages themselves change by percentage points.
enum class Change { kRelative, kPoints };

void PrintRow(const char* name, double baseline, double candidate, Style style,
              Change change = Change::kRelative) {
  const std::string a = Format(baseline, style);
  const std::string b = Format(candidate, style);
  const std::string delta =
      change == Change::kPoints
          ? absl::StrFormat("%+.2f pt", candidate - baseline)
          : absl::StrFormat("%+.2f%%", hakmem::tools::ChangePct(baseline, candidate));
  std::printf("%-22s %16s %16s %10s\n", name, a.c_str(), b.c_str(), delta.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Compares two soak CSVs.\nusage: soak_compare [flags] baseline.csv candidate.csv");
  std::vector<char*> files = absl::ParseCommandLine(argc, argv);
  if (files.size() != 3) {
    std::fprintf(stderr, "soak_compare: need exactly two CSV files (baseline, candidate)\n");
    return 2;
  }
  auto options = hakmem::tools::SoakOptionsFromFlags();
  if (!options.ok()) {
    std::fprintf(stderr, "soak_compare: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  hakmem::tools::SoakReport reports[2];
  for (int i = 0; i < 2; ++i) {
    auto table = hakmem::tools::ReadCsvFile(files[i + 1]);
    absl::StatusOr<hakmem::tools::SoakReport> report =
        table.ok() ? hakmem::tools::AnalyzeSoak(*table, *options) : table.status();
    if (!report.ok()) {
      std::fprintf(stderr, "soak_compare: %s\n", std::string(report.status().message()).c_str());
      return 2;
    }
    reports[i] = *report;
  }
  const hakmem::tools::SoakReport& a = reports[0];
  const hakmem::tools::SoakReport& b = reports[1];
  std::printf("baseline:  %s\ncandidate: %s\n", files[1], files[2]);
  std::printf("%-22s %16s %16s %10s\n", "figure", "baseline", "candidate", "change");
  PrintRow("ops/s mean", a.throughput.mean, b.throughput.mean, Style::kFixed0);
  PrintRow("ops/s p50", a.throughput.p50, b.throughput.p50, Style::kFixed0);
  PrintRow("ops/s p99", a.throughput.p99, b.throughput.p99, Style::kFixed0);
  PrintRow("ops/s min", a.throughput.min, b.throughput.min, Style::kFixed0);
  PrintRow("ops/s CV %", a.throughput.cv_pct, b.throughput.cv_pct, Style::kFixed2, Change::kPoints);
  PrintRow("ops/s drift %", a.ops_drift_pct, b.ops_drift_pct, Style::kSigned2, Change::kPoints);
  PrintRow("RSS final MiB", a.rss_final_bytes / kMiB, b.rss_final_bytes / kMiB, Style::kFixed2);
  PrintRow("RSS peak MiB", a.rss_peak_bytes / kMiB, b.rss_peak_bytes / kMiB, Style::kFixed2);
  PrintRow("RSS drift %", a.rss_drift_pct, b.rss_drift_pct, Style::kSigned2, Change::kPoints);
  if (a.syscalls && b.syscalls) {
    PrintRow("syscalls/op", a.syscalls->total_per_op, b.syscalls->total_per_op, Style::kSignificant3);
  } else {
    std::printf("%-22s %16s %16s\n", "syscalls/op", a.syscalls ? "counted" : "n/a",
                b.syscalls ? "counted" : "n/a");
  }
  const double max_regression = absl::GetFlag(FLAGS_max_ops_regression_pct);
  if (max_regression > 0) {
    const double change = hakmem::tools::ChangePct(a.throughput.mean, b.throughput.mean);
    const bool pass = change >= -max_regression;
    std::printf("VERDICT: %s (ops/s mean %+.2f%% %s -%.2f%%)\n", pass ? "PASS" : "FAIL", change,
                pass ? ">=" : "<", max_regression);
    if (!pass) return 1;
  }
  return 0;
}
