// The bare free-list allocator is linked into this test (it replaces malloc
// for the whole binary, GoogleTest included): it must be a working, if
// check-free, allocator, or the floor it measures would be meaningless.
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace {

// Through a volatile pointer, so the compiler cannot pair or drop the calls.
void* (*volatile g_malloc)(size_t) = malloc;

TEST(BareListAllocatorTest, MallocResolvesToTheFloorLibrary) {
  Dl_info info;
  ASSERT_NE(dladdr(dlsym(RTLD_DEFAULT, "malloc"), &info), 0);
  EXPECT_NE(std::string(info.dli_fname).find("libbare_list_allocator.so"), std::string::npos) << info.dli_fname;
}

TEST(BareListAllocatorTest, ReusesTheLastFreedBlockOfAClass) {
  void* first = g_malloc(100);
  const uintptr_t first_address = reinterpret_cast<uintptr_t>(first);
  free(first);
  void* again = g_malloc(112);  // 100 and 112 bytes: the same 16-byte class
  EXPECT_EQ(reinterpret_cast<uintptr_t>(again), first_address);
  void* other = g_malloc(200);
  EXPECT_NE(other, again);
  free(other);
  free(again);
}

TEST(BareListAllocatorTest, BlocksAreAlignedAndHoldTheirSize) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{16}, size_t{1039}, size_t{2048}, size_t{5000}}) {
    char* block = static_cast<char*>(g_malloc(size));
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % 16, 0u) << size;
    EXPECT_GE(malloc_usable_size(block), size);
    std::memset(block, 0xAB, size);
    free(block);
  }
}

TEST(BareListAllocatorTest, CallocZeroesAReusedBlock) {
  char* dirty = static_cast<char*>(g_malloc(64));
  std::memset(dirty, 0xFF, 64);
  free(dirty);
  char* clean = static_cast<char*>(calloc(8, 8));
  for (int i = 0; i < 64; ++i) ASSERT_EQ(clean[i], 0) << i;
  free(clean);
  volatile size_t huge = ~size_t{0} / 2;  // volatile: the overflow is for calloc to find
  errno = 0;
  EXPECT_EQ(calloc(huge, 4), nullptr);
  EXPECT_EQ(errno, ENOMEM);
}

TEST(BareListAllocatorTest, ReallocKeepsTheContents) {
  char* block = static_cast<char*>(g_malloc(24));
  std::memcpy(block, "workload floor, bare list", 24);
  block = static_cast<char*>(realloc(block, 4000));
  EXPECT_EQ(std::memcmp(block, "workload floor, bare list", 24), 0);
  free(block);
}

TEST(BareListAllocatorTest, AlignedAllocations) {
  void* block = nullptr;
  EXPECT_EQ(posix_memalign(&block, 4096, 100), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % 4096, 0u);
  free(block);  // aligned blocks are never reused, but free accepts them
  EXPECT_EQ(posix_memalign(&block, 24, 100), EINVAL);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned_alloc(256, 512)) % 256, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(memalign(100, 10)) % 128, 0u);  // rounded up to a power of two
}

}  // namespace
