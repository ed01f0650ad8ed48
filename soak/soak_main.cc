// One allocator's soak binary, generated per allocator as //soak:mixed_<name>
// by the benchmark matrix (benchmarks/allocator_matrix.bzl). Runs the Mixed
// workload for --duration and writes one CSV row per --epoch (columns in
// tools/soak_csv_columns.h), a live progress line on stderr and, at the end,
// a summary from tools/soak_analysis. Ctrl-C (or SIGTERM) ends the run early
// with the CSV complete and the summary printed.
//
//   mixed_glibc --duration=60m --epoch=1s --threads=1 --csv=soak_glibc.csv
//
// Run plainly it is the throughput variant (the OS-call columns stay empty);
// under //soak:trace_syscalls it is the syscall variant (the tracer counts
// every thread's memory OS calls and the binary asks for them at each epoch).
// Like the benchmark workers it refuses to run (exit 3) when its malloc does
// not come from the library it was built for.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "benchmarks/allocator_identity.h"
#include "benchmarks/mixed_workload.h"
#include "soak/soak_loop.h"
#include "tools/csv_table.h"
#include "tools/soak_analysis.h"
#include "tools/soak_csv_columns.h"

ABSL_FLAG(absl::Duration, duration, absl::Seconds(30), "how long to run (e.g. 30s, 60m)");
ABSL_FLAG(absl::Duration, epoch, absl::Seconds(1), "length of one CSV row's epoch");
ABSL_FLAG(int, threads, 1, "worker threads; with more than 1, freed blocks are handed between threads");
ABSL_FLAG(uint32_t, ws, hakmem::bench::kDefaultWorkingSet, "working-set slots (per thread)");
ABSL_FLAG(uint32_t, seed, hakmem::bench::kDefaultSeed, "xorshift32 seed (non-zero)");
ABSL_FLAG(size_t, min_size, hakmem::bench::kDefaultMinSize, "smallest block size");
ABSL_FLAG(size_t, max_size, hakmem::bench::kDefaultMaxSize, "largest block size (inclusive)");
ABSL_FLAG(std::string, csv, "",
          "CSV output path (default soak_<allocator>.csv; relative paths are taken from the "
          "directory `bazel run` was started in)");
ABSL_FLAG(bool, progress, true, "live progress line on stderr");
ABSL_FLAG(bool, summary, true, "print the analysis of the run at the end");
ABSL_FLAG(bool, print_allocator, false, "print the allocator and the library malloc comes from, then exit");

namespace {

constexpr int kExitWrongAllocator = 3;

std::atomic<bool> g_stop_requested{false};

extern "C" void RequestStop(int) { g_stop_requested.store(true, std::memory_order_relaxed); }

std::string ResolveOutputPath(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* invoked_from = std::getenv("BUILD_WORKING_DIRECTORY");
  return invoked_from != nullptr ? absl::StrCat(invoked_from, "/", path) : path;
}

// One CSV cell of optional counts: the field, or empty when not counted.
template <typename Counts>
std::string Cell(const std::optional<Counts>& counts, uint64_t Counts::*field) {
  return counts ? absl::StrCat((*counts).*field) : "";
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      absl::StrCat("Soak run of the Mixed workload with ", kHakmemBenchAllocatorName,
                   ".\nusage: ", argv[0], " [--duration=30s] [--epoch=1s] [--threads=1] [--csv=PATH]"));
  absl::ParseCommandLine(argc, argv);

  const std::string identity_problem = hakmem::bench::CheckMallocIdentity();
  if (!identity_problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], identity_problem.c_str());
    return kExitWrongAllocator;
  }
  if (absl::GetFlag(FLAGS_print_allocator)) {
    std::printf("allocator=%s library=%s\n", kHakmemBenchAllocatorName,
                hakmem::bench::MallocLibraryPath().c_str());
    return 0;
  }

  hakmem::soak::SoakSettings settings;
  settings.duration = absl::GetFlag(FLAGS_duration);
  settings.epoch = absl::GetFlag(FLAGS_epoch);
  settings.workload.threads = absl::GetFlag(FLAGS_threads);
  settings.workload.ws = absl::GetFlag(FLAGS_ws);
  settings.workload.seed = absl::GetFlag(FLAGS_seed);
  settings.workload.min_size = absl::GetFlag(FLAGS_min_size);
  settings.workload.max_size = absl::GetFlag(FLAGS_max_size);
  settings.stop_requested = &g_stop_requested;
  if (settings.duration <= absl::ZeroDuration() || settings.epoch <= absl::ZeroDuration()) {
    std::fprintf(stderr, "%s: --duration and --epoch must be positive\n", argv[0]);
    return 2;
  }
  const std::string problem = hakmem::bench::ValidateMixedConfig(settings.workload);
  if (!problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], problem.c_str());
    return 2;
  }

  std::string csv_path = absl::GetFlag(FLAGS_csv);
  if (csv_path.empty()) csv_path = absl::StrCat("soak_", kHakmemBenchAllocatorName, ".csv");
  csv_path = ResolveOutputPath(csv_path);
  FILE* csv = std::fopen(csv_path.c_str(), "w");
  if (csv == nullptr) {
    std::fprintf(stderr, "%s: cannot write %s: %s\n", argv[0], csv_path.c_str(), std::strerror(errno));
    return 2;
  }
  std::fprintf(csv, "%s\n", hakmem::tools::soak_columns::kHeader);
  std::fflush(csv);

  struct sigaction action = {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  // Asked once here so the start line can say which variant this is.
  const bool traced = hakmem::soak::ReadTracedOsCallCounts().has_value();
  std::fprintf(stderr, "soak: allocator=%s variant=%s threads=%d ws=%u sizes=%zu..%zu duration=%s epoch=%s csv=%s\n",
               kHakmemBenchAllocatorName, traced ? "syscall(traced)" : "throughput(untraced)",
               settings.workload.threads, settings.workload.ws,
               settings.workload.min_size, settings.workload.max_size,
               absl::FormatDuration(settings.duration).c_str(), absl::FormatDuration(settings.epoch).c_str(),
               csv_path.c_str());

  const bool progress = absl::GetFlag(FLAGS_progress);
  // On a terminal the line is redrawn in place; in a log, one line every 10 epochs.
  const bool redraw = isatty(STDERR_FILENO) != 0;
  bool write_failed = false;
  const hakmem::soak::SoakOutcome outcome = hakmem::soak::RunSoak(settings, [&](const hakmem::soak::EpochRow& row) {
    using hakmem::soak::OsCallCounts;
    using hakmem::soak::TracedOsCallCounts;
    // Every row is flushed at once, so even a killed run leaves whole rows.
    const double unix_time = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
    if (std::fprintf(csv, "%llu,%.6f,%.6f,%llu,%llu,%.1f,%llu,%s,%s,%s,%s,%s,%s,%s,%s,%.3f\n",
                     static_cast<unsigned long long>(row.epoch), row.elapsed_s, row.epoch_s,
                     static_cast<unsigned long long>(row.epoch_ops), static_cast<unsigned long long>(row.total_ops),
                     row.ops_per_s, static_cast<unsigned long long>(row.rss_bytes),
                     Cell(row.os_calls, &TracedOsCallCounts::mmap).c_str(),
                     Cell(row.os_calls, &TracedOsCallCounts::munmap).c_str(),
                     Cell(row.os_calls, &TracedOsCallCounts::madvise).c_str(),
                     Cell(row.os_calls, &TracedOsCallCounts::mremap).c_str(),
                     Cell(row.os_calls, &TracedOsCallCounts::brk).c_str(),
                     Cell(row.allocator_os_calls, &OsCallCounts::mmap).c_str(),
                     Cell(row.allocator_os_calls, &OsCallCounts::munmap).c_str(),
                     Cell(row.allocator_os_calls, &OsCallCounts::madvise).c_str(), unix_time) < 0 ||
        std::fflush(csv) != 0) {
      write_failed = true;
    }
    if (progress && (redraw || row.epoch % 10 == 0)) {
      std::fprintf(stderr, "%s[%s] %7.1f s  epoch %llu  %8.3f Mops/s  RSS %8.2f MiB%s", redraw ? "\r" : "",
                   kHakmemBenchAllocatorName, row.elapsed_s, static_cast<unsigned long long>(row.epoch),
                   row.ops_per_s / 1e6, static_cast<double>(row.rss_bytes) / (1024.0 * 1024.0),
                   redraw ? "   " : "\n");
    }
  });
  if (progress && redraw) std::fprintf(stderr, "\n");
  if (std::fclose(csv) != 0 || write_failed) {
    std::fprintf(stderr, "%s: writing %s failed: %s\n", argv[0], csv_path.c_str(), std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "soak: %s after %.1f s: %llu epochs, %llu operations, CSV %s\n",
               outcome.stopped_early ? "stopped" : "done", outcome.elapsed_s,
               static_cast<unsigned long long>(outcome.epochs),
               static_cast<unsigned long long>(outcome.total_ops), csv_path.c_str());

  if (absl::GetFlag(FLAGS_summary)) {
    // The same analysis soak_analyze does, from the CSV just written, so the
    // summary and the file cannot disagree. Informational: gate with soak_analyze.
    auto table = hakmem::tools::ReadCsvFile(csv_path);
    absl::StatusOr<hakmem::tools::SoakReport> report =
        table.ok() ? hakmem::tools::AnalyzeSoak(*table, hakmem::tools::SoakOptions{}) : table.status();
    if (!report.ok()) {
      std::printf("summary: %s\n", std::string(report.status().message()).c_str());
    } else {
      const hakmem::tools::Verdict verdict = hakmem::tools::Judge(
          *report, hakmem::tools::Thresholds{},
          {hakmem::tools::Gate::kRssDrift, hakmem::tools::Gate::kOpsDrift, hakmem::tools::Gate::kCv});
      std::printf("== soak %s (%s)\n%s%s\n", kHakmemBenchAllocatorName, csv_path.c_str(),
                  hakmem::tools::FormatReport(*report).c_str(), hakmem::tools::VerdictLine(verdict).c_str());
    }
  }
  return 0;
}
