// Google Benchmark from Debian links, registers a benchmark and runs it.
#include <benchmark/benchmark.h>

#include "gtest/gtest.h"

namespace {

int g_iterations = 0;

void BM_Increment(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(++g_iterations);
  }
}
BENCHMARK(BM_Increment)->Iterations(100);

class CountingReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override { reported += runs.size(); }
  size_t reported = 0;
};

TEST(GoogleBenchmarkTest, RegisteredBenchmarkRuns) {
  int argc = 1;
  char arg0[] = "google_benchmark_test";
  char* argv[] = {arg0, nullptr};
  benchmark::Initialize(&argc, argv);
  CountingReporter reporter;
  EXPECT_EQ(benchmark::RunSpecifiedBenchmarks(&reporter), 1u);
  EXPECT_EQ(reporter.reported, 1u);
  EXPECT_EQ(g_iterations, 100);
}

}  // namespace
