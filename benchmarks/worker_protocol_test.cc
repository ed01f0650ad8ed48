#include "benchmarks/worker_protocol.h"

#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

TEST(WorkerProtocolTest, RoundTrips) {
  WorkerResult result;
  result.allocator = "jemalloc";
  result.library = "/usr/lib/libjemalloc.so.2";
  result.operations = 10'000'000;
  result.seconds = 0.123456789;
  result.allocations = 5'000'123;
  const std::optional<WorkerResult> parsed =
      ParseWorkerOutput("some noise\n" + FormatResultLine(result) + "\ntrailing\n");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->allocator, "jemalloc");
  EXPECT_EQ(parsed->library, "/usr/lib/libjemalloc.so.2");
  EXPECT_EQ(parsed->operations, 10'000'000u);
  EXPECT_DOUBLE_EQ(parsed->seconds, 0.123456789);
  EXPECT_EQ(parsed->allocations, 5'000'123u);
}

TEST(WorkerProtocolTest, RejectsMissingOrBrokenFields) {
  EXPECT_FALSE(ParseWorkerOutput("").has_value());
  EXPECT_FALSE(ParseWorkerOutput("hello\n").has_value());
  EXPECT_FALSE(ParseWorkerOutput("hakmem-bench-result allocator=x library=y operations=1 seconds=2\n"));
  EXPECT_FALSE(
      ParseWorkerOutput("hakmem-bench-result allocator=x library=y operations=1x seconds=2 allocations=3\n"));
  EXPECT_TRUE(
      ParseWorkerOutput("hakmem-bench-result allocator=x library=y operations=1 seconds=2 allocations=3"));
}

}  // namespace
}  // namespace hakmem::bench
