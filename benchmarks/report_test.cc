#include "benchmarks/report.h"

#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

MixedReportRow Row(const std::string& name, std::vector<double> samples, bool with_syscalls,
                   std::vector<double> peak_rss_mib = {12.5}) {
  MixedReportRow row;
  row.allocator = name;
  row.library = "/lib/lib" + name + ".so";
  row.ops_per_second = samples;
  row.throughput = Summarize(samples);
  row.peak_rss_mib_runs = peak_rss_mib;
  row.peak_rss_mib = Summarize(peak_rss_mib);
  if (with_syscalls) {
    MemorySyscalls calls;
    calls.mmap = 20;
    calls.munmap = 10;
    row.syscalls = calls;
    row.traced_operations = 1000;
  }
  return row;
}

MixedReport SampleReport() {
  MixedReport report;
  report.workload.runs = 3;
  report.rows.push_back(Row("glibc", {50e6, 52e6, 48e6}, true));
  report.rows.push_back(Row("mimalloc", {100e6, 101e6, 99e6}, true, {3.0, 3.75, 3.25}));
  report.rows.push_back(Row("odd,name", {75e6, 75e6, 75e6}, false));
  return report;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(RatioToTest, DividesMediansAndNeedsTheBaseline) {
  const MixedReport report = SampleReport();
  EXPECT_DOUBLE_EQ(*RatioTo(report, report.rows[0], "mimalloc"), 0.5);
  EXPECT_DOUBLE_EQ(*RatioTo(report, report.rows[1], "glibc"), 2.0);
  EXPECT_FALSE(RatioTo(report, report.rows[1], "jemalloc").has_value());
}

TEST(PerOperationTest, DividesByTracedOperations) {
  const MixedReport report = SampleReport();
  EXPECT_DOUBLE_EQ(PerOperation(report.rows[0], report.rows[0].syscalls->mmap), 0.02);
  EXPECT_DOUBLE_EQ(PerOperation(report.rows[2], 5), 0);  // nothing traced
}

TEST(FormatTableTest, OneHeaderAndOneRowPerAllocatorWithEveryColumn) {
  const std::vector<std::string> lines = Lines(FormatTable(SampleReport()));
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0].rfind("Mixed workload: ", 0), 0u);
  for (const char* column : {"allocator", "median ops/s", "CV %", "min ops/s", "max ops/s", "x mimalloc", "x glibc",
                             "peak RSS MiB", "max RSS MiB", "mmap/op", "munmap/op", "madvise/op", "mremap/op", "brk/op"}) {
    EXPECT_NE(lines[1].find(column), std::string::npos) << column;
  }
  EXPECT_EQ(lines[2].rfind("glibc ", 0), 0u);
  EXPECT_NE(lines[2].find("50.00M"), std::string::npos);
  EXPECT_NE(lines[2].find("0.50"), std::string::npos);   // x mimalloc
  EXPECT_NE(lines[2].find("2.00e-02"), std::string::npos);  // mmap per op
  EXPECT_EQ(lines[3].rfind("mimalloc ", 0), 0u);
  // Peak RSS: the median of the runs' peaks, then the largest (8th and 9th columns).
  std::istringstream mimalloc_line(lines[3]);
  std::vector<std::string> cells;
  for (std::string cell; mimalloc_line >> cell;) cells.push_back(cell);
  ASSERT_GE(cells.size(), 9u) << lines[3];
  EXPECT_EQ(cells[7], "3.2") << lines[3];
  EXPECT_EQ(cells[8], "3.8") << lines[3];
  EXPECT_NE(lines[4].find("n/a"), std::string::npos);  // not traced
}

TEST(FormatCsvTest, HeaderAndRowsHaveTheSameNumberOfFields) {
  const std::vector<std::string> lines = Lines(FormatCsv(SampleReport()));
  ASSERT_EQ(lines.size(), 4u);
  // The quoted name holds one comma that is not a separator.
  const auto fields = [](const std::string& line) {
    int count = 1;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++count;
    }
    return count;
  };
  EXPECT_EQ(fields(lines[0]), 16);
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(fields(lines[i]), 16) << lines[i];
  EXPECT_EQ(lines[3].rfind("\"odd,name\"", 0), 0u);
  EXPECT_NE(lines[1].find(",50000000.0,"), std::string::npos);
  EXPECT_NE(lines[2].find(",3.25,3.75,"), std::string::npos) << lines[2];
}

TEST(FormatJsonTest, CarriesWorkloadRowsAndNulls) {
  const std::string json = FormatJson(SampleReport());
  EXPECT_NE(json.find("\"workload\": {\"name\": \"mixed\", \"cycles\": 10000000"), std::string::npos);
  EXPECT_NE(json.find("\"name\": \"mimalloc\""), std::string::npos);
  EXPECT_NE(json.find("\"vs_glibc\": 2,"), std::string::npos);
  EXPECT_NE(json.find("\"syscalls_per_op\": null"), std::string::npos);
  EXPECT_NE(json.find("\"peak_rss_mib\": 3.25, \"max_peak_rss_mib\": 3.75"), std::string::npos);
  EXPECT_NE(json.find("\"ops_per_s_runs\": [50000000, 52000000, 48000000]"), std::string::npos);
}

TEST(FormatSvgTest, OneBarAndOneWhiskerPerAllocatorAndLabelledAxes) {
  const std::string svg = FormatSvg(SampleReport());
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  const auto count = [&](const std::string& needle) {
    int n = 0;
    for (size_t at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("class=\"bar\""), 3);
  EXPECT_EQ(count("class=\"whisker\""), 3);
  EXPECT_NE(svg.find("million operations per second"), std::string::npos);
  EXPECT_NE(svg.find("odd,name"), std::string::npos);
}

}  // namespace
}  // namespace hakmem::bench
