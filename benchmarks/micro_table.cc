#include "benchmarks/micro_table.h"

#include <algorithm>
#include <cstdio>

#include "benchmarks/json_lite.h"
#include "benchmarks/stats.h"

namespace hakmem::bench {
namespace {

double NanosecondsPer(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0;
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

std::string ReadBenchmarkJson(std::string_view json, MicroResults* results) {
  std::string error;
  const std::optional<JsonValue> document = ParseJson(json, &error);
  if (!document) return "benchmark output is not JSON: " + error;
  const JsonValue* benchmarks = document->Find("benchmarks");
  if (benchmarks == nullptr || benchmarks->kind != JsonValue::Kind::kArray) {
    return "benchmark output has no \"benchmarks\" array";
  }
  std::map<std::string, std::vector<double>>& samples = results->samples;
  for (const JsonValue& entry : benchmarks->items) {
    const JsonValue* run_type = entry.Find("run_type");
    if (run_type != nullptr && run_type->text != "iteration") continue;  // skip aggregates
    const JsonValue* name = entry.Find("run_name");
    if (name == nullptr) name = entry.Find("name");
    const JsonValue* time = entry.Find("real_time");
    const JsonValue* unit = entry.Find("time_unit");
    if (name == nullptr || time == nullptr || unit == nullptr) return "benchmark entry lacks name/real_time/time_unit";
    const double scale = NanosecondsPer(unit->text);
    if (scale == 0) return "unknown time unit '" + unit->text + "'";
    if (!samples.contains(name->text)) results->order.push_back(name->text);
    samples[name->text].push_back(time->number * scale);
  }
  for (const auto& [name, values] : samples) results->nanoseconds[name] = Median(values);
  return "";
}

std::string FormatMicroTable(const std::vector<MicroColumn>& columns, std::string_view baseline) {
  if (columns.empty()) return "";
  size_t base = 0;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].allocator == baseline) base = i;
  }
  // Every benchmark any allocator ran, in first-seen order.
  std::vector<std::string> names;
  for (const MicroColumn& column : columns) {
    for (const std::string& name : column.results.order) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }

  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header = {"benchmark"};
  for (const MicroColumn& column : columns) header.push_back(column.allocator + " ns");
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i != base) header.push_back(columns[i].allocator + " x" + columns[base].allocator);
  }
  cells.push_back(header);
  for (const std::string& name : names) {
    std::vector<std::string> line = {name};
    const auto time_of = [&](const MicroColumn& column) -> double {
      const auto it = column.results.nanoseconds.find(name);
      return it == column.results.nanoseconds.end() ? -1 : it->second;
    };
    for (const MicroColumn& column : columns) {
      const double ns = time_of(column);
      line.push_back(ns < 0 ? "-" : Fixed(ns, ns < 100 ? 2 : 0));
    }
    const double base_ns = time_of(columns[base]);
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i == base) continue;
      const double ns = time_of(columns[i]);
      line.push_back(ns <= 0 || base_ns <= 0 ? "-" : Fixed(base_ns / ns, 2));
    }
    cells.push_back(line);
  }

  std::vector<size_t> widths(header.size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::string out;
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) {
      const std::string padding(widths[i] - line[i].size(), ' ');
      out += (i == 0 ? line[i] + padding : padding + line[i]);
      out += (i + 1 < line.size() ? "  " : "\n");
    }
  }
  out += "ns: real time per iteration (median over repetitions); x" + columns[base].allocator + ": " +
         columns[base].allocator + "'s time / this allocator's time (above 1 = faster).\n";
  return out;
}

}  // namespace hakmem::bench
