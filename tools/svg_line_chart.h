// Line charts as standalone SVG, written by hand so plots need nothing beyond
// the standard library: one polyline per series, labelled axes with "nice"
// ticks, a legend.
#ifndef HAKMEM_TOOLS_SVG_LINE_CHART_H_
#define HAKMEM_TOOLS_SVG_LINE_CHART_H_

#include <string>
#include <vector>

#include "benchmarks/text_escape.h"

namespace hakmem::tools {

struct ChartSeries {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;  // same length as x
};

struct ChartSpec {
  std::string title;
  std::string x_label;  // with unit, e.g. "elapsed time (min)"
  std::string y_label;  // with unit, e.g. "RSS (MiB)"
  int width = 900;
  int height = 500;
};

// Ticks at 1, 2 or 5 times a power of ten covering [low, high]; about
// `target_count` of them.
std::vector<double> NiceTicks(double low, double high, int target_count);

// Escapes &, <, >, " and ' for SVG text and attributes.
using ::hakmem::bench::XmlEscape;

// The whole SVG document. The y axis starts at 0 unless data is negative, so
// drift is shown at its true scale.
std::string RenderLineChartSvg(const ChartSpec& spec, const std::vector<ChartSeries>& series);

}  // namespace hakmem::tools

#endif  // HAKMEM_TOOLS_SVG_LINE_CHART_H_
