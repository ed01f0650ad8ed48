// Concurrency stress with the heap checker between phases: cross-thread frees,
// threads that exit with blocks still live (their superslabs are abandoned and
// adopted by the next phase's threads), and fork while other threads allocate.
// Run it under --config=tsan as well (docs/RELIABILITY.md).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "allocator/tests/reliability/entry_points.h"
#include "gtest/gtest.h"

namespace hakmem_reliability {
namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kOpsPerPhase = 4000;
#else
constexpr int kOpsPerPhase = 40000;
#endif
constexpr int kPhases = 6;
constexpr int kWorkers = 4;

// A block records its own address and size in its first words, so a block
// handed out twice or overlapping another is caught when it is freed.
struct Tag {
  uintptr_t self;
  size_t size;
};

size_t RandomSize(std::mt19937_64& rng) {
  const unsigned r = static_cast<unsigned>(rng() % 100);
  if (r < 60) return 16 + rng() % 1009;           // tiny
  if (r < 90) return 1025 + rng() % (64 << 10);   // small and medium
  if (r < 98) return (64 << 10) + rng() % (192 << 10);  // largest classes
  return (256 << 10) + rng() % (768 << 10);        // large objects
}

void* AllocTagged(std::mt19937_64& rng) {
  const size_t size = RandomSize(rng);
  void* p = Malloc(size);
  if (p == nullptr) return nullptr;
  Tag t{reinterpret_cast<uintptr_t>(p), size};
  std::memcpy(p, &t, sizeof t);
  if (size > sizeof t) static_cast<char*>(p)[size - 1] = 0x5a;
  return p;
}

// Checks the tag and frees; false when the block was overwritten.
bool FreeTagged(void* p) {
  Tag t;
  std::memcpy(&t, p, sizeof t);
  // The size is only trusted once the address matched.
  const bool intact = t.self == reinterpret_cast<uintptr_t>(p) &&
                      (t.size <= sizeof t || static_cast<char*>(p)[t.size - 1] == 0x5a);
  if (!intact) {
    std::fprintf(stderr, "damaged block %p: tag self=%#lx size=%zu\n", p, static_cast<unsigned long>(t.self), t.size);
  }
  Free(p);
  return intact;
}

// Blocks on their way to another thread.
struct Mailbox {
  std::mutex mu;
  std::vector<void*> blocks;
  void Put(void* p) {
    std::lock_guard<std::mutex> hold(mu);
    blocks.push_back(p);
  }
  std::vector<void*> TakeAll() {
    std::lock_guard<std::mutex> hold(mu);
    return std::move(blocks);
  }
};

class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void Wait() {
    const int gen = generation_.load();
    if (arrived_.fetch_add(1) + 1 == n_) {
      arrived_.store(0);
      generation_.fetch_add(1);
    } else {
      while (generation_.load() == gen) std::this_thread::yield();
    }
  }

 private:
  const int n_;
  std::atomic<int> arrived_{0};
  std::atomic<int> generation_{0};
};

struct Shared {
  Mailbox mailboxes[kWorkers];
  Mailbox carried;  // blocks left by the previous phase's threads
  std::atomic<int> null_allocs{0};
  std::atomic<int> damaged{0};
  std::atomic<int> check_problems{0};
  std::atomic<int> checks{0};
};

// One phase of one worker: allocate, free locally, send to other workers,
// free what arrives; then, with every worker quiet, check this thread's heap.
// Half of what it still holds is left for the next phase's threads.
void Worker(Shared* shared, int id, int phase, Barrier* barrier) {
  std::mt19937_64 rng(static_cast<uint64_t>(phase) * 1000 + static_cast<uint64_t>(id));
  std::vector<void*> mine;
  for (void* p : shared->carried.TakeAll()) {
    if (rng() % 2 == 0) {
      if (!FreeTagged(p)) shared->damaged++;
    } else {
      shared->carried.Put(p);  // some stay for a later phase or another worker
    }
  }
  for (int op = 0; op < kOpsPerPhase; ++op) {
    const unsigned r = static_cast<unsigned>(rng() % 8);
    if (r < 4 || mine.empty()) {
      void* p = AllocTagged(rng);
      if (p == nullptr) {
        shared->null_allocs++;
        continue;
      }
      mine.push_back(p);
    } else if (r < 6) {
      const size_t i = rng() % mine.size();
      if (!FreeTagged(mine[i])) shared->damaged++;
      mine[i] = mine.back();
      mine.pop_back();
    } else if (r < 7) {
      shared->mailboxes[(id + 1 + rng() % (kWorkers - 1)) % kWorkers].Put(mine.back());
      mine.pop_back();
    } else {
      for (void* p : shared->mailboxes[id].TakeAll()) {
        if (!FreeTagged(p)) shared->damaged++;
      }
    }
  }
  barrier->Wait();  // everyone has stopped sending
  for (void* p : shared->mailboxes[id].TakeAll()) {
    if (!FreeTagged(p)) shared->damaged++;
  }
  barrier->Wait();  // nobody frees into another heap any more
  shared->check_problems += static_cast<int>(hak_heap_check());
  shared->checks++;
  barrier->Wait();
  for (size_t i = 0; i < mine.size(); ++i) {
    if (i % 2 == 0) {
      shared->carried.Put(mine[i]);
    } else if (!FreeTagged(mine[i])) {
      shared->damaged++;
    }
  }
  if (phase % 2 == 1) hak_trim(0);  // trim with other threads still running
}

TEST(Concurrency, PhasesWithHeapChecksAndThreadChurn) {
  Shared shared;
  for (int phase = 0; phase < kPhases; ++phase) {
    SCOPED_TRACE("phase " + std::to_string(phase));
    Barrier barrier(kWorkers);
    std::vector<std::thread> workers;
    for (int id = 0; id < kWorkers; ++id) workers.emplace_back(Worker, &shared, id, phase, &barrier);
    for (std::thread& t : workers) t.join();
    // The phase's threads are gone: their superslabs with carried blocks are
    // abandoned, which the main thread's check walks.
    EXPECT_EQ(hak_heap_check(), 0u);
  }
  for (void* p : shared.carried.TakeAll()) {
    if (!FreeTagged(p)) shared.damaged++;
  }
  EXPECT_EQ(shared.checks.load(), kPhases * kWorkers);
  EXPECT_EQ(shared.check_problems.load(), 0);
  EXPECT_EQ(shared.damaged.load(), 0);
  EXPECT_EQ(shared.null_allocs.load(), 0);
  hak_trim(0);
  EXPECT_EQ(hak_heap_check(), 0u);
}

// ---- fork while other threads allocate -----------------------------------------

void Churn(std::atomic<bool>* stop, int id, Mailbox* shared_box, std::atomic<int>* damaged) {
  std::mt19937_64 rng(static_cast<uint64_t>(id) + 77);
  std::vector<void*> mine;
  while (!stop->load(std::memory_order_relaxed)) {
    for (int i = 0; i < 64; ++i) {
      void* p = AllocTagged(rng);
      if (p != nullptr) mine.push_back(p);
    }
    // Of each four blocks: one goes to the other churner, one stays, two are freed.
    std::vector<void*> keep;
    for (size_t i = 0; i < mine.size(); ++i) {
      if (i % 4 == 0) {
        shared_box->Put(mine[i]);
      } else if (i % 4 == 1) {
        keep.push_back(mine[i]);
      } else if (!FreeTagged(mine[i])) {
        (*damaged)++;
      }
    }
    mine.swap(keep);
    if (mine.size() > 2000) {
      for (void* p : mine) {
        if (!FreeTagged(p)) (*damaged)++;
      }
      mine.clear();
    }
    for (void* p : shared_box->TakeAll()) {
      if (!FreeTagged(p)) (*damaged)++;
    }
  }
  for (void* p : mine) {
    if (!FreeTagged(p)) (*damaged)++;
  }
}

// In the child: the allocator works, blocks of the parent's main thread are
// intact, the child's heap and the abandoned superslabs check clean.
int ChildAfterFork(void* parent_block) {
  alarm(30);  // a lock held across fork would hang here
  std::mt19937_64 rng(5);
  // Nothing here goes through the process's own malloc: under ASan (the API
  // variant) that is ASan's, whose locks are not safe across fork while other
  // threads allocate, and a hang there is not hakmem's.
  void* blocks[2000];
  for (void*& slot : blocks) {
    void* p = AllocTagged(rng);
    if (p == nullptr) return 2;
    slot = p;
  }
  for (void* p : blocks) {
    if (!FreeTagged(p)) return 3;
  }
  if (!FreeTagged(parent_block)) return 4;
  if (hak_heap_check() != 0) return 5;
  hak_trim(0);
  if (hak_heap_check() != 0) return 6;
  return 0;
}

TEST(Concurrency, ForkWhileOtherThreadsAllocate) {
  std::atomic<bool> stop{false};
  std::atomic<int> damaged{0};
  Mailbox box;
  std::vector<std::thread> churners;
  for (int i = 0; i < 2; ++i) churners.emplace_back(Churn, &stop, i, &box, &damaged);
  std::mt19937_64 rng(9);
#if defined(__SANITIZE_THREAD__)
  constexpr int kForks = 8;
#else
  constexpr int kForks = 40;
#endif
  for (int round = 0; round < kForks; ++round) {
    void* mine = AllocTagged(rng);
    ASSERT_NE(mine, nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(ChildAfterFork(mine));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "round " << round << ": child killed by signal " << WTERMSIG(status)
                                   << " (14 = SIGALRM: deadlock after fork)";
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "round " << round << ": 2 NULL, 3 block damaged, 4 parent block damaged, 5/6 heap check failed";
    EXPECT_TRUE(FreeTagged(mine));
  }
  stop = true;
  for (std::thread& t : churners) t.join();
  for (void* p : box.TakeAll()) {
    if (!FreeTagged(p)) damaged++;
  }
  EXPECT_EQ(damaged.load(), 0);
  EXPECT_EQ(hak_heap_check(), 0u);
}

}  // namespace
}  // namespace hakmem_reliability
