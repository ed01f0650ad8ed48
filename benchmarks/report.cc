#include "benchmarks/report.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "benchmarks/text_escape.h"

namespace hakmem::bench {
namespace {

std::string Printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Printf(const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

// "85.31M" style for throughput in the text table.
std::string Millions(double value) { return Printf("%.2fM", value / 1e6); }

std::string PerOpText(double value) { return value == 0 ? "0" : Printf("%.2e", value); }

std::string RatioText(std::optional<double> ratio) { return ratio ? Printf("%.2f", *ratio) : "-"; }

struct SyscallColumn {
  const char* name;
  uint64_t MemorySyscalls::*calls;
};
constexpr SyscallColumn kSyscallColumns[] = {
    {"mmap", &MemorySyscalls::mmap},       {"munmap", &MemorySyscalls::munmap},
    {"madvise", &MemorySyscalls::madvise}, {"mremap", &MemorySyscalls::mremap},
    {"brk", &MemorySyscalls::brk},
};

std::string WorkloadText(const MixedRunOptions& w) {
  return Printf("cycles=%lld ws=%lld seed=%lld size=[%lld,%lld] threads=%lld runs=%lld",
                static_cast<long long>(w.cycles), static_cast<long long>(w.ws),
                static_cast<long long>(w.seed), static_cast<long long>(w.min_size),
                static_cast<long long>(w.max_size), static_cast<long long>(w.threads),
                static_cast<long long>(w.runs));
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return Printf("%.17g", value);
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A round axis step (1, 2 or 5 times a power of ten) giving about `ticks` ticks.
double NiceStep(double top, int ticks) {
  const double raw = top / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= factor * magnitude) return factor * magnitude;
  }
  return 10 * magnitude;
}

}  // namespace

std::optional<double> RatioTo(const MixedReport& report, const MixedReportRow& row,
                              std::string_view baseline) {
  for (const MixedReportRow& other : report.rows) {
    if (other.allocator == baseline && other.throughput.median > 0) {
      return row.throughput.median / other.throughput.median;
    }
  }
  return std::nullopt;
}

double PerOperation(const MixedReportRow& row, uint64_t calls) {
  return row.traced_operations == 0 ? 0 : static_cast<double>(calls) / static_cast<double>(row.traced_operations);
}

std::string FormatTable(const MixedReport& report) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header = {"allocator", "median ops/s", "CV %",  "min ops/s", "max ops/s",
                                     "x mimalloc", "x glibc",     "peak RSS MiB",
                                     "max RSS MiB"};
  for (const SyscallColumn& column : kSyscallColumns) header.push_back(std::string(column.name) + "/op");
  cells.push_back(header);
  for (const MixedReportRow& row : report.rows) {
    std::vector<std::string> line = {
        row.allocator,
        Millions(row.throughput.median),
        Printf("%.1f", row.throughput.cv * 100),
        Millions(row.throughput.min),
        Millions(row.throughput.max),
        RatioText(RatioTo(report, row, "mimalloc")),
        RatioText(RatioTo(report, row, "glibc")),
        Printf("%.1f", row.peak_rss_mib.median),
        Printf("%.1f", row.peak_rss_mib.max),
    };
    for (const SyscallColumn& column : kSyscallColumns) {
      line.push_back(row.syscalls ? PerOpText(PerOperation(row, (*row.syscalls).*column.calls)) : "n/a");
    }
    cells.push_back(line);
  }

  std::vector<size_t> widths(header.size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::string out = "Mixed workload: " + WorkloadText(report.workload) + "\n";
  for (const auto& line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      const std::string padding(widths[i] - line[i].size(), ' ');
      // Names left-aligned, numbers right-aligned.
      text += (i == 0 ? line[i] + padding : padding + line[i]);
      if (i + 1 < line.size()) text += "  ";
    }
    out += text + "\n";
  }
  out += "OS calls per operation: main loop and final frees only, counted in a separate traced run.\n";
  for (const MixedReportRow& row : report.rows) {
    out += "  " + row.allocator + ": malloc from " + row.library + "\n";
  }
  return out;
}

std::string FormatCsv(const MixedReport& report) {
  std::string out =
      "allocator,library,runs,median_ops_per_s,cv_percent,min_ops_per_s,max_ops_per_s,"
      "vs_mimalloc,vs_glibc,peak_rss_mib,max_peak_rss_mib";
  for (const SyscallColumn& column : kSyscallColumns) out += std::string(",") + column.name + "_per_op";
  out += "\n";
  for (const MixedReportRow& row : report.rows) {
    const auto ratio = [](std::optional<double> value) { return value ? Printf("%.6f", *value) : ""; };
    out += CsvField(row.allocator) + "," + CsvField(row.library) + "," +
           Printf("%d,%.1f,%.4f,%.1f,%.1f,", row.throughput.count, row.throughput.median,
                  row.throughput.cv * 100, row.throughput.min, row.throughput.max) +
           ratio(RatioTo(report, row, "mimalloc")) + "," + ratio(RatioTo(report, row, "glibc")) + "," +
           Printf("%.2f,%.2f", row.peak_rss_mib.median, row.peak_rss_mib.max);
    for (const SyscallColumn& column : kSyscallColumns) {
      out += "," + (row.syscalls ? Printf("%.9g", PerOperation(row, (*row.syscalls).*column.calls)) : "");
    }
    out += "\n";
  }
  return out;
}

std::string FormatJson(const MixedReport& report) {
  const MixedRunOptions& w = report.workload;
  std::string out = "{\n  \"workload\": {\"name\": \"mixed\", ";
  out += Printf("\"cycles\": %lld, \"ws\": %lld, \"seed\": %lld, \"min_size\": %lld, \"max_size\": %lld, "
                "\"threads\": %lld, \"runs\": %lld},\n",
                static_cast<long long>(w.cycles), static_cast<long long>(w.ws), static_cast<long long>(w.seed),
                static_cast<long long>(w.min_size), static_cast<long long>(w.max_size),
                static_cast<long long>(w.threads), static_cast<long long>(w.runs));
  out += "  \"allocators\": [";
  for (size_t i = 0; i < report.rows.size(); ++i) {
    const MixedReportRow& row = report.rows[i];
    const auto ratio = [](std::optional<double> value) { return value ? JsonNumber(*value) : "null"; };
    out += (i == 0 ? "\n" : ",\n");
    out += "    {\"name\": " + JsonQuote(row.allocator) + ", \"library\": " + JsonQuote(row.library) +
           ", \"median_ops_per_s\": " + JsonNumber(row.throughput.median) +
           ", \"cv\": " + JsonNumber(row.throughput.cv) + ", \"min_ops_per_s\": " + JsonNumber(row.throughput.min) +
           ", \"max_ops_per_s\": " + JsonNumber(row.throughput.max) +
           ", \"vs_mimalloc\": " + ratio(RatioTo(report, row, "mimalloc")) +
           ", \"vs_glibc\": " + ratio(RatioTo(report, row, "glibc")) +
           ", \"peak_rss_mib\": " + JsonNumber(row.peak_rss_mib.median) +
           ", \"max_peak_rss_mib\": " + JsonNumber(row.peak_rss_mib.max) + ", \"syscalls_per_op\": ";
    if (row.syscalls) {
      out += "{";
      bool first = true;
      for (const SyscallColumn& column : kSyscallColumns) {
        out += std::string(first ? "" : ", ") + "\"" + column.name +
               "\": " + JsonNumber(PerOperation(row, (*row.syscalls).*column.calls));
        first = false;
      }
      out += "}";
    } else {
      out += "null";
    }
    out += ", \"ops_per_s_runs\": [";
    for (size_t run = 0; run < row.ops_per_second.size(); ++run) {
      out += (run == 0 ? "" : ", ") + JsonNumber(row.ops_per_second[run]);
    }
    out += "]}";
  }
  out += "\n  ]\n}\n";
  return out;
}

std::string FormatSvg(const MixedReport& report) {
  constexpr double kWidth = 760, kHeight = 440;
  constexpr double kLeft = 90, kRight = 20, kTop = 50, kBottom = 70;
  const double plot_width = kWidth - kLeft - kRight;
  const double plot_height = kHeight - kTop - kBottom;

  double top = 0;
  for (const MixedReportRow& row : report.rows) top = std::max(top, row.throughput.max / 1e6);
  if (top <= 0) top = 1;
  const double step = NiceStep(top, 5);
  const double axis_top = std::ceil(top / step) * step;
  const auto y_of = [&](double millions) { return kTop + plot_height * (1 - millions / axis_top); };

  std::string svg = Printf(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, kWidth, kHeight);
  svg += Printf("<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", kWidth, kHeight);
  svg += Printf("<text x=\"%.1f\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n", kWidth / 2,
                XmlEscape("Mixed workload, median of runs (whiskers: min to max)").c_str());
  svg += Printf("<text x=\"%.1f\" y=\"38\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n", kWidth / 2,
                XmlEscape(WorkloadText(report.workload)).c_str());

  // Y axis with ticks and grid lines.
  for (double tick = 0; tick <= axis_top + step / 2; tick += step) {
    const double y = y_of(tick);
    svg += Printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", kLeft, y,
                  kLeft + plot_width, y);
    svg += Printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", kLeft - 6, y + 4, tick);
  }
  svg += Printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", kLeft, kTop, kLeft,
                kTop + plot_height);
  svg += Printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", kLeft,
                kTop + plot_height, kLeft + plot_width, kTop + plot_height);
  svg += Printf("<text transform=\"translate(24 %.1f) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
                kTop + plot_height / 2, "throughput (million operations per second)");
  svg += Printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">allocator</text>\n", kLeft + plot_width / 2,
                kHeight - 14);

  const size_t count = std::max<size_t>(report.rows.size(), 1);
  const double slot = plot_width / static_cast<double>(count);
  const double bar = std::min(slot * 0.6, 90.0);
  for (size_t i = 0; i < report.rows.size(); ++i) {
    const MixedReportRow& row = report.rows[i];
    const double center = kLeft + slot * (static_cast<double>(i) + 0.5);
    const double median = row.throughput.median / 1e6;
    const double y = y_of(median);
    svg += Printf("<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4e79a7\">"
                  "<title>%s: median %.2f M ops/s</title></rect>\n",
                  center - bar / 2, y, bar, kTop + plot_height - y, XmlEscape(row.allocator).c_str(), median);
    const double y_min = y_of(row.throughput.min / 1e6), y_max = y_of(row.throughput.max / 1e6);
    svg += Printf("<g class=\"whisker\" stroke=\"black\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
                  center, y_min, center, y_max, center - 8, y_min, center + 8, y_min, center - 8, y_max, center + 8,
                  y_max);
    svg += Printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1f</text>\n", center + bar / 2 + 14,
                  y - 4, median);
    svg += Printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", center,
                  kTop + plot_height + 18, XmlEscape(row.allocator).c_str());
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace hakmem::bench
