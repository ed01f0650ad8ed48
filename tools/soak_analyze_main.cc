// soak_analyze: drift, variation, percentiles, tail and syscall budget of soak
// CSVs, with a verdict line. Exit status: 0 all pass, 1 a threshold is
// breached, 2 bad input or usage.
//
//   soak_analyze [--warmup=10%] [--max_cv_pct=2] ... run.csv [more.csv ...]
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/csv_table.h"
#include "tools/soak_analysis.h"
#include "tools/soak_options_flags.h"

ABSL_FLAG(double, max_rss_drift_pct, 5, "gate: RSS drift must be at most this (percent)");
ABSL_FLAG(double, min_ops_drift_pct, -5, "gate: ops/s drift must be at least this (percent)");
ABSL_FLAG(double, max_cv_pct, 2, "gate: CV of epoch ops/s must be at most this (percent)");
ABSL_FLAG(double, max_rss_mib, 0, "gate: peak RSS must be at most this many MiB (0 = no bound)");
ABSL_FLAG(std::string, gates, "rss_drift,ops_drift,cv,rss_max",
          "gates that decide the verdict: any of rss_drift, ops_drift, cv, rss_max, or none");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Analyses soak CSVs written by //soak:mixed_*.\n"
      "usage: soak_analyze [flags] run.csv [more.csv ...]");
  std::vector<char*> files = absl::ParseCommandLine(argc, argv);
  files.erase(files.begin());
  if (files.empty()) {
    std::fprintf(stderr, "soak_analyze: no CSV given (usage: soak_analyze [flags] run.csv ...)\n");
    return 2;
  }
  auto options = hakmem::tools::SoakOptionsFromFlags();
  auto gates = hakmem::tools::ParseGates(absl::GetFlag(FLAGS_gates));
  if (!options.ok() || !gates.ok()) {
    std::fprintf(stderr, "soak_analyze: %s\n",
                 std::string((options.ok() ? gates.status() : options.status()).message()).c_str());
    return 2;
  }
  hakmem::tools::Thresholds thresholds;
  thresholds.max_rss_drift_pct = absl::GetFlag(FLAGS_max_rss_drift_pct);
  thresholds.min_ops_drift_pct = absl::GetFlag(FLAGS_min_ops_drift_pct);
  thresholds.max_cv_pct = absl::GetFlag(FLAGS_max_cv_pct);
  thresholds.max_rss_mib = absl::GetFlag(FLAGS_max_rss_mib);

  int exit_code = 0;
  for (const char* file : files) {
    auto table = hakmem::tools::ReadCsvFile(file);
    absl::StatusOr<hakmem::tools::SoakReport> report =
        table.ok() ? hakmem::tools::AnalyzeSoak(*table, *options) : table.status();
    if (!report.ok()) {
      std::fprintf(stderr, "soak_analyze: %s\n", std::string(report.status().message()).c_str());
      exit_code = 2;
      continue;
    }
    const hakmem::tools::Verdict verdict = hakmem::tools::Judge(*report, thresholds, *gates);
    std::printf("== %s\n%s%s\n", file, hakmem::tools::FormatReport(*report).c_str(),
                hakmem::tools::VerdictLine(verdict).c_str());
    if (!verdict.pass && exit_code == 0) exit_code = 1;
  }
  return exit_code;
}
