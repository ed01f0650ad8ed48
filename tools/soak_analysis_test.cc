#include "tools/soak_analysis.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/csv_table.h"
#include "tools/soak_csv_columns.h"

namespace hakmem::tools {
namespace {

using ::testing::HasSubstr;

constexpr double kMiB = 1024.0 * 1024.0;

// The columns of soak CSVs written before mremap, brk and the allocator's own
// counters were added: most tests use them, so old files stay readable.
constexpr char kTenColumnHeader[] =
    "epoch,elapsed_s,epoch_s,epoch_ops,total_ops,ops_per_s,rss_bytes,mmap_calls,munmap_calls,madvise_calls";

struct Epoch {
  double seconds;
  double ops;
  double rss_mib;
  std::string mmap = "";  // cumulative counts; empty = not counted
  std::string munmap = "";
  std::string madvise = "";
};

std::string SoakCsv(const std::vector<Epoch>& epochs) {
  std::string text = absl::StrCat(kTenColumnHeader, "\n");
  double elapsed = 0;
  double total = 0;
  for (size_t i = 0; i < epochs.size(); ++i) {
    const Epoch& e = epochs[i];
    elapsed += e.seconds;
    total += e.ops;
    absl::StrAppendFormat(&text, "%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%s,%s,%s\n", i + 1, elapsed,
                          e.seconds, e.ops, total, e.ops / e.seconds, e.rss_mib * kMiB, e.mmap, e.munmap,
                          e.madvise);
  }
  return text;
}

// 20 one-second epochs: 2 of warm-up, then RSS 100 MiB rising to 110 MiB and
// ops/s 1000 falling to 900 in the last two epochs.
std::vector<Epoch> DriftingRun() {
  std::vector<Epoch> epochs;
  for (int i = 1; i <= 20; ++i) {
    Epoch e{1.0, i >= 19 ? 900.0 : 1000.0, i <= 2 ? 50.0 : (i >= 19 ? 110.0 : 100.0)};
    e.mmap = absl::StrCat(i <= 2 ? 5 * i : 10 + (i == 20 ? 30 : 0));
    e.munmap = absl::StrCat(i <= 2 ? 5 : (i == 20 ? 14 : 5));
    e.madvise = "0";
    epochs.push_back(e);
  }
  return epochs;
}

SoakReport Analyze(const std::string& csv, const SoakOptions& options = {}) {
  auto table = ParseCsv(csv, "soak.csv");
  EXPECT_TRUE(table.ok()) << table.status();
  auto report = AnalyzeSoak(*table, options);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : SoakReport{};
}

std::string AnalyzeError(const std::string& csv, const SoakOptions& options = {}) {
  auto table = ParseCsv(csv, "soak.csv");
  if (!table.ok()) return std::string(table.status().message());
  auto report = AnalyzeSoak(*table, options);
  return report.ok() ? "" : std::string(report.status().message());
}

TEST(PercentileTest, InterpolatesBetweenClosestRanks) {
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(Percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90), 9.1);
  EXPECT_DOUBLE_EQ(Percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99.9), 9.991);
  EXPECT_DOUBLE_EQ(Percentile({7, 3, 5}, 0), 3);
  EXPECT_DOUBLE_EQ(Percentile({7, 3, 5}, 100), 7);
  EXPECT_DOUBLE_EQ(Percentile({42}, 99), 42);
}

TEST(SummarizeTest, MeanSampleStddevAndCv) {
  const SeriesSummary s = Summarize({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(32.0 / 7.0));
  EXPECT_DOUBLE_EQ(s.cv_pct, std::sqrt(32.0 / 7.0) / 5 * 100);
  EXPECT_EQ(s.min, 2);
  EXPECT_EQ(s.max, 9);
  EXPECT_EQ(Summarize({3}).stddev, 0);
}

TEST(WarmupSpecTest, PercentOrDuration) {
  auto share = ParseWarmupSpec("25%");
  ASSERT_TRUE(share.ok());
  EXPECT_DOUBLE_EQ(*share->fraction, 0.25);
  auto time = ParseWarmupSpec("2m");
  ASSERT_TRUE(time.ok());
  EXPECT_FALSE(time->fraction.has_value());
  EXPECT_EQ(time->time, absl::Minutes(2));
  EXPECT_FALSE(ParseWarmupSpec("100%").ok());
  EXPECT_FALSE(ParseWarmupSpec("soon").ok());
}

TEST(AnalyzeSoakTest, DriftCvAndSyscallsOnKnownData) {
  const SoakReport r = Analyze(SoakCsv(DriftingRun()));
  EXPECT_EQ(r.epochs, 20u);
  EXPECT_EQ(r.warmup_epochs, 2u);
  EXPECT_EQ(r.measured_epochs, 18u);
  EXPECT_EQ(r.window_epochs, 2u);  // round(10% of 18)
  EXPECT_DOUBLE_EQ(r.warmup_end_s, 2);
  EXPECT_DOUBLE_EQ(r.rss_baseline_bytes, 100 * kMiB);
  EXPECT_DOUBLE_EQ(r.rss_final_bytes, 110 * kMiB);
  EXPECT_NEAR(r.rss_drift_pct, 10.0, 1e-9);
  EXPECT_DOUBLE_EQ(r.rss_peak_bytes, 110 * kMiB);
  EXPECT_GT(r.rss_slope_mib_per_hour, 0);
  EXPECT_DOUBLE_EQ(r.ops_baseline, 1000);
  EXPECT_DOUBLE_EQ(r.ops_final, 900);
  EXPECT_NEAR(r.ops_drift_pct, -10.0, 1e-9);
  // 16 epochs at 1000 and 2 at 900.
  const double mean = (16 * 1000.0 + 2 * 900.0) / 18;
  const double variance =
      (16 * (1000 - mean) * (1000 - mean) + 2 * (900 - mean) * (900 - mean)) / 17;
  EXPECT_NEAR(r.throughput.mean, mean, 1e-9);
  EXPECT_NEAR(r.throughput.cv_pct, std::sqrt(variance) / mean * 100, 1e-9);
  EXPECT_DOUBLE_EQ(r.throughput.p50, 1000);
  EXPECT_DOUBLE_EQ(r.throughput.min, 900);
  // The tail holds 8 epochs at 1000 and 2 at 900.
  EXPECT_EQ(r.tail_epochs, 10u);
  EXPECT_DOUBLE_EQ(r.tail_throughput.mean, 980);
  EXPECT_DOUBLE_EQ(r.tail_rss_max_bytes, 110 * kMiB);
  // After warm-up: 30 mmap, 9 munmap, 0 madvise over 16 * 1000 + 2 * 900 operations.
  EXPECT_DOUBLE_EQ(r.ops_after_warmup, 17800);
  ASSERT_TRUE(r.syscalls.has_value());
  EXPECT_DOUBLE_EQ(r.syscalls->calls_after_warmup, 39);
  EXPECT_DOUBLE_EQ(r.syscalls->mmap_per_op, 30.0 / 17800);
  EXPECT_DOUBLE_EQ(r.syscalls->munmap_per_op, 9.0 / 17800);
  EXPECT_DOUBLE_EQ(r.syscalls->madvise_per_op, 0);
  EXPECT_DOUBLE_EQ(r.syscalls->total_per_op, 39.0 / 17800);
}

// The current header: traced mremap and brk count too, and the allocator's
// own counters come out as a separate cross-check.
TEST(AnalyzeSoakTest, TracedKindsAndAllocatorCountersOfTheFullHeader) {
  std::string csv = absl::StrCat(soak_columns::kHeader, "\n");
  // epoch, elapsed, epoch_s, epoch_ops, total, ops/s, rss, mmap, munmap, madvise, mremap, brk, own x3, unix time
  csv += "1,1,1,100,100,100,1048576,50,2,0,0,10,5,1,0,1893456001.000\n";
  csv += "2,2,1,100,200,100,1048576,51,2,1,1,12,6,1,1,1893456002.000\n";
  csv += "3,3,1,100,300,100,1048576,53,3,1,1,14,8,2,1,1893456003.000\n";
  SoakOptions options;
  options.warmup = *ParseWarmupSpec("1s");
  const SoakReport r = Analyze(csv, options);
  ASSERT_TRUE(r.syscalls.has_value());
  // After epoch 1: mmap 3, munmap 1, madvise 1, mremap 1, brk 4 over 200 operations.
  EXPECT_DOUBLE_EQ(r.syscalls->calls_after_warmup, 10);
  EXPECT_DOUBLE_EQ(r.syscalls->total_per_op, 10.0 / 200);
  ASSERT_TRUE(r.syscalls->brk_per_op.has_value());
  EXPECT_DOUBLE_EQ(*r.syscalls->brk_per_op, 4.0 / 200);
  EXPECT_DOUBLE_EQ(r.syscalls->mremap_per_op.value_or(-1), 1.0 / 200);
  ASSERT_TRUE(r.allocator_syscalls.has_value());
  EXPECT_DOUBLE_EQ(r.allocator_syscalls->calls_after_warmup, 5);
  EXPECT_FALSE(r.allocator_syscalls->brk_per_op.has_value());
  const std::string text = FormatReport(r);
  EXPECT_THAT(text, HasSubstr("syscalls/op:       0.05 (mmap 0.015, munmap 0.005, madvise 0.005, mremap 0.005, "
                              "brk 0.02; 10 calls after warm-up)"));
  EXPECT_THAT(text, HasSubstr("allocator's count: 0.025 (mmap 0.015, munmap 0.005, madvise 0.005; 5 calls"));
}

TEST(AnalyzeSoakTest, UntracedRunWithOnlyTheAllocatorsCounters) {
  std::string csv = absl::StrCat(soak_columns::kHeader, "\n");
  csv += "1,1,1,100,100,100,1048576,,,,,,5,1,0,1893456001.000\n";
  csv += "2,2,1,100,200,100,1048576,,,,,,5,1,0,1893456002.000\n";
  SoakOptions options;
  options.warmup = *ParseWarmupSpec("1s");
  const SoakReport r = Analyze(csv, options);
  EXPECT_FALSE(r.syscalls.has_value());
  ASSERT_TRUE(r.allocator_syscalls.has_value());
  EXPECT_DOUBLE_EQ(r.allocator_syscalls->total_per_op, 0);
  csv += "3,3,1,100,300,100,1048576,,,,,,4,1,0,1893456003.000\n";
  EXPECT_THAT(AnalyzeError(csv), HasSubstr("soak.csv:4: cumulative OS-call count goes down"));
}

TEST(AnalyzeSoakTest, WarmupByTimeAndNoCounters) {
  std::vector<Epoch> epochs;
  for (int i = 0; i < 10; ++i) epochs.push_back({0.5, 500, 10});
  SoakOptions options;
  options.warmup = *ParseWarmupSpec("2s");
  const SoakReport r = Analyze(SoakCsv(epochs), options);
  EXPECT_EQ(r.warmup_epochs, 4u);  // elapsed 0.5, 1.0, 1.5, 2.0
  EXPECT_EQ(r.measured_epochs, 6u);
  EXPECT_DOUBLE_EQ(r.rss_drift_pct, 0);
  EXPECT_DOUBLE_EQ(r.throughput.cv_pct, 0);
  EXPECT_FALSE(r.syscalls.has_value());
}

TEST(AnalyzeSoakTest, ShortLastEpochIsLeftOutOfThroughput) {
  std::vector<Epoch> epochs(10, Epoch{1.0, 1000, 10});
  epochs.push_back({0.1, 10, 10});  // stopped early, 100 ops/s
  const SoakReport r = Analyze(SoakCsv(epochs));
  EXPECT_EQ(r.short_epochs_excluded, 1u);
  EXPECT_DOUBLE_EQ(r.throughput.min, 1000);
  EXPECT_DOUBLE_EQ(r.ops_drift_pct, 0);
}

TEST(AnalyzeSoakTest, MissingEpochNamesTheLine) {
  std::string csv = SoakCsv(std::vector<Epoch>(5, Epoch{1.0, 100, 10}));
  // Drop the third data row (line 4).
  const size_t start = csv.find("\n3,") + 1;
  csv.erase(start, csv.find('\n', start) - start + 1);
  EXPECT_THAT(AnalyzeError(csv), HasSubstr("soak.csv:4: epoch 4 where 3 was expected"));
}

TEST(AnalyzeSoakTest, InconsistentTotalsAreRejected) {
  std::string csv = absl::StrCat(kTenColumnHeader, "\n", "1,1,1,100,100,100,1048576,,,\n",
                                 "2,2,1,100,150,100,1048576,,,\n");
  EXPECT_THAT(AnalyzeError(csv), HasSubstr("soak.csv:3: total_ops is not"));
}

TEST(AnalyzeSoakTest, CountersMustBeAllOrNothingAndNeverFall) {
  std::string partial = absl::StrCat(kTenColumnHeader, "\n", "1,1,1,100,100,100,1048576,1,1,1\n",
                                     "2,2,1,100,200,100,1048576,,,\n");
  EXPECT_THAT(AnalyzeError(partial), HasSubstr("soak.csv:3: OS-call columns"));
  std::string falling = absl::StrCat(kTenColumnHeader, "\n", "1,1,1,100,100,100,1048576,5,1,1\n",
                                     "2,2,1,100,200,100,1048576,4,1,1\n");
  EXPECT_THAT(AnalyzeError(falling), HasSubstr("soak.csv:3: cumulative OS-call count goes down"));
}

TEST(AnalyzeSoakTest, MissingColumnAndAllWarmupAreErrors) {
  EXPECT_THAT(AnalyzeError("epoch,elapsed_s\n1,1\n"), HasSubstr("no column 'epoch_s'"));
  SoakOptions options;
  options.warmup = *ParseWarmupSpec("1h");
  EXPECT_THAT(AnalyzeError(SoakCsv({{1.0, 1, 1}}), options), HasSubstr("fall in the warm-up"));
}

TEST(JudgeTest, BreachesAreReportedAndGatesCanBeDropped) {
  const SoakReport r = Analyze(SoakCsv(DriftingRun()));
  auto all = ParseGates("rss_drift,ops_drift,cv,rss_max");
  ASSERT_TRUE(all.ok());
  Thresholds thresholds;
  thresholds.max_rss_mib = 100;
  const Verdict failing = Judge(r, thresholds, *all);
  EXPECT_FALSE(failing.pass);
  ASSERT_EQ(failing.breaches.size(), 4u);
  EXPECT_THAT(VerdictLine(failing), HasSubstr("VERDICT: FAIL: rss_drift +10.00% > +5.00%"));
  EXPECT_THAT(VerdictLine(failing), HasSubstr("ops_drift -10.00% < -5.00%"));
  EXPECT_THAT(VerdictLine(failing), HasSubstr("rss_peak 110.0 MiB > 100.0 MiB"));

  thresholds.max_rss_drift_pct = 10.5;
  thresholds.min_ops_drift_pct = -10.5;
  thresholds.max_cv_pct = 5;
  thresholds.max_rss_mib = 0;  // no bound
  const Verdict passing = Judge(r, thresholds, *all);
  EXPECT_TRUE(passing.pass);
  EXPECT_THAT(VerdictLine(passing), HasSubstr("VERDICT: PASS"));
  EXPECT_THAT(VerdictLine(passing), HasSubstr("rss_peak 110.0 MiB (no bound)"));

  auto none = ParseGates("none");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(Judge(r, Thresholds{}, *none).pass);
  EXPECT_FALSE(ParseGates("rss,cv").ok());
}

TEST(FormatReportTest, NamesEveryFigure) {
  const std::string text = FormatReport(Analyze(SoakCsv(DriftingRun())));
  for (const char* figure : {"drift +10.00%", "-10.00%", "CV ", "p99.9", "tail (last 10)", "syscalls/op"}) {
    EXPECT_THAT(text, HasSubstr(figure));
  }
}

// A report with a different value in every field, so a figure written under
// the wrong name or left out changes the text.
AnalysedSoakFile KnownFile() {
  SoakReport r;
  r.epochs = 20;
  r.warmup_epochs = 2;
  r.measured_epochs = 18;
  r.short_epochs_excluded = 1;
  r.window_epochs = 3;
  r.duration_s = 20.5;
  r.warmup_end_s = 2.25;
  r.ops_after_warmup = 17800;
  r.rss_baseline_bytes = 100 * kMiB;
  r.rss_final_bytes = 110 * kMiB;
  r.rss_drift_pct = 10;
  r.rss_peak_bytes = 112.5 * kMiB;
  r.rss_slope_mib_per_hour = 3.25;
  r.ops_baseline = 1000;
  r.ops_final = 900;
  r.ops_drift_pct = -10;
  r.throughput = {17, 990, 30, 2.5, 900, 1010, 1001, 1005, 1009, 1009.9};
  r.tail_epochs = 10;
  r.tail_throughput = {10, 980, 40, 4, 901, 1002, 995, 999, 999.5, 999.95};
  r.tail_vs_measured_pct = -1.25;
  r.tail_rss_max_bytes = 111 * kMiB;
  r.syscalls = SyscallBudget{0.001, 0.0005, 0, 0.00025, std::nullopt, 0.00175, 31};
  Verdict verdict;
  verdict.pass = false;
  verdict.checks = {"rss_drift +10.00% > +5.00%", "cv 2.50% > 2.00%"};
  verdict.breaches = verdict.checks;
  return {"runs/soak_hakmem_fast.csv", r, verdict};
}

TEST(SoakLabelTest, BasenameWithoutCsvAndSoakPrefix) {
  EXPECT_EQ(SoakLabel("out/soak_hakmem_fast.csv"), "hakmem_fast");
  EXPECT_EQ(SoakLabel("soak_glibc.csv"), "glibc");
  EXPECT_EQ(SoakLabel("/a/b/run.csv"), "run");
  EXPECT_EQ(SoakLabel("soak_x.txt"), "x.txt");
  EXPECT_EQ(SoakLabel("-"), "-");
}

TEST(FormatReportJsonTest, EveryFigureUnderItsNameOnKnownData) {
  const std::string expected = R"({
  "files": [
    {
      "path": "runs/soak_hakmem_fast.csv",
      "label": "hakmem_fast",
      "duration_s": 20.5,
      "epochs": 20,
      "warmup_epochs": 2,
      "warmup_end_s": 2.25,
      "measured_epochs": 18,
      "short_epochs_excluded": 1,
      "window_epochs": 3,
      "ops_after_warmup": 17800,
      "rss_baseline_mib": 100,
      "rss_final_mib": 110,
      "rss_peak_mib": 112.5,
      "rss_drift_pct": 10,
      "rss_slope_mib_per_hour": 3.25,
      "ops_baseline": 1000,
      "ops_final": 900,
      "ops_drift_pct": -10,
      "throughput": {
        "epochs": 17,
        "mean": 990,
        "median": 1001,
        "p50": 1001,
        "p90": 1005,
        "p99": 1009,
        "p99_9": 1009.9,
        "min": 900,
        "max": 1010,
        "stddev": 30,
        "cv_pct": 2.5
      },
      "tail": {
        "epochs": 10,
        "mean": 980,
        "median": 995,
        "p50": 995,
        "p90": 999,
        "p99": 999.5,
        "p99_9": 999.95,
        "min": 901,
        "max": 1002,
        "stddev": 40,
        "cv_pct": 4,
        "vs_measured_pct": -1.25,
        "rss_max_mib": 111
      },
      "syscalls": {
        "mmap_per_op": 0.001,
        "munmap_per_op": 5e-04,
        "madvise_per_op": 0,
        "mremap_per_op": 0.00025,
        "brk_per_op": null,
        "total_per_op": 0.00175,
        "calls_after_warmup": 31
      },
      "allocator_syscalls": null,
      "verdict": {
        "pass": false,
        "checks": [
          "rss_drift +10.00% > +5.00%",
          "cv 2.50% > 2.00%"
        ],
        "breaches": [
          "rss_drift +10.00% > +5.00%",
          "cv 2.50% > 2.00%"
        ]
      }
    }
  ],
  "rejected": []
}
)";
  EXPECT_EQ(FormatReportJson({KnownFile()}, {}), expected);
}

TEST(FormatReportJsonTest, EscapesStringsAndWritesNullForWhatIsNotFinite) {
  AnalysedSoakFile file = KnownFile();
  file.path = "dir\\soak_\"odd\".csv";
  file.report.rss_drift_pct = ChangePct(0, 5);  // infinite
  file.report.tail_epochs = 0;
  file.verdict = Verdict{};
  const std::string json =
      FormatReportJson({file}, {{"bad.csv", std::string("bad.csv:3: tab\there\nnext\x01 end")}});
  EXPECT_THAT(json, HasSubstr(R"("path": "dir\\soak_\"odd\".csv",)"));
  EXPECT_THAT(json, HasSubstr(R"("label": "dir\\soak_\"odd\"",)"));
  EXPECT_THAT(json, HasSubstr(R"("rss_drift_pct": null,)"));
  EXPECT_THAT(json, HasSubstr(R"("tail": null,)"));
  EXPECT_THAT(json, HasSubstr(R"("pass": true,)"));
  EXPECT_THAT(json, HasSubstr(R"("checks": [],)"));
  EXPECT_THAT(json, HasSubstr(R"(  "rejected": [
    {
      "path": "bad.csv",
      "error": "bad.csv:3: tab\there\nnext\u0001 end"
    }
  ])"));
}

TEST(FormatReportJsonTest, FiguresOfAnAnalysedRun) {
  const SoakReport r = Analyze(SoakCsv(DriftingRun()));
  const std::string json = FormatReportJson({{"soak_drift.csv", r, Verdict{}}}, {});
  for (const char* figure : {R"("label": "drift")", R"("epochs": 20,)", R"("rss_baseline_mib": 100,)",
                             R"("rss_final_mib": 110,)", R"("ops_baseline": 1000,)", R"("ops_final": 900,)",
                             R"("calls_after_warmup": 39)", R"("brk_per_op": null,)"}) {
    EXPECT_THAT(json, HasSubstr(figure));
  }
}

}  // namespace
}  // namespace hakmem::tools
