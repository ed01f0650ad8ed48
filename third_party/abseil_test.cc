// abseil's flags, strings, time and status from Debian link and work.
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, answer, 7, "a test flag");

namespace {

TEST(AbseilTest, FlagsParse) {
  char arg0[] = "abseil_test";
  char arg1[] = "--answer=42";
  char* argv[] = {arg0, arg1};
  absl::ParseCommandLine(2, argv);
  EXPECT_EQ(absl::GetFlag(FLAGS_answer), 42);
}

TEST(AbseilTest, Strings) {
  std::vector<std::string> parts = absl::StrSplit("a,b,c", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(absl::StrCat(parts[0], parts[2], 5), "ac5");
  int n = 0;
  EXPECT_TRUE(absl::SimpleAtoi("123", &n));
  EXPECT_EQ(n, 123);
}

TEST(AbseilTest, TimeAndStatus) {
  absl::Duration d;
  ASSERT_TRUE(absl::ParseDuration("1m30s", &d));
  EXPECT_EQ(absl::ToInt64Seconds(d), 90);
  EXPECT_GT(absl::Now(), absl::UnixEpoch());
  absl::StatusOr<int> bad = absl::InvalidArgumentError("nope");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
