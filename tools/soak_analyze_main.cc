// soak_analyze: drift, variation, percentiles, tail and syscall budget of soak
// CSVs, with a verdict line; --json=PATH also writes every file's figures as
// one JSON document (for tools/scorecard.py). Exit status: 0 all pass, 1 a
// threshold is breached, 2 bad input, usage or an unwritable --json file.
//
//   soak_analyze [--warmup=10%] [--max_cv_pct=2] [--json=out.json] ... run.csv [more.csv ...]
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
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
ABSL_FLAG(std::string, json, "",
          "also write the figures and verdict of every file to this path as one JSON document");

namespace {

bool WriteFile(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    std::fprintf(stderr, "soak_analyze: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) {
    std::fprintf(stderr, "soak_analyze: error writing %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace

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
  std::vector<hakmem::tools::AnalysedSoakFile> analysed;
  std::vector<hakmem::tools::RejectedSoakFile> rejected;
  for (const char* file : files) {
    auto table = hakmem::tools::ReadCsvFile(file);
    absl::StatusOr<hakmem::tools::SoakReport> report =
        table.ok() ? hakmem::tools::AnalyzeSoak(*table, *options) : table.status();
    if (!report.ok()) {
      std::fprintf(stderr, "soak_analyze: %s\n", std::string(report.status().message()).c_str());
      rejected.push_back({file, std::string(report.status().message())});
      exit_code = 2;
      continue;
    }
    const hakmem::tools::Verdict verdict = hakmem::tools::Judge(*report, thresholds, *gates);
    std::printf("== %s\n%s%s\n", file, hakmem::tools::FormatReport(*report).c_str(),
                hakmem::tools::VerdictLine(verdict).c_str());
    if (!verdict.pass && exit_code == 0) exit_code = 1;
    analysed.push_back({file, *std::move(report), verdict});
  }
  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (!json_path.empty() && !WriteFile(json_path, hakmem::tools::FormatReportJson(analysed, rejected))) {
    exit_code = 2;
  }
  return exit_code;
}
