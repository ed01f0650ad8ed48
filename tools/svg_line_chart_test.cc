#include "tools/svg_line_chart.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hakmem::tools {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

TEST(NiceTicksTest, StepsOfOneTwoOrFive) {
  EXPECT_THAT(NiceTicks(0, 10, 5), ElementsAre(0, 2, 4, 6, 8, 10));
  EXPECT_THAT(NiceTicks(0, 95, 4), ElementsAre(0, 50, 100));
  EXPECT_THAT(NiceTicks(0, 0.3, 3),
              ElementsAre(0, DoubleNear(0.1, 1e-12), DoubleNear(0.2, 1e-12), DoubleNear(0.3, 1e-12)));
  EXPECT_EQ(NiceTicks(5, 5, 4).front(), 5);  // a flat range still gets ticks
}

TEST(XmlEscapeTest, EscapesMarkup) {
  EXPECT_EQ(XmlEscape("a<b & \"c\">'"), "a&lt;b &amp; &quot;c&quot;&gt;&apos;");
}

TEST(RenderLineChartSvgTest, OnePolylinePerSeriesWithLabelledAxes) {
  const std::string svg = RenderLineChartSvg(
      {"RSS <test>", "elapsed time (s)", "RSS (MiB)"},
      {{"hakmem", {0, 1, 2}, {10, 11, 12}}, {"glibc", {0, 1, 2}, {20, 21, 22}}});
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(Count(svg, "<polyline"), 2u);
  EXPECT_THAT(svg, HasSubstr(">elapsed time (s)</text>"));
  EXPECT_THAT(svg, HasSubstr(">RSS (MiB)</text>"));
  EXPECT_THAT(svg, HasSubstr(">RSS &lt;test&gt;</text>"));
  EXPECT_THAT(svg, HasSubstr("class=\"legend\""));
  EXPECT_THAT(svg, HasSubstr(">hakmem</text>"));
  EXPECT_THAT(svg, HasSubstr(">glibc</text>"));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
}

TEST(RenderLineChartSvgTest, PointsMapIntoThePlotArea) {
  // Default 900x500 with margins left 80, right 190, top 40, bottom 60: the
  // plot spans x 80..710 and y 40..440. With x ticks 0..10 and y 0..10 the
  // corners land exactly there.
  const std::string svg =
      RenderLineChartSvg({"t", "x", "y"}, {{"s", {0, 10}, {0, 10}}});
  EXPECT_THAT(svg, HasSubstr("points=\"80.0,440.0 710.0,40.0\""));
}

}  // namespace
}  // namespace hakmem::tools
