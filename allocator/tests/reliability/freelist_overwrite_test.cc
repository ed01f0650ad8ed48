// A freed block's first word is the free-list link. A use-after-free that
// overwrites it with an address outside the heap must not make malloc hand
// that address out: either the corruption is detected (hakmem aborts with a
// diagnostic) or the returned blocks are hakmem's own.
//
// EXPECTED TO FAIL until free-list links are protected (see
// docs/RELIABILITY.md): tagged "manual" in BUILD.bazel, so //... skips it.
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "allocator/hakmem.h"
#include "allocator/tests/reliability/entry_points.h"
#include "gtest/gtest.h"
#include "profiles/tests/child_process.h"

namespace hakmem_reliability {
namespace {

alignas(64) char g_target[256];

int ChildOverwriteThenAllocate() {
  void* keep = Malloc(48);  // the span stays live whatever happens below
  void* p = Malloc(48);
  void* q = Malloc(48);
  Free(q);
  Free(p);  // the bin is now p -> q
  void* forged = g_target + 16;
  std::memcpy(p, &forged, sizeof forged);  // the use-after-free
  void* first = Malloc(48);
  void* second = Malloc(48);
  std::printf("first_is_p=%d\nsecond_is_forged=%d\n", first == p, second == forged);
  std::fflush(stdout);
  (void)keep;
  return 0;
}

TEST(FreeListOverwrite, ForgedLinkIsNotHandedOut) {
  hakmem_test::ChildResult r = hakmem_test::RunSelf("overwrite", {}, 30);
  if (r.KilledBy(SIGABRT)) {
    EXPECT_NE(r.err.find("hakmem: "), std::string::npos) << "aborted without a diagnostic\n" << r.Describe();
    return;
  }
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(hakmem_test::ValueOf(r.out, "second_is_forged"), "0")
      << "malloc returned the forged address from an overwritten free-list link\n"
      << r.Describe();
}

}  // namespace
}  // namespace hakmem_reliability

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv, {{"overwrite", hakmem_reliability::ChildOverwriteThenAllocate}});
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
