// GoogleTest and GoogleMock from Debian link and run.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

TEST(GoogleTestTest, MatchersWork) {
  std::vector<int> v = {1, 2, 3};
  EXPECT_THAT(v, ::testing::ElementsAre(1, 2, 3));
  EXPECT_THAT(v, ::testing::Contains(2));
}

}  // namespace
