// fork() while other threads are busy in the allocator: the child must be able
// to allocate and free (no lock left held by a thread that no longer exists).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

using A = Backend;

constexpr int kForks = 50;
constexpr int kBusyThreads = 4;
// A child that is still running after this long is deadlocked.
constexpr unsigned kChildTimeoutSeconds = 20;

// Allocates and frees random blocks until told to stop; some frees go to
// blocks allocated by the neighbouring thread, so remote-free paths are busy.
void Churn(std::atomic<bool>& stop, int id, std::atomic<void*>* exchange) {
  std::mt19937_64 rng(static_cast<uint64_t>(id) + 1);
  std::vector<void*> live;
  while (!stop.load(std::memory_order_relaxed)) {
    const size_t n = rng() % 100 < 95 ? rng() % 2048 : rng() % (1 << 20);
    void* p = A::Malloc(n);
    if (p != nullptr) {
      FillBlock(p, n);
      live.push_back(p);
    }
    if (live.size() > 64) {
      const size_t i = rng() % live.size();
      // Swap one block with another thread; free whatever comes back.
      void* theirs = exchange->exchange(live[i], std::memory_order_acq_rel);
      live[i] = live.back();
      live.pop_back();
      A::Free(theirs);
      A::Free(live.back());
      live.pop_back();
    }
  }
  for (void* p : live) A::Free(p);
}

// Runs in the child: every size class and a few large blocks, from the
// forking thread (the parent's other threads are gone, perhaps mid-malloc).
// Only the allocator under test allocates here: with the prefixed API
// (sanitizer builds) anything else would come from the sanitizer's allocator,
// which TSan does not lock around fork(), so a busy parent thread could leave
// its lock held and hang the child (seen in CI: gdb put the child in
// SizeClassAllocator64::GetFromAllocator, under std::vector::push_back).
int ChildWork() {
  alarm(kChildTimeoutSeconds);
  constexpr size_t kMaxSize = size_t{1} << 20;
  // The sizes below: n = 0, 1, 3, 7, ... while n < kMaxSize.
  constexpr size_t kSizes = [] {
    size_t sizes = 0;
    for (size_t n = 0; n < kMaxSize; n = n * 2 + 1) ++sizes;
    return sizes;
  }();
  void* blocks[kSizes * 4];
  size_t count = 0;
  for (size_t n = 0; n < kMaxSize; n = n * 2 + 1) {
    for (int i = 0; i < 4; ++i) {
      void* p = A::Malloc(n);
      if (p == nullptr) return 2;
      FillBlock(p, n);
      blocks[count++] = p;
    }
  }
  size_t k = 0;
  for (size_t n = 0; n < kMaxSize; n = n * 2 + 1) {
    for (int i = 0; i < 4; ++i, ++k) {
      if (FindBlockMismatch(blocks[k], n) != kPatternOk) return 3;
      A::Free(blocks[k]);
    }
  }
  void* r = A::Realloc(nullptr, 100);
  r = A::Realloc(r, 100000);
  if (r == nullptr) return 4;
  A::Free(r);
  return 0;
}

TEST(ForkTest, ChildOfBusyMultithreadedParentCanAllocate) {
  std::atomic<bool> stop{false};
  std::atomic<void*> exchange{nullptr};
  std::vector<std::thread> busy;
  for (int i = 0; i < kBusyThreads; ++i) busy.emplace_back(Churn, std::ref(stop), i, &exchange);

  for (int round = 0; round < kForks; ++round) {
    // The parent's own live block must stay intact in the child and parent.
    void* mine = A::Malloc(1000);
    ASSERT_NE(mine, nullptr);
    FillBlock(mine, 1000);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0) << "fork failed";
    if (pid == 0) {
      int rc = ChildWork();
      // A trim takes back the heaps of the parent's other threads (hakmem:
      // those not in the middle of a change when the fork came), and what
      // they held must then serve the child like any other memory.
      if (rc == 0) {
        A::Trim(0);
        rc = ChildWork();
      }
      if (rc == 0 && FindBlockMismatch(mine, 1000) != kPatternOk) rc = 5;
      if (rc == 0) A::Free(mine);  // a block inherited from the parent
      // A block allocated by one of the parent's threads, which do not exist
      // in the child.
      if (rc == 0) A::Free(exchange.load());
      _exit(rc);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
      FAIL() << "fork round " << round << ": child killed by signal " << WTERMSIG(status)
             << (WTERMSIG(status) == SIGALRM ? " (SIGALRM: deadlocked in the allocator)" : "");
    }
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "fork round " << round
                                      << ": 2 malloc NULL, 3 pattern lost, 4 realloc NULL, 5 parent block lost";
    EXPECT_EQ(FindBlockMismatch(mine, 1000), kPatternOk);
    A::Free(mine);
  }
  stop = true;
  for (auto& t : busy) t.join();
  A::Free(exchange.load());
}

// A child that starts threads of its own after a multithreaded fork.
TEST(ForkTest, ChildCanStartAllocatingThreads) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "TSan does not support starting threads after a multithreaded fork";
#endif
  std::atomic<bool> stop{false};
  std::atomic<void*> exchange{nullptr};
  std::vector<std::thread> busy;
  for (int i = 0; i < 2; ++i) busy.emplace_back(Churn, std::ref(stop), i, &exchange);
  for (int round = 0; round < 10; ++round) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      alarm(kChildTimeoutSeconds);
      std::atomic<bool> child_stop{false};
      std::atomic<void*> child_exchange{nullptr};
      std::thread a(Churn, std::ref(child_stop), 10, &child_exchange);
      std::thread b(Churn, std::ref(child_stop), 11, &child_exchange);
      const int rc = ChildWork();
      child_stop = true;
      a.join();
      b.join();
      A::Free(child_exchange.load());
      _exit(rc);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "round " << round << ": child killed by signal "
                                   << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    ASSERT_EQ(WEXITSTATUS(status), 0) << "round " << round;
  }
  stop = true;
  for (auto& t : busy) t.join();
  A::Free(exchange.load());
}

}  // namespace
}  // namespace hakmem_test
