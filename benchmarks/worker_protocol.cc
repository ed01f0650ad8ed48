#include "benchmarks/worker_protocol.h"

#include <cstdio>
#include <cstdlib>
#include <map>

namespace hakmem::bench {

std::string FormatResultLine(const WorkerResult& result) {
  char numbers[160];
  std::snprintf(numbers, sizeof numbers, "operations=%llu seconds=%.9f allocations=%llu",
                static_cast<unsigned long long>(result.operations), result.seconds,
                static_cast<unsigned long long>(result.allocations));
  return std::string(kResultLinePrefix) + " allocator=" + result.allocator +
         " library=" + result.library + " " + numbers;
}

std::optional<WorkerResult> ParseWorkerOutput(std::string_view output) {
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    std::string_view line = output.substr(start, end - start);
    start = end + 1;
    if (!line.starts_with(kResultLinePrefix)) continue;

    std::map<std::string, std::string, std::less<>> fields;
    line.remove_prefix(kResultLinePrefix.size());
    while (!line.empty()) {
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      const size_t space = line.find(' ');
      const std::string_view token = line.substr(0, space);
      line.remove_prefix(space == std::string_view::npos ? line.size() : space);
      const size_t equals = token.find('=');
      if (equals == std::string_view::npos) continue;
      fields[std::string(token.substr(0, equals))] = std::string(token.substr(equals + 1));
    }
    for (const char* required : {"allocator", "library", "operations", "seconds", "allocations"}) {
      if (!fields.contains(required)) return std::nullopt;
    }
    WorkerResult result;
    result.allocator = fields["allocator"];
    result.library = fields["library"];
    char* parse_end = nullptr;
    result.operations = std::strtoull(fields["operations"].c_str(), &parse_end, 10);
    if (*parse_end != '\0') return std::nullopt;
    result.seconds = std::strtod(fields["seconds"].c_str(), &parse_end);
    if (*parse_end != '\0') return std::nullopt;
    result.allocations = std::strtoull(fields["allocations"].c_str(), &parse_end, 10);
    if (*parse_end != '\0') return std::nullopt;
    return result;
  }
  return std::nullopt;
}

}  // namespace hakmem::bench
