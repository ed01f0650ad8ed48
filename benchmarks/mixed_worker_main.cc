// One allocator's Mixed-workload binary (generated per allocator by
// allocator_matrix.bzl). Runs the workload once and prints one result line;
// //benchmarks:mixed starts it and does all flag checking and statistics.
//
//   mixed_worker_<allocator> [--cycles=N] [--ws=N] [--seed=N] [--min_size=N]
//                            [--max_size=N] [--threads=N] [--print_allocator]
//
// It refuses to run (exit 3) when its malloc does not come from the library
// it was built for.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "benchmarks/allocator_identity.h"
#include "benchmarks/mixed_workload.h"
#include "benchmarks/syscall_marker.h"
#include "benchmarks/worker_protocol.h"

namespace hakmem::bench {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitWrongAllocator = 3;

bool ParseUnsigned(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  const std::string copy(text);
  char* end = nullptr;
  out = std::strtoull(copy.c_str(), &end, 10);
  return *end == '\0' && copy[0] != '-';
}

int Main(int argc, char** argv) {
  MixedConfig config;
  bool print_allocator = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--print_allocator") {
      print_allocator = true;
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string_view name = arg.substr(0, equals);
    uint64_t value = 0;
    if (equals == std::string_view::npos || !ParseUnsigned(arg.substr(equals + 1), value)) {
      std::fprintf(stderr, "%s: expected --name=<unsigned number>, got '%s'\n", argv[0], argv[i]);
      return kExitUsage;
    }
    if (name == "--cycles") config.cycles = value;
    else if (name == "--ws") config.ws = static_cast<uint32_t>(value);
    else if (name == "--seed") config.seed = static_cast<uint32_t>(value);
    else if (name == "--min_size") config.min_size = value;
    else if (name == "--max_size") config.max_size = value;
    else if (name == "--threads") config.threads = static_cast<int>(value);
    else {
      std::fprintf(stderr, "%s: unknown flag '%s'\n", argv[0], argv[i]);
      return kExitUsage;
    }
  }

  const std::string identity_problem = CheckMallocIdentity();
  if (!identity_problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], identity_problem.c_str());
    return kExitWrongAllocator;
  }
  if (print_allocator) {
    std::printf("allocator=%s library=%s\n", kHakmemBenchAllocatorName, MallocLibraryPath().c_str());
    return 0;
  }
  const std::string config_problem = ValidateMixedConfig(config);
  if (!config_problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], config_problem.c_str());
    return kExitUsage;
  }

  // The markers bracket exactly the timed part, for the OS-call counting pass.
  config.on_warmed_up = [] { EmitSyscallMarker(kMarkerCountingStarts); };
  const MixedResult mixed = RunMixed(config);
  EmitSyscallMarker(kMarkerCountingStops);

  WorkerResult result;
  result.allocator = kHakmemBenchAllocatorName;
  result.library = MallocLibraryPath();
  result.operations = mixed.operations;
  result.seconds = mixed.seconds;
  result.allocations = mixed.allocations;
  std::printf("%s\n", FormatResultLine(result).c_str());
  return 0;
}

}  // namespace
}  // namespace hakmem::bench

int main(int argc, char** argv) { return hakmem::bench::Main(argc, argv); }
