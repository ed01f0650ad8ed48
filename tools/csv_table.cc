#include "tools/csv_table.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace hakmem::tools {
namespace {

absl::Status LineError(absl::string_view source, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":", line, ": ", what));
}

// Splits one line into fields, honouring double quotes.
absl::StatusOr<std::vector<std::string>> SplitFields(absl::string_view line,
                                                     absl::string_view source,
                                                     int line_number) {
  std::vector<std::string> fields;
  std::string field;
  bool in_quotes = false;
  bool was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c != '"') {
        field.push_back(c);
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else {
        in_quotes = false;
      }
    } else if (c == '"' && absl::StripAsciiWhitespace(field).empty()) {
      in_quotes = true;
      was_quoted = true;
      field.clear();
    } else if (c == ',') {
      fields.push_back(was_quoted ? field : std::string(absl::StripAsciiWhitespace(field)));
      field.clear();
      was_quoted = false;
    } else {
      field.push_back(c);
    }
  }
  if (in_quotes) return LineError(source, line_number, "unterminated quoted field");
  fields.push_back(was_quoted ? field : std::string(absl::StripAsciiWhitespace(field)));
  return fields;
}

}  // namespace

std::optional<size_t> CsvTable::FindColumn(absl::string_view name_or_position) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name_or_position) return i;
  }
  size_t position = 0;
  if (name_or_position.size() > 1 && name_or_position[0] == '#' &&
      absl::SimpleAtoi(name_or_position.substr(1), &position) && position >= 1 &&
      position <= header.size()) {
    return position - 1;
  }
  return std::nullopt;
}

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, absl::string_view source) {
  CsvTable table;
  table.source = std::string(source);
  int line_number = 0;
  for (absl::string_view raw_line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (!raw_line.empty() && raw_line.back() == '\r') raw_line.remove_suffix(1);
    const absl::string_view stripped = absl::StripAsciiWhitespace(raw_line);
    if (stripped.empty() || stripped[0] == '#') continue;
    absl::StatusOr<std::vector<std::string>> fields = SplitFields(raw_line, source, line_number);
    if (!fields.ok()) return fields.status();
    if (table.header.empty()) {
      std::set<std::string> seen;
      for (size_t i = 0; i < fields->size(); ++i) {
        const std::string& name = (*fields)[i];
        if (name.empty()) {
          return LineError(source, line_number, absl::StrCat("header column ", i + 1, " has no name"));
        }
        if (!seen.insert(name).second) {
          return LineError(source, line_number, absl::StrCat("header names column '", name, "' twice"));
        }
      }
      table.header = *std::move(fields);
      continue;
    }
    if (fields->size() != table.header.size()) {
      return LineError(source, line_number,
                       absl::StrCat("expected ", table.header.size(), " fields (as in the header), found ",
                                    fields->size()));
    }
    table.rows.push_back(*std::move(fields));
    table.row_lines.push_back(line_number);
  }
  if (table.header.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":1: empty CSV (no header line)"));
  }
  if (table.rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", line_number, ": CSV has a header but no data rows"));
  }
  return table;
}

absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return ParseCsv(text, "<stdin>");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return ParseCsv(buffer.str(), path);
}

absl::StatusOr<std::vector<std::optional<double>>> OptionalNumericColumn(
    const CsvTable& table, absl::string_view column) {
  const std::optional<size_t> index = table.FindColumn(column);
  if (!index) {
    return absl::InvalidArgumentError(absl::StrCat(table.source, ": no column '", column,
                                                   "' (columns: ", absl::StrJoin(table.header, ", "),
                                                   ")"));
  }
  std::vector<std::optional<double>> values;
  values.reserve(table.rows.size());
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& cell = table.rows[r][*index];
    if (cell.empty()) {
      values.push_back(std::nullopt);
      continue;
    }
    double value = 0;
    if (!absl::SimpleAtod(cell, &value) || !std::isfinite(value)) {
      return LineError(table.source, table.row_lines[r],
                       absl::StrCat("column '", table.header[*index], "': '", cell,
                                    "' is not a finite number"));
    }
    values.push_back(value);
  }
  return values;
}

absl::StatusOr<std::vector<double>> NumericColumn(const CsvTable& table, absl::string_view column) {
  absl::StatusOr<std::vector<std::optional<double>>> optional_values =
      OptionalNumericColumn(table, column);
  if (!optional_values.ok()) return optional_values.status();
  std::vector<double> values;
  values.reserve(optional_values->size());
  for (size_t r = 0; r < optional_values->size(); ++r) {
    if (!(*optional_values)[r]) {
      const size_t index = *table.FindColumn(column);
      return LineError(table.source, table.row_lines[r],
                       absl::StrCat("column '", table.header[index], "' is empty"));
    }
    values.push_back(*(*optional_values)[r]);
  }
  return values;
}

}  // namespace hakmem::tools
