// Linking @jemalloc makes jemalloc the process's malloc.
#include <jemalloc/jemalloc.h>

#include <cstdlib>
#include <cstring>

#include "gtest/gtest.h"

namespace {

TEST(JemallocTest, MallocIsJemalloc) {
  const char* version = nullptr;
  size_t len = sizeof(version);
  ASSERT_EQ(mallctl("version", &version, &len, nullptr, 0), 0);
  EXPECT_NE(std::strlen(version), 0u);
  // jemalloc's size classes: a 100-byte request is served from the 112-byte class.
  void* p = std::malloc(100);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(sallocx(p, 0), 112u);
  std::free(p);
}

}  // namespace
