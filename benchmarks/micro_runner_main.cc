// bazel run //benchmarks:micro --config=fast [-- flags]
//
// Runs every allocator's microbenchmark binary (Google Benchmark, JSON output),
// in interleaved rounds, and prints one side-by-side table with ratios to glibc.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "benchmarks/micro_table.h"
#include "benchmarks/process.h"
#include "benchmarks/runner_options.h"

#define HAKMEM_STRINGIFY_VALUE(x) #x
#define HAKMEM_STRINGIFY(x) HAKMEM_STRINGIFY_VALUE(x)

ABSL_FLAG(std::vector<std::string>, allocators, {}, "Comma-separated allocators (default: all built ones)");
ABSL_FLAG(std::vector<std::string>, extra, {}, "Extra microbenchmark binaries as name=path (comma-separated)");
ABSL_FLAG(std::string, filter, "", "Google Benchmark --benchmark_filter regex (default: all)");
ABSL_FLAG(double, min_time, 0.2, "Seconds per benchmark (--benchmark_min_time)");
ABSL_FLAG(int32_t, repetitions, 1, "Repetitions per benchmark and round; the table shows the median of all");
ABSL_FLAG(int32_t, rounds, 3,
          "Rounds: each runs every allocator's binary once, in turn, so that a busy spell of the machine "
          "hits all allocators alike instead of one");
ABSL_FLAG(std::string, baseline, "glibc", "Allocator the ratios are relative to");
ABSL_FLAG(std::string, manifest, HAKMEM_STRINGIFY(HAKMEM_BENCH_MANIFEST),
          "Allocator manifest (runfiles path) written by allocator_matrix.bzl");

namespace hakmem::bench {
namespace {

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Runs the allocator microbenchmarks for every allocator, side by side.");
  absl::ParseCommandLine(argc, argv);
  const double min_time = absl::GetFlag(FLAGS_min_time);
  const int repetitions = absl::GetFlag(FLAGS_repetitions);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  if (!(min_time > 0 && min_time <= 60)) {
    std::fprintf(stderr, "micro: --min_time must be in (0, 60] seconds\n");
    return kExitBadFlags;
  }
  if (repetitions < 1 || repetitions > 100) {
    std::fprintf(stderr, "micro: --repetitions must be in [1, 100]\n");
    return kExitBadFlags;
  }
  if (rounds < 1 || rounds > 100) {
    std::fprintf(stderr, "micro: --rounds must be in [1, 100]\n");
    return kExitBadFlags;
  }

  std::vector<AllocatorBinary> manifest;
  if (const std::string problem = ReadManifest(absl::GetFlag(FLAGS_manifest), FindRunfilesRoot(argv[0]), &manifest);
      !problem.empty()) {
    std::fprintf(stderr, "micro: %s\n", problem.c_str());
    return 1;
  }
  std::vector<AllocatorBinary> binaries;
  if (const std::string problem =
          SelectAllocators(absl::GetFlag(FLAGS_allocators), absl::GetFlag(FLAGS_extra), manifest, &binaries);
      !problem.empty()) {
    std::fprintf(stderr, "micro: %s\n", problem.c_str());
    return kExitBadFlags;
  }

  std::vector<std::string> args = {"--benchmark_format=json",
                                   "--benchmark_min_time=" + std::to_string(min_time),
                                   "--benchmark_repetitions=" + std::to_string(repetitions)};
  if (!absl::GetFlag(FLAGS_filter).empty()) args.push_back("--benchmark_filter=" + absl::GetFlag(FLAGS_filter));

  std::vector<MicroColumn> columns(binaries.size());
  for (size_t i = 0; i < binaries.size(); ++i) columns[i].allocator = binaries[i].name;
  for (int round = 1; round <= rounds; ++round) {
    for (size_t i = 0; i < binaries.size(); ++i) {
      std::fprintf(stderr, "[round %d/%d, %zu/%zu] %s microbenchmarks...\n", round, rounds, i + 1, binaries.size(),
                   binaries[i].name.c_str());
      const ProcessResult result = RunProcess(binaries[i].path, args);
      if (result.exit_code != 0) {
        std::fprintf(stderr, "micro: %s failed (exit code %d%s)\n", binaries[i].name.c_str(), result.exit_code,
                     result.exit_code == 3 ? ": malloc comes from the wrong library" : "");
        return 1;
      }
      if (const std::string problem = ReadBenchmarkJson(result.output, &columns[i].results); !problem.empty()) {
        std::fprintf(stderr, "micro: %s: %s\n", binaries[i].name.c_str(), problem.c_str());
        return 1;
      }
    }
  }
  std::printf("%s", FormatMicroTable(columns, absl::GetFlag(FLAGS_baseline)).c_str());
  return 0;
}

}  // namespace
}  // namespace hakmem::bench

int main(int argc, char** argv) { return hakmem::bench::Main(argc, argv); }
