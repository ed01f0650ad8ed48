#include "tools/csv_table.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hakmem::tools {
namespace {

using ::testing::HasSubstr;

TEST(CsvTableTest, ParsesHeaderRowsAndLineNumbers) {
  auto table = ParseCsv("# a comment\na,b\n1,2\n\n3, 4 \r\n", "t.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[1][1], "4");
  EXPECT_EQ(table->row_lines, (std::vector<int>{3, 5}));
}

TEST(CsvTableTest, QuotedFieldsKeepCommasAndQuotes) {
  auto table = ParseCsv("name,v\n\"a,\"\"b\"\"\",1\n", "q.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->rows[0][0], "a,\"b\"");
}

TEST(CsvTableTest, EmptyInputIsAnError) {
  auto table = ParseCsv("", "empty.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(std::string(table.status().message()), HasSubstr("empty.csv:1: empty CSV"));
}

TEST(CsvTableTest, HeaderWithoutRowsIsAnError) {
  auto table = ParseCsv("a,b\n", "h.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(std::string(table.status().message()), HasSubstr("no data rows"));
}

TEST(CsvTableTest, WrongWidthNamesTheLine) {
  auto table = ParseCsv("a,b\n1,2\n1,2,3\n", "w.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(std::string(table.status().message()),
              HasSubstr("w.csv:3: expected 2 fields (as in the header), found 3"));
}

TEST(CsvTableTest, UnterminatedQuoteNamesTheLine) {
  auto table = ParseCsv("a\n\"x\n", "u.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(std::string(table.status().message()), HasSubstr("u.csv:2: unterminated"));
}

TEST(CsvTableTest, DuplicateHeaderIsAnError) {
  auto table = ParseCsv("a,a\n1,2\n", "d.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(std::string(table.status().message()), HasSubstr("d.csv:1: header names column 'a' twice"));
}

TEST(CsvTableTest, NumericColumnByNameOrPosition) {
  auto table = ParseCsv("a,b\n1,2.5\n3,-4e1\n", "n.csv");
  ASSERT_TRUE(table.ok());
  auto by_name = NumericColumn(*table, "b");
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  EXPECT_EQ(*by_name, (std::vector<double>{2.5, -40}));
  auto by_position = NumericColumn(*table, "#1");
  ASSERT_TRUE(by_position.ok());
  EXPECT_EQ(*by_position, (std::vector<double>{1, 3}));
  EXPECT_FALSE(NumericColumn(*table, "#3").ok());
  EXPECT_FALSE(NumericColumn(*table, "c").ok());
}

TEST(CsvTableTest, NonNumberNamesLineAndColumn) {
  auto table = ParseCsv("a,b\n1,2\n3,x\n", "bad.csv");
  ASSERT_TRUE(table.ok());
  auto column = NumericColumn(*table, "b");
  ASSERT_FALSE(column.ok());
  EXPECT_THAT(std::string(column.status().message()),
              HasSubstr("bad.csv:3: column 'b': 'x' is not a finite number"));
}

TEST(CsvTableTest, EmptyCellsAreOnlyAllowedWhenOptional) {
  auto table = ParseCsv("a,b\n1,\n2,5\n", "e.csv");
  ASSERT_TRUE(table.ok());
  auto optional = OptionalNumericColumn(*table, "b");
  ASSERT_TRUE(optional.ok());
  EXPECT_FALSE((*optional)[0].has_value());
  EXPECT_EQ((*optional)[1], 5.0);
  auto required = NumericColumn(*table, "b");
  ASSERT_FALSE(required.ok());
  EXPECT_THAT(std::string(required.status().message()), HasSubstr("e.csv:2: column 'b' is empty"));
}

TEST(CsvTableTest, MissingFileIsNotFound) {
  auto table = ReadCsvFile("/nonexistent/soak.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hakmem::tools
