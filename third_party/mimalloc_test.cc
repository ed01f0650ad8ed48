// Linking @mimalloc makes mimalloc the process's malloc.
#include <mimalloc.h>

#include <cstdlib>

#include "gtest/gtest.h"

namespace {

TEST(MimallocTest, MallocIsMimalloc) {
  EXPECT_GE(mi_version(), 200);
  void* p = std::malloc(100);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(mi_is_in_heap_region(p));
  std::free(p);
}

}  // namespace
