#include "benchmarks/text_escape.h"

#include <string>

#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

using namespace std::string_literals;

TEST(XmlEscapeTest, ReplacesTheFiveMarkupCharacters) {
  EXPECT_EQ(XmlEscape("a<b & \"c\">'d'"), "a&lt;b &amp; &quot;c&quot;&gt;&apos;d&apos;");
  EXPECT_EQ(XmlEscape("&amp;"), "&amp;amp;");  // an entity in the input is text too
}

TEST(XmlEscapeTest, LeavesOtherTextAlone) {
  EXPECT_EQ(XmlEscape(""), "");
  EXPECT_EQ(XmlEscape("RSS (MiB), 30 s\ttab\nline \xc2\xb5s"), "RSS (MiB), 30 s\ttab\nline \xc2\xb5s");
}

TEST(JsonQuoteTest, QuotesAndEscapesQuoteAndBackslash) {
  EXPECT_EQ(JsonQuote(""), R"("")");
  EXPECT_EQ(JsonQuote("hakmem"), R"("hakmem")");
  EXPECT_EQ(JsonQuote(R"(dir\soak_"odd".csv)"), R"("dir\\soak_\"odd\".csv")");
}

TEST(JsonQuoteTest, ShortFormsForNewlineCarriageReturnAndTab) {
  EXPECT_EQ(JsonQuote("a\nb\rc\td"), R"("a\nb\rc\td")");
}

TEST(JsonQuoteTest, OtherControlCharactersAsUnicodeEscapes) {
  EXPECT_EQ(JsonQuote("\x01"), R"("\u0001")");
  EXPECT_EQ(JsonQuote("\x1f"), R"("\u001f")");
  EXPECT_EQ(JsonQuote("\b\f"), R"("\u0008\u000c")");
  EXPECT_EQ(JsonQuote("nul:"s + '\0' + "end"), R"("nul:\u0000end")");
}

TEST(JsonQuoteTest, CopiesPrintableAndNonAsciiBytes) {
  EXPECT_EQ(JsonQuote(" ~/<>&'\x7f"), "\" ~/<>&'\x7f\"");
  EXPECT_EQ(JsonQuote("\xc2\xb5s"), "\"\xc2\xb5s\"");  // UTF-8 "µs" unchanged
}

}  // namespace
}  // namespace hakmem::bench
