#include "tools/svg_line_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hakmem::tools {
namespace {

// Colour-blind-friendly palette (Okabe-Ito), cycled.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#F0E442"};

std::string TickLabel(double value, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return absl::StrFormat("%.*f", decimals, value);
}

}  // namespace

std::vector<double> NiceTicks(double low, double high, int target_count) {
  if (!(high > low)) high = low + 1;
  const double raw_step = (high - low) / std::max(1, target_count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * magnitude;
    if (step >= raw_step) break;
  }
  std::vector<double> ticks;
  const double first = std::floor(low / step) * step;
  // Multiplying (not accumulating) keeps rounding error from piling up.
  for (int i = 0;; ++i) {
    const double t = first + i * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
    // Data a hair past a tick (30.0004 s of a 30 s run) does not earn a
    // whole extra step of empty axis.
    if (t >= high - step * 0.01) break;
  }
  return ticks;
}

std::string RenderLineChartSvg(const ChartSpec& spec, const std::vector<ChartSeries>& series) {
  double x_min = std::numeric_limits<double>::infinity();
  double x_max = -x_min;
  double y_min = 0;  // the y axis starts at 0 unless data is negative
  double y_max = -std::numeric_limits<double>::infinity();
  for (const ChartSeries& s : series) {
    for (double x : s.x) x_min = std::min(x_min, x), x_max = std::max(x_max, x);
    for (double y : s.y) y_min = std::min(y_min, y), y_max = std::max(y_max, y);
  }
  if (!std::isfinite(x_min)) x_min = 0, x_max = 1;
  if (!std::isfinite(y_max)) y_max = 1;
  const std::vector<double> x_ticks = NiceTicks(x_min, x_max, 8);
  const std::vector<double> y_ticks = NiceTicks(y_min, y_max, 6);
  const double x_low = std::min(x_min, x_ticks.front());
  const double x_high = std::max(x_max, x_ticks.back());
  const double y_low = std::min(y_min, y_ticks.front());
  const double y_high = std::max(y_max, y_ticks.back());
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;

  const double left = 80, right = 190, top = 40, bottom = 60;
  const double plot_w = spec.width - left - right;
  const double plot_h = spec.height - top - bottom;
  const auto px = [&](double x) { return left + (x - x_low) / (x_high - x_low) * plot_w; };
  const auto py = [&](double y) { return top + plot_h - (y - y_low) / (y_high - y_low) * plot_h; };

  std::string svg = absl::StrFormat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text class=\"title\" x=\"%.1f\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">%s</text>\n",
      spec.width, spec.height, spec.width, spec.height, left + plot_w / 2, XmlEscape(spec.title));
  for (double t : x_ticks) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                          px(t), top, px(t), top + plot_h, px(t), top + plot_h + 18, TickLabel(t, x_step));
  }
  for (double t : y_ticks) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                          left, py(t), left + plot_w, py(t), left - 6, py(t) + 4, TickLabel(t, y_step));
  }
  absl::StrAppendFormat(&svg,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"black\"/>\n"
                        "<text class=\"x-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n"
                        "<text class=\"y-label\" x=\"0\" y=\"0\" text-anchor=\"middle\" "
                        "transform=\"translate(20 %.1f) rotate(-90)\">%s</text>\n",
                        left, top, plot_w, plot_h, left + plot_w / 2, spec.height - 15.0,
                        XmlEscape(spec.x_label), top + plot_h / 2, XmlEscape(spec.y_label));
  for (size_t i = 0; i < series.size(); ++i) {
    const ChartSeries& s = series[i];
    const char* colour = kColours[i % std::size(kColours)];
    std::string points;
    for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
      absl::StrAppendFormat(&points, "%s%.1f,%.1f", k == 0 ? "" : " ", px(s.x[k]), py(s.y[k]));
    }
    absl::StrAppendFormat(&svg,
                          "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                          "points=\"%s\"><title>%s</title></polyline>\n",
                          colour, points, XmlEscape(s.label));
    const double legend_y = top + 10 + 20.0 * static_cast<double>(i);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>"
                          "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                          left + plot_w + 15, legend_y, left + plot_w + 40, legend_y, colour,
                          left + plot_w + 46, legend_y + 4, XmlEscape(s.label));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace hakmem::tools
