// The one-line result a benchmark worker prints and the runner reads:
//   hakmem-bench-result allocator=NAME library=PATH operations=N seconds=S allocations=N
#ifndef HAKMEM_BENCHMARKS_WORKER_PROTOCOL_H_
#define HAKMEM_BENCHMARKS_WORKER_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hakmem::bench {

inline constexpr std::string_view kResultLinePrefix = "hakmem-bench-result";

struct WorkerResult {
  std::string allocator;
  std::string library;  // where malloc came from
  uint64_t operations = 0;
  double seconds = 0;
  uint64_t allocations = 0;
};

std::string FormatResultLine(const WorkerResult& result);

// Finds and parses the result line in a worker's whole stdout.
std::optional<WorkerResult> ParseWorkerOutput(std::string_view output);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_WORKER_PROTOCOL_H_
