// Summary statistics of repeated benchmark runs.
#ifndef HAKMEM_BENCHMARKS_STATS_H_
#define HAKMEM_BENCHMARKS_STATS_H_

#include <span>

namespace hakmem::bench {

struct Summary {
  int count = 0;
  double median = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for one value
  double cv = 0;      // coefficient of variation: stddev / mean (0 when mean is 0)
  double min = 0;
  double max = 0;
};

// The median of an even count is the mean of the two middle values.
double Median(std::span<const double> values);

// All-zero Summary for no values.
Summary Summarize(std::span<const double> values);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_STATS_H_
