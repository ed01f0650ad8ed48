#include "benchmarks/micro_table.h"

#include <sstream>

#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

constexpr char kGlibcJson[] = R"({"context": {}, "benchmarks": [
  {"name": "BM_A/16", "run_name": "BM_A/16", "run_type": "iteration", "real_time": 20, "time_unit": "ns"},
  {"name": "BM_A/16", "run_name": "BM_A/16", "run_type": "iteration", "real_time": 10, "time_unit": "ns"},
  {"name": "BM_A/16", "run_name": "BM_A/16", "run_type": "iteration", "real_time": 12, "time_unit": "ns"},
  {"name": "BM_A/16_mean", "run_name": "BM_A/16", "run_type": "aggregate", "real_time": 14, "time_unit": "ns"},
  {"name": "BM_B", "run_name": "BM_B", "run_type": "iteration", "real_time": 2, "time_unit": "us"}
]})";

constexpr char kMimallocJson[] = R"({"benchmarks": [
  {"name": "BM_A/16", "run_type": "iteration", "real_time": 6, "time_unit": "ns"},
  {"name": "BM_B", "run_type": "iteration", "real_time": 4000, "time_unit": "ns"}
]})";

TEST(ReadBenchmarkJsonTest, TakesMedianOfIterationsAndConvertsUnits) {
  MicroResults results;
  ASSERT_EQ(ReadBenchmarkJson(kGlibcJson, &results), "");
  EXPECT_EQ(results.order, (std::vector<std::string>{"BM_A/16", "BM_B"}));
  EXPECT_DOUBLE_EQ(results.nanoseconds["BM_A/16"], 12);  // aggregate row ignored
  EXPECT_DOUBLE_EQ(results.nanoseconds["BM_B"], 2000);
}

// Rounds pool: a second document's samples join the first's in one median.
TEST(ReadBenchmarkJsonTest, PoolsSamplesAcrossRounds) {
  MicroResults results;
  ASSERT_EQ(ReadBenchmarkJson(R"({"benchmarks": [{"name": "BM_B", "run_type": "iteration", "real_time": 1, "time_unit": "us"}]})",
                              &results),
            "");
  ASSERT_EQ(ReadBenchmarkJson(R"({"benchmarks": [{"name": "BM_B", "run_type": "iteration", "real_time": 3000, "time_unit": "ns"}, {"name": "BM_B", "run_type": "iteration", "real_time": 5000, "time_unit": "ns"}]})",
                              &results),
            "");
  EXPECT_EQ(results.order, (std::vector<std::string>{"BM_B"}));
  EXPECT_DOUBLE_EQ(results.nanoseconds["BM_B"], 3000);
}

TEST(ReadBenchmarkJsonTest, RejectsOtherOutput) {
  MicroResults results;
  EXPECT_NE(ReadBenchmarkJson("Running ./micro\n", &results), "");
  EXPECT_NE(ReadBenchmarkJson("{\"context\": {}}", &results), "");
  EXPECT_NE(ReadBenchmarkJson(R"({"benchmarks": [{"name": "x", "real_time": 1, "time_unit": "days"}]})", &results),
            "");
}

TEST(FormatMicroTableTest, SideBySideTimesAndRatiosToTheBaseline) {
  std::vector<MicroColumn> columns(2);
  columns[0].allocator = "glibc";
  columns[1].allocator = "mimalloc";
  ASSERT_EQ(ReadBenchmarkJson(kGlibcJson, &columns[0].results), "");
  ASSERT_EQ(ReadBenchmarkJson(kMimallocJson, &columns[1].results), "");
  std::istringstream table(FormatMicroTable(columns, "glibc"));
  std::string header, row_a, row_b;
  std::getline(table, header);
  std::getline(table, row_a);
  std::getline(table, row_b);
  EXPECT_NE(header.find("glibc ns"), std::string::npos);
  EXPECT_NE(header.find("mimalloc xglibc"), std::string::npos);
  EXPECT_EQ(header.find("glibc xglibc"), std::string::npos);  // no ratio of the baseline to itself
  EXPECT_EQ(row_a.rfind("BM_A/16", 0), 0u);
  EXPECT_NE(row_a.find("12.00"), std::string::npos);
  EXPECT_NE(row_a.find("6.00"), std::string::npos);
  EXPECT_NE(row_a.find("2.00"), std::string::npos);  // 12 / 6
  EXPECT_NE(row_b.find("0.50"), std::string::npos);  // 2000 / 4000
}

TEST(FormatMicroTableTest, MissingBenchmarkShowsADash) {
  std::vector<MicroColumn> columns(2);
  columns[0].allocator = "jemalloc";
  columns[1].allocator = "mimalloc";
  ASSERT_EQ(ReadBenchmarkJson(kGlibcJson, &columns[0].results), "");
  ASSERT_EQ(ReadBenchmarkJson(R"({"benchmarks": []})", &columns[1].results), "");
  const std::string table = FormatMicroTable(columns, "glibc");  // no glibc: first column is the base
  EXPECT_NE(table.find("xjemalloc"), std::string::npos);
  EXPECT_NE(table.find(" -"), std::string::npos);
}

}  // namespace
}  // namespace hakmem::bench
