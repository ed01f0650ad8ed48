// soak_plot: RSS over time and ops/s over time of several soak runs as SVG,
// one line per run (allocator).
//
//   soak_plot --rss_svg=rss.svg --ops_svg=ops.svg hakmem=soak_hakmem.csv glibc=soak_glibc.csv
//
// A run given without "label=" is labelled by its file name without
// directory, "soak_" prefix and ".csv".
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "tools/csv_table.h"
#include "tools/soak_csv_columns.h"
#include "tools/svg_line_chart.h"

ABSL_FLAG(std::string, rss_svg, "", "write the RSS-over-time chart here");
ABSL_FLAG(std::string, ops_svg, "", "write the ops/s-over-time chart here");
ABSL_FLAG(std::string, title, "Mixed soak", "chart title prefix");

namespace {

namespace col = hakmem::tools::soak_columns;

std::string LabelFromPath(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash != absl::string_view::npos) path.remove_prefix(slash + 1);
  absl::ConsumeSuffix(&path, ".csv");
  absl::ConsumePrefix(&path, "soak_");
  return std::string(path);
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "soak_plot: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Plots soak CSVs as SVG.\n"
      "usage: soak_plot --rss_svg=rss.svg --ops_svg=ops.svg [label=]run.csv ...");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  args.erase(args.begin());
  const std::string rss_svg = absl::GetFlag(FLAGS_rss_svg);
  const std::string ops_svg = absl::GetFlag(FLAGS_ops_svg);
  if (args.empty() || (rss_svg.empty() && ops_svg.empty())) {
    std::fprintf(stderr, "soak_plot: need --rss_svg and/or --ops_svg and at least one CSV\n");
    return 2;
  }
  std::vector<hakmem::tools::ChartSeries> rss_series;
  std::vector<hakmem::tools::ChartSeries> ops_series;
  double longest_s = 0;
  for (absl::string_view arg : args) {
    std::string label;
    std::string path(arg);
    if (const size_t eq = arg.find('='); eq != absl::string_view::npos) {
      label = std::string(arg.substr(0, eq));
      path = std::string(arg.substr(eq + 1));
    } else {
      label = LabelFromPath(arg);
    }
    auto table = hakmem::tools::ReadCsvFile(path);
    if (!table.ok()) {
      std::fprintf(stderr, "soak_plot: %s\n", std::string(table.status().message()).c_str());
      return 2;
    }
    auto elapsed = hakmem::tools::NumericColumn(*table, col::kElapsed);
    auto rss = hakmem::tools::NumericColumn(*table, col::kRssBytes);
    auto ops = hakmem::tools::NumericColumn(*table, col::kOpsPerSecond);
    for (const absl::Status& status : {elapsed.status(), rss.status(), ops.status()}) {
      if (!status.ok()) {
        std::fprintf(stderr, "soak_plot: %s\n", std::string(status.message()).c_str());
        return 2;
      }
    }
    longest_s = std::max(longest_s, elapsed->back());
    hakmem::tools::ChartSeries r{label, *elapsed, {}};
    for (double bytes : *rss) r.y.push_back(bytes / (1024.0 * 1024.0));
    hakmem::tools::ChartSeries o{label, *elapsed, {}};
    for (double per_s : *ops) o.y.push_back(per_s / 1e6);
    rss_series.push_back(std::move(r));
    ops_series.push_back(std::move(o));
  }
  // Long runs read better in minutes.
  const bool minutes = longest_s > 600;
  if (minutes) {
    for (auto* all : {&rss_series, &ops_series}) {
      for (auto& s : *all) {
        for (double& x : s.x) x /= 60.0;
      }
    }
  }
  const std::string x_label = minutes ? "elapsed time (min)" : "elapsed time (s)";
  const std::string title = absl::GetFlag(FLAGS_title);
  if (!rss_svg.empty() &&
      !WriteFile(rss_svg, hakmem::tools::RenderLineChartSvg(
                              {absl::StrCat(title, ": resident set size"), x_label, "RSS (MiB)"},
                              rss_series))) {
    return 2;
  }
  if (!ops_svg.empty() &&
      !WriteFile(ops_svg, hakmem::tools::RenderLineChartSvg(
                              {absl::StrCat(title, ": throughput per epoch"), x_label,
                               "throughput (million ops/s)"},
                              ops_series))) {
    return 2;
  }
  return 0;
}
