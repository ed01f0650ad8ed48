// Turning Google Benchmark JSON from each allocator's microbenchmark binary
// into one side-by-side table.
#ifndef HAKMEM_BENCHMARKS_MICRO_TABLE_H_
#define HAKMEM_BENCHMARKS_MICRO_TABLE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hakmem::bench {

// Benchmark name -> nanoseconds per iteration (median over every sample read
// so far), and the names in the order the binary first reported them.
struct MicroResults {
  std::vector<std::string> order;
  std::map<std::string, std::vector<double>> samples;
  std::map<std::string, double> nanoseconds;
};

// Reads --benchmark_format=json output and adds its samples to `results`
// (called once per round, so that rounds of interleaved runs pool). Returns a
// one-line reason on failure.
std::string ReadBenchmarkJson(std::string_view json, MicroResults* results);

struct MicroColumn {
  std::string allocator;
  MicroResults results;
};

// One row per benchmark: time per iteration for each allocator, then each
// allocator's speed relative to `baseline` (baseline time / its time, so
// above 1 is faster); without the baseline, relative to the first column.
std::string FormatMicroTable(const std::vector<MicroColumn>& columns, std::string_view baseline);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_MICRO_TABLE_H_
