// A process that ends with allocations live, or with threads still inside the
// allocator, exits cleanly with status 0.
#include <stdlib.h>

#include <string>

#include "allocator/tests/subprocess.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

class ExitWithLiveBlocksTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ExitWithLiveBlocksTest, ExitsWithStatusZero) {
  // The blocks are left live on purpose; LeakSanitizer (asan builds) would
  // turn that into a non-zero exit.
  setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
  const ProgramResult r = RunProgram({RunfilePath(HAKMEM_TEST_HELPER), GetParam()});
  EXPECT_TRUE(r.ExitedWith(0)) << HAKMEM_TEST_HELPER << " " << GetParam() << ": " << r.Describe();
}

INSTANTIATE_TEST_SUITE_P(Modes, ExitWithLiveBlocksTest,
                         ::testing::Values("return", "exit", "atexit", "threads_running",
                                           "exited_thread_left_blocks"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace hakmem_test
