// After fork(), the child takes back what the parent's other threads held:
// they do not exist in the child, and their heaps would otherwise keep their
// superslabs for as long as the child runs (boxes/heap, HeapForkChild).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "gtest/gtest.h"

namespace {

constexpr size_t kBlockSize = 1000;
constexpr size_t kBlocks = 16384;  // about 16 MiB
constexpr size_t kBlockBytes = kBlockSize * kBlocks;

size_t MappedBytes() {
  hak_heap_info info{};
  hak_heap_info_get(&info);
  return info.mapped_bytes;
}

// In the child: frees the blocks a thread that is not here allocated, trims,
// and says whether most of their memory went back to the OS.
int ChildFreesTheGoneThreadsBlocks(const std::vector<void*>& blocks) {
  alarm(20);
  hak_trim(0);  // what the child itself would give back anyway
  const size_t before = MappedBytes();
  for (void* p : blocks) hak_free(p);
  hak_trim(0);
  const size_t after = MappedBytes();
  if (after + kBlockBytes * 3 / 4 > before) return 1;
  // The memory serves the child again.
  std::vector<void*> again(kBlocks);
  for (void*& p : again) {
    p = hak_malloc(kBlockSize);
    if (p == nullptr) return 2;
  }
  for (void* p : again) hak_free(p);
  return 0;
}

TEST(ForkReclaimTest, TheChildTakesBackTheMemoryOfTheParentsOtherThreads) {
  std::vector<void*> blocks(kBlocks);
  std::atomic<bool> ready{false};
  std::atomic<bool> done{false};
  std::thread owner([&] {
    for (void*& p : blocks) p = hak_malloc(kBlockSize);
    ready = true;
    while (!done) std::this_thread::yield();
  });
  while (!ready) std::this_thread::yield();
  for (void* p : blocks) ASSERT_NE(p, nullptr);

  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(ChildFreesTheGoneThreadsBlocks(blocks));
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  done = true;
  owner.join();
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the gone thread's memory stayed mapped after its blocks were freed and "
                                       "the child trimmed; 2: malloc NULL";
  for (void* p : blocks) hak_free(p);
}

}  // namespace
