// Runs real worker binaries: plain runs, the identity check, and the traced
// OS-call count. Nothing here is timed.
#include "benchmarks/process.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "benchmarks/worker_protocol.h"
#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

TEST(RunProcessTest, WorkerReportsItsAllocatorAndLibrary) {
  const ProcessResult result = RunProcess(Env("GLIBC_WORKER"), {"--print_allocator"});
  ASSERT_TRUE(result.started) << result.error;
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output.rfind("allocator=glibc library=", 0), 0u) << result.output;
  EXPECT_NE(result.output.find("/libc.so"), std::string::npos) << result.output;
}

TEST(RunProcessTest, WorkerRunsTheWorkloadAndPeakRssIsReported) {
  const ProcessResult result = RunProcess(Env("GLIBC_WORKER"), {"--cycles=50000", "--ws=400"});
  ASSERT_EQ(result.exit_code, 0);
  const std::optional<WorkerResult> parsed = ParseWorkerOutput(result.output);
  ASSERT_TRUE(parsed.has_value()) << result.output;
  EXPECT_EQ(parsed->operations, 50000u);
  EXPECT_GT(parsed->seconds, 0);
  EXPECT_GT(result.peak_rss_kib, 0);
}

TEST(RunProcessTest, WorkerRejectsBadArguments) {
  EXPECT_EQ(RunProcess(Env("GLIBC_WORKER"), {"--ws=0"}).exit_code, 2);
  EXPECT_EQ(RunProcess(Env("GLIBC_WORKER"), {"--bogus=1"}).exit_code, 2);
  EXPECT_EQ(RunProcess(Env("GLIBC_WORKER"), {"--cycles=-5"}).exit_code, 2);
}

TEST(RunProcessTest, MiswiredWorkerRefusesToRun) {
  // Claims mimalloc but links none, so malloc resolves to libc.
  const ProcessResult result = RunProcess(Env("MISWIRED_WORKER"), {"--cycles=1000"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.output, "");
}

TEST(RunProcessTest, MissingBinaryIsAFailureNotACrash) {
  const ProcessResult result = RunProcess("/nonexistent/worker", {});
  EXPECT_NE(result.exit_code, 0);
}

// Blocks of 64 MiB are above glibc's largest mmap threshold, so every malloc
// is one mmap and every free one munmap: the count is known exactly.
TEST(RunTracedCountingSyscallsTest, CountsOnlyBetweenTheMarkers) {
  const TracedResult traced = RunTracedCountingSyscalls(
      Env("GLIBC_WORKER"), {"--cycles=1000", "--ws=4", "--min_size=67108864", "--max_size=67108864"});
  ASSERT_EQ(traced.process.exit_code, 0) << traced.process.error;
  EXPECT_TRUE(traced.saw_start_marker);
  EXPECT_TRUE(traced.saw_stop_marker);
  const std::optional<WorkerResult> parsed = ParseWorkerOutput(traced.process.output);
  ASSERT_TRUE(parsed.has_value());
  // Main loop: one call per operation; final frees: at most 4 more munmaps.
  // The prefault pass (100 more operations) is not counted.
  EXPECT_EQ(traced.counted.mmap, parsed->allocations);
  EXPECT_GE(traced.counted.mmap + traced.counted.munmap, 1000u);
  EXPECT_LE(traced.counted.mmap + traced.counted.munmap, 1004u);
}

TEST(RunTracedCountingSyscallsTest, FollowsEveryThread) {
  const TracedResult traced = RunTracedCountingSyscalls(
      Env("GLIBC_WORKER"), {"--cycles=1000", "--ws=4", "--min_size=67108864", "--max_size=67108864", "--threads=2"});
  ASSERT_EQ(traced.process.exit_code, 0) << traced.process.error;
  const std::optional<WorkerResult> parsed = ParseWorkerOutput(traced.process.output);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->operations, 1000u);
  EXPECT_EQ(traced.counted.mmap, parsed->allocations);
  EXPECT_GE(traced.counted.mmap + traced.counted.munmap, 1000u);
  EXPECT_LE(traced.counted.mmap + traced.counted.munmap, 1008u);
}

// The probe maps and unmaps 25 pages between two queries; the tracer's
// answers must differ by exactly that, and an untraced probe gets no answer.
TEST(RunTracedCountingSyscallsTest, AnswersCountQueriesWithCallsSinceExec) {
  const TracedResult traced = RunTracedCountingSyscalls(Env("QUERY_PROBE"), {"25"});
  ASSERT_EQ(traced.process.exit_code, 0) << traced.process.error;
  EXPECT_EQ(traced.process.output, "mmap=25 munmap=25\n");
  EXPECT_EQ(traced.queries_answered, 2u);
  EXPECT_GE(traced.since_exec.mmap, 25u);
  EXPECT_EQ(traced.counted.mmap, 0u) << "no start marker, so nothing between markers";

  const ProcessResult plain = RunProcess(Env("QUERY_PROBE"), {"25"});
  EXPECT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.output, "unanswered\n");
}

TEST(RunTracedCountingSyscallsTest, InheritedStdoutAndPublishedPid) {
  std::atomic<pid_t> child{-1};
  TraceOptions options;
  options.capture_stdout = false;
  options.child_pid = &child;
  const TracedResult traced = RunTracedCountingSyscalls(Env("QUERY_PROBE"), {"3"}, options);
  EXPECT_EQ(traced.process.exit_code, 0);
  EXPECT_EQ(traced.process.output, "");
  EXPECT_EQ(traced.queries_answered, 2u);
  EXPECT_EQ(child.load(), 0) << "reset once the process is gone";
}

}  // namespace
}  // namespace hakmem::bench
