// bazel run //benchmarks:mixed --config=fast [-- flags]
//
// Runs every allocator's Mixed-workload binary --runs times, interleaved
// (A B C D A B C D ...) so machine drift hits all alike, then once more each
// under ptrace to count memory OS calls, and prints one row per allocator.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "benchmarks/process.h"
#include "benchmarks/report.h"
#include "benchmarks/runner_options.h"
#include "benchmarks/stats.h"
#include "benchmarks/worker_protocol.h"

#define HAKMEM_STRINGIFY_VALUE(x) #x
#define HAKMEM_STRINGIFY(x) HAKMEM_STRINGIFY_VALUE(x)

ABSL_FLAG(std::vector<std::string>, allocators, {},
          "Comma-separated allocators to compare, in order (default: all built ones)");
ABSL_FLAG(std::vector<std::string>, extra, {},
          "Extra worker binaries as name=path (comma-separated), e.g. a hakmem worker built with "
          "another profile; they run after the built-in ones");
ABSL_FLAG(int64_t, runs, 10, "Timed runs per allocator");
ABSL_FLAG(int64_t, cycles, 10'000'000, "Operations per run");
ABSL_FLAG(int64_t, ws, 8192, "Working-set slots (400 is the other standard setting)");
ABSL_FLAG(int64_t, seed, 1234567, "xorshift32 seed (non-zero)");
ABSL_FLAG(int64_t, min_size, 16, "Smallest block size in bytes");
ABSL_FLAG(int64_t, max_size, 1039, "Largest block size in bytes (inclusive)");
ABSL_FLAG(int64_t, threads, 1, "Threads; above 1 freed blocks migrate to the next thread");
ABSL_FLAG(bool, count_syscalls, true, "Also count mmap/munmap/madvise/mremap/brk in a traced run");
ABSL_FLAG(std::string, csv, "", "Also write the results as CSV to this path");
ABSL_FLAG(std::string, json, "", "Also write the results as JSON to this path");
ABSL_FLAG(std::string, svg, "", "Also write a bar chart (SVG) to this path");
ABSL_FLAG(std::string, manifest, HAKMEM_STRINGIFY(HAKMEM_BENCH_MANIFEST),
          "Allocator manifest (runfiles path) written by allocator_matrix.bzl");

namespace hakmem::bench {
namespace {

constexpr int kExitFailure = 1;

// `bazel run` starts us in the runfiles tree; relative output paths mean the
// directory the user ran bazel from.
std::string UserPath(const std::string& path) {
  const char* working_directory = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || working_directory == nullptr) return path;
  return std::string(working_directory) + "/" + path;
}

bool WriteFile(const std::string& requested_path, const std::string& text) {
  const std::string path = UserPath(requested_path);
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "mixed: cannot write %s\n", path.c_str());
    return false;
  }
  std::fprintf(stderr, "wrote %s\n", path.c_str());
  return true;
}

std::string Describe(const ProcessResult& result) {
  if (!result.error.empty()) return result.error;
  if (result.exit_code == -1) return "killed by signal " + std::to_string(result.term_signal);
  return "exit code " + std::to_string(result.exit_code);
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Compares allocators on the Mixed workload.\n"
      "  bazel run //benchmarks:mixed --config=fast -- [--runs=10] [--cycles=10000000] [--ws=8192] ...");
  absl::ParseCommandLine(argc, argv);

  MixedRunOptions options;
  options.allocators = absl::GetFlag(FLAGS_allocators);
  options.extra = absl::GetFlag(FLAGS_extra);
  options.runs = absl::GetFlag(FLAGS_runs);
  options.cycles = absl::GetFlag(FLAGS_cycles);
  options.ws = absl::GetFlag(FLAGS_ws);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.min_size = absl::GetFlag(FLAGS_min_size);
  options.max_size = absl::GetFlag(FLAGS_max_size);
  options.threads = absl::GetFlag(FLAGS_threads);
  if (const std::string problem = ValidateMixedRunOptions(options); !problem.empty()) {
    std::fprintf(stderr, "mixed: %s\n", problem.c_str());
    return kExitBadFlags;
  }

  std::vector<AllocatorBinary> manifest;
  if (const std::string problem =
          ReadManifest(absl::GetFlag(FLAGS_manifest), FindRunfilesRoot(argv[0]), &manifest);
      !problem.empty()) {
    std::fprintf(stderr, "mixed: %s\n", problem.c_str());
    return kExitFailure;
  }
  std::vector<AllocatorBinary> binaries;
  if (const std::string problem = SelectAllocators(options.allocators, options.extra, manifest, &binaries);
      !problem.empty()) {
    std::fprintf(stderr, "mixed: %s\n", problem.c_str());
    return kExitBadFlags;
  }

  const std::vector<std::string> worker_args = {
      "--cycles=" + std::to_string(options.cycles),     "--ws=" + std::to_string(options.ws),
      "--seed=" + std::to_string(options.seed),         "--min_size=" + std::to_string(options.min_size),
      "--max_size=" + std::to_string(options.max_size), "--threads=" + std::to_string(options.threads),
  };

  MixedReport report;
  report.workload = options;
  // Each binary checks where its malloc comes from; refuse the whole
  // comparison if any of them is wired to the wrong allocator.
  for (const AllocatorBinary& binary : binaries) {
    const ProcessResult check = RunProcess(binary.path, {"--print_allocator"});
    if (check.exit_code != 0) {
      std::fprintf(stderr, "mixed: refusing %s (%s): %s\n", binary.name.c_str(), binary.path.c_str(),
                   Describe(check).c_str());
      return kExitFailure;
    }
    MixedReportRow row;
    row.allocator = binary.name;
    const size_t at = check.output.find("library=");
    row.library = at == std::string::npos ? "?" : check.output.substr(at + 8, check.output.find('\n', at) - at - 8);
    report.rows.push_back(row);
  }

  const int total = static_cast<int>(options.runs) * static_cast<int>(binaries.size());
  int done = 0;
  for (int64_t run = 1; run <= options.runs; ++run) {
    for (size_t i = 0; i < binaries.size(); ++i) {
      const ProcessResult result = RunProcess(binaries[i].path, worker_args);
      const std::optional<WorkerResult> parsed = ParseWorkerOutput(result.output);
      if (result.exit_code != 0 || !parsed || parsed->seconds <= 0) {
        std::fprintf(stderr, "\nmixed: %s failed (%s)\n", binaries[i].name.c_str(), Describe(result).c_str());
        return kExitFailure;
      }
      MixedReportRow& row = report.rows[i];
      const double ops_per_second = static_cast<double>(parsed->operations) / parsed->seconds;
      row.ops_per_second.push_back(ops_per_second);
      row.peak_rss_mib_runs.push_back(static_cast<double>(result.peak_rss_kib) / 1024.0);
      ++done;
      std::fprintf(stderr, "[%3d/%d] run %lld/%lld %-16s %8.2f M ops/s\n", done, total,
                   static_cast<long long>(run), static_cast<long long>(options.runs), binaries[i].name.c_str(),
                   ops_per_second / 1e6);
    }
  }

  if (absl::GetFlag(FLAGS_count_syscalls)) {
    for (size_t i = 0; i < binaries.size(); ++i) {
      std::fprintf(stderr, "counting OS calls: %s (traced, untimed)\n", binaries[i].name.c_str());
      const TracedResult traced = RunTracedCountingSyscalls(binaries[i].path, worker_args);
      const std::optional<WorkerResult> parsed = ParseWorkerOutput(traced.process.output);
      if (traced.process.exit_code != 0 || !parsed || !traced.saw_start_marker || !traced.saw_stop_marker) {
        std::fprintf(stderr, "mixed: could not count OS calls for %s (%s%s); columns show n/a\n",
                     binaries[i].name.c_str(), Describe(traced.process).c_str(),
                     traced.saw_start_marker ? "" : ", no start marker seen");
        continue;
      }
      report.rows[i].syscalls = traced.counted;
      report.rows[i].traced_operations = parsed->operations;
    }
  }

  for (MixedReportRow& row : report.rows) {
    row.throughput = Summarize(row.ops_per_second);
    row.peak_rss_mib = Summarize(row.peak_rss_mib_runs);
  }
  std::printf("%s", FormatTable(report).c_str());
  std::fflush(stdout);

  bool written = true;
  if (const std::string path = absl::GetFlag(FLAGS_csv); !path.empty()) written &= WriteFile(path, FormatCsv(report));
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) written &= WriteFile(path, FormatJson(report));
  if (const std::string path = absl::GetFlag(FLAGS_svg); !path.empty()) written &= WriteFile(path, FormatSvg(report));
  return written ? 0 : kExitFailure;
}

}  // namespace
}  // namespace hakmem::bench

int main(int argc, char** argv) { return hakmem::bench::Main(argc, argv); }
