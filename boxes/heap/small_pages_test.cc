// Small-object memory stays in small pages: with transparent huge pages set to
// `always`, a superslab in huge pages would make 2 MiB resident for a few
// blocks (docs/PERFORMANCE.md, experiment 80; the chunk maps, then 8 MiB of
// bss each, were advised too until they became two-level, experiment 84).
// The advice shows in the mappings' flags whatever the machine's THP setting.
#include <string>

#include "allocator/hakmem.h"
#include "boxes/superslab/superslab.h"
#include "gtest/gtest.h"
#include "profiles/tests/vm_flags.h"

namespace hakmem {
namespace {

bool NoHugePages(const void* addr) { return hakmem_test::VmFlagsOf(addr).find(" nh ") != std::string::npos; }

TEST(SmallPagesTest, SuperslabsAreNotInHugePages) {
  void* p = hak_malloc(64);
  void* q = hak_malloc(3000);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(NoHugePages(SuperslabOf(p))) << hakmem_test::VmFlagsOf(SuperslabOf(p));
  EXPECT_TRUE(NoHugePages(p));
  EXPECT_TRUE(NoHugePages(static_cast<char*>(static_cast<void*>(SuperslabOf(q))) + kChunkSize - 1));
  hak_free(p);
  hak_free(q);
}

// Large objects keep the kernel's choice, as glibc's mmapped chunks do: a
// program that writes a large buffer whole gains from huge pages.
TEST(SmallPagesTest, LargeObjectsKeepTheKernelsChoice) {
  void* big = hak_malloc(8 << 20);
  ASSERT_NE(big, nullptr);
  EXPECT_FALSE(NoHugePages(big)) << hakmem_test::VmFlagsOf(big);
  hak_free(big);
}

}  // namespace
}  // namespace hakmem
