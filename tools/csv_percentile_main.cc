// csv_percentile: percentiles of any numeric column of any CSV with a header.
//
//   csv_percentile --column=ops_per_s [--percentiles=50,90,99,99.9] [--skip_rows=N] a.csv ...
//
// Prints one line per file: count, min, mean, max and the percentiles
// (linear interpolation between closest ranks). Exit status 2 on bad input.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tools/csv_table.h"
#include "tools/soak_analysis.h"

ABSL_FLAG(std::string, column, "", "column name, or 1-based position as #3 (required)");
ABSL_FLAG(std::string, percentiles, "50,90,99,99.9", "comma-separated percentiles in [0, 100]");
ABSL_FLAG(size_t, skip_rows, 0, "data rows to leave out at the start (e.g. warm-up epochs)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Percentiles of one column of CSV files.\n"
      "usage: csv_percentile --column=NAME [--percentiles=50,90,99] [--skip_rows=N] file.csv ...");
  std::vector<char*> files = absl::ParseCommandLine(argc, argv);
  files.erase(files.begin());
  const std::string column = absl::GetFlag(FLAGS_column);
  if (column.empty() || files.empty()) {
    std::fprintf(stderr, "csv_percentile: need --column and at least one CSV file\n");
    return 2;
  }
  std::vector<double> percentiles;
  for (absl::string_view part : absl::StrSplit(absl::GetFlag(FLAGS_percentiles), ',', absl::SkipWhitespace())) {
    double pct = 0;
    if (!absl::SimpleAtod(part, &pct) || pct < 0 || pct > 100) {
      std::fprintf(stderr, "csv_percentile: bad percentile '%s' (want a number in [0, 100])\n",
                   std::string(part).c_str());
      return 2;
    }
    percentiles.push_back(pct);
  }
  int exit_code = 0;
  for (const char* file : files) {
    auto table = hakmem::tools::ReadCsvFile(file);
    absl::StatusOr<std::vector<double>> values =
        table.ok() ? hakmem::tools::NumericColumn(*table, column) : table.status();
    if (!values.ok()) {
      std::fprintf(stderr, "csv_percentile: %s\n", std::string(values.status().message()).c_str());
      exit_code = 2;
      continue;
    }
    const size_t skip = absl::GetFlag(FLAGS_skip_rows);
    if (skip >= values->size()) {
      std::fprintf(stderr, "csv_percentile: %s: --skip_rows=%zu leaves none of its %zu rows\n", file, skip,
                   values->size());
      exit_code = 2;
      continue;
    }
    values->erase(values->begin(), values->begin() + static_cast<std::ptrdiff_t>(skip));
    const hakmem::tools::SeriesSummary summary = hakmem::tools::Summarize(*values);
    std::string line = absl::StrFormat("%s %s: n=%d min=%.6g mean=%.6g max=%.6g", file, column,
                                       summary.count, summary.min, summary.mean, summary.max);
    for (double pct : percentiles) {
      absl::StrAppendFormat(&line, " p%g=%.6g", pct, hakmem::tools::Percentile(*values, pct));
    }
    std::printf("%s\n", line.c_str());
  }
  return exit_code;
}
