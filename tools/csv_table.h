// A small CSV reader for the analysis tools: a header line, then rows of the
// same width. Errors name the source and the 1-based line, so a broken soak
// file can be found and fixed by hand.
#ifndef HAKMEM_TOOLS_CSV_TABLE_H_
#define HAKMEM_TOOLS_CSV_TABLE_H_

#include <cstddef>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace hakmem::tools {

struct CsvTable {
  std::string source;  // file name (or other label) used in messages
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  // 1-based source line of each row

  // Column by header name, or by 1-based position written as "#3".
  std::optional<size_t> FindColumn(absl::string_view name_or_position) const;
};

// Parses `text`. Blank lines and lines starting with '#' are skipped; fields
// may be double-quoted (RFC 4180, "" for a quote, no newlines inside). Fails
// on empty input, a header without rows, duplicate or empty column names, a
// row of the wrong width or an unterminated quote.
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, absl::string_view source);

// Reads and parses a file; "-" reads standard input.
absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path);

// Every cell of a column as a number. Fails naming the line of the first cell
// that is empty or not a finite number.
absl::StatusOr<std::vector<double>> NumericColumn(const CsvTable& table,
                                                  absl::string_view column);

// Like NumericColumn, but empty cells are allowed and become nullopt (soak
// files leave the OS-call columns empty when the allocator has no counters).
absl::StatusOr<std::vector<std::optional<double>>> OptionalNumericColumn(
    const CsvTable& table, absl::string_view column);

}  // namespace hakmem::tools

#endif  // HAKMEM_TOOLS_CSV_TABLE_H_
