#include "benchmarks/json_lite.h"

#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

TEST(ParseJsonTest, GoogleBenchmarkShapedDocument) {
  std::string error;
  const auto value = ParseJson(R"({
    "context": {"date": "2024-01-01", "num_cpus": 2, "cpu_scaling_enabled": false, "caches": []},
    "benchmarks": [
      {"name": "BM_MallocFree/16", "run_type": "iteration", "real_time": 1.25e+01,
       "time_unit": "ns", "label": "a \"quoted\" \u0041"},
      {"name": "BM_Larson/threads:2", "real_time": -3, "skipped": null}
    ]
  })", &error);
  ASSERT_TRUE(value.has_value()) << error;
  const JsonValue* benchmarks = value->Find("benchmarks");
  ASSERT_NE(benchmarks, nullptr);
  ASSERT_EQ(benchmarks->items.size(), 2u);
  EXPECT_EQ(benchmarks->items[0].Find("name")->text, "BM_MallocFree/16");
  EXPECT_DOUBLE_EQ(benchmarks->items[0].Find("real_time")->number, 12.5);
  EXPECT_EQ(benchmarks->items[0].Find("label")->text, "a \"quoted\" A");
  EXPECT_DOUBLE_EQ(benchmarks->items[1].Find("real_time")->number, -3);
  EXPECT_EQ(benchmarks->items[1].Find("skipped")->kind, JsonValue::Kind::kNull);
  EXPECT_FALSE(value->Find("context")->Find("cpu_scaling_enabled")->boolean);
  EXPECT_EQ(value->Find("missing"), nullptr);
}

TEST(ParseJsonTest, RejectsBrokenDocuments) {
  std::string error;
  EXPECT_FALSE(ParseJson("", &error).has_value());
  EXPECT_FALSE(ParseJson("{\"a\": }", &error).has_value());
  EXPECT_FALSE(ParseJson("[1, 2", &error).has_value());
  EXPECT_FALSE(ParseJson("{\"a\": 1} extra", &error).has_value());
  EXPECT_FALSE(ParseJson("\"unterminated", &error).has_value());
  EXPECT_FALSE(ParseJson(std::string(100, '['), &error).has_value());
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace hakmem::bench
