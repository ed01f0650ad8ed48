#include "benchmarks/stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hakmem::bench {

double Median(std::span<const double> values) {
  if (values.empty()) return 0;
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const size_t middle = sorted.size() / 2;
  if (sorted.size() % 2 == 1) return sorted[middle];
  return (sorted[middle - 1] + sorted[middle]) / 2;
}

Summary Summarize(std::span<const double> values) {
  Summary summary;
  if (values.empty()) return summary;
  summary.count = static_cast<int>(values.size());
  summary.median = Median(values);
  const auto [min, max] = std::minmax_element(values.begin(), values.end());
  summary.min = *min;
  summary.max = *max;
  double sum = 0;
  for (double value : values) sum += value;
  summary.mean = sum / static_cast<double>(values.size());
  if (values.size() > 1) {
    double squares = 0;
    for (double value : values) squares += (value - summary.mean) * (value - summary.mean);
    summary.stddev = std::sqrt(squares / static_cast<double>(values.size() - 1));
  }
  summary.cv = summary.mean != 0 ? summary.stddev / std::fabs(summary.mean) : 0;
  return summary;
}

}  // namespace hakmem::bench
