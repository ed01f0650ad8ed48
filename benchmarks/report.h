// The Mixed comparison's outputs: text table, CSV, JSON and an SVG chart.
#ifndef HAKMEM_BENCHMARKS_REPORT_H_
#define HAKMEM_BENCHMARKS_REPORT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/process.h"
#include "benchmarks/runner_options.h"
#include "benchmarks/stats.h"

namespace hakmem::bench {

struct MixedReportRow {
  std::string allocator;
  std::string library;           // where malloc came from
  std::vector<double> ops_per_second;  // one per timed run, in run order
  Summary throughput;            // of ops_per_second
  // Each timed run's peak RSS (ru_maxrss), in run order, and their summary:
  // the tables compare medians, as for throughput (a run's peak also counts the
  // shared libraries' pages it happened to fault in, tens of KiB either way).
  std::vector<double> peak_rss_mib_runs;
  Summary peak_rss_mib;
  // Memory OS calls per main-loop operation, from the separate traced pass.
  std::optional<MemorySyscalls> syscalls;
  uint64_t traced_operations = 0;
};

struct MixedReport {
  MixedRunOptions workload;
  std::vector<MixedReportRow> rows;  // in the order the allocators ran
};

// median / the median of the allocator called `baseline`, if it ran.
std::optional<double> RatioTo(const MixedReport& report, const MixedReportRow& row,
                              std::string_view baseline);

// Calls per operation of one counted syscall (`calls` / traced operations).
double PerOperation(const MixedReportRow& row, uint64_t calls);

std::string FormatTable(const MixedReport& report);
std::string FormatCsv(const MixedReport& report);
std::string FormatJson(const MixedReport& report);
std::string FormatSvg(const MixedReport& report);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_REPORT_H_
