// Threads allocate, free, realloc and hand blocks to each other, so that most
// frees of some blocks happen on a thread other than the allocating one.
// Every block carries a pattern that is checked before it is freed.
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

using A = Backend;

// Total operations per test, shared among the threads so that 16 threads cost
// about as much as 2 on a 2-core machine; sanitizers are ~10x slower.
constexpr int kTotalOps = HAKMEM_TEST_UNDER_SANITIZER ? 60000 : 600000;

struct Block {
  void* ptr = nullptr;
  size_t request = 0;
  size_t usable = 0;
};

size_t RandomSize(std::mt19937_64& rng) {
  const uint64_t r = rng() % 1000;
  if (r < 900) return rng() % 513;                   // tiny/small
  if (r < 995) return 513 + rng() % (32 * 1024);     // medium
  return 32 * 1024 + rng() % (256 * 1024);           // large-ish
}

// Failure text of the first problem this thread saw (EXPECT_* is thread-safe
// in GoogleTest on Linux, but one message per thread keeps the log readable).
struct Errors {
  std::mutex mu;
  std::vector<std::string> messages;
  void Add(std::string m) {
    std::lock_guard<std::mutex> lock(mu);
    if (messages.size() < 20) messages.push_back(std::move(m));
  }
};

bool Allocate(size_t n, Block* out, Errors& errors) {
  void* p = A::Malloc(n);
  if (p == nullptr) {
    errors.Add("malloc(" + std::to_string(n) + ") returned NULL");
    return false;
  }
  const size_t usable = A::UsableSize(p);
  if (usable < n) errors.Add("usable size " + std::to_string(usable) + " < " + std::to_string(n));
  FillBlock(p, usable);
  *out = {p, n, usable};
  return true;
}

void CheckAndFree(const Block& b, Errors& errors, const char* where) {
  const size_t bad = FindBlockMismatch(b.ptr, b.usable);
  if (bad != kPatternOk) {
    errors.Add(std::string(where) + ": block of " + std::to_string(b.request) + " bytes corrupted at offset " +
               std::to_string(bad));
  }
  A::Free(b.ptr);
}

Block ReallocChecked(const Block& b, size_t n, Errors& errors) {
  void* q = A::Realloc(b.ptr, n);
  if (q == nullptr) {
    errors.Add("realloc to " + std::to_string(n) + " returned NULL");
    return b;
  }
  const size_t kept = std::min(b.request, n);
  const size_t bad = FindPatternMismatch(q, kept, reinterpret_cast<uintptr_t>(b.ptr), b.usable);
  if (bad != kPatternOk) {
    errors.Add("realloc " + std::to_string(b.request) + " -> " + std::to_string(n) + " lost contents at " +
               std::to_string(bad));
  }
  const size_t usable = A::UsableSize(q);
  if (usable < n) errors.Add("usable size after realloc " + std::to_string(usable) + " < " + std::to_string(n));
  FillBlock(q, usable);
  return {q, n, usable};
}

struct Inbox {
  std::mutex mu;
  std::vector<Block> blocks;
};

// Each thread works on its own blocks and passes some to the next thread's
// inbox; it frees what arrives in its own inbox.
void RunRing(int threads) {
  std::vector<Inbox> inboxes(static_cast<size_t>(threads));
  std::barrier done_producing(threads);
  Errors errors;
  const int ops_per_thread = kTotalOps / threads;

  auto worker = [&](int id) {
    std::mt19937_64 rng(static_cast<uint64_t>(id) * 7919 + 1);
    std::vector<Block> own;
    Inbox& mine = inboxes[static_cast<size_t>(id)];
    Inbox& next = inboxes[static_cast<size_t>((id + 1) % threads)];
    auto drain = [&] {
      std::vector<Block> arrived;
      {
        std::lock_guard<std::mutex> lock(mine.mu);
        arrived.swap(mine.blocks);
      }
      // Every other block arriving from another thread is resized here first
      // (remote realloc), then freed.
      for (size_t k = 0; k < arrived.size(); ++k) {
        const Block b = k % 2 == 0 ? arrived[k] : ReallocChecked(arrived[k], RandomSize(rng) + 1, errors);
        CheckAndFree(b, errors, "cross-thread free");
      }
    };
    for (int op = 0; op < ops_per_thread; ++op) {
      const uint64_t action = rng() % 100;
      if (own.empty() || action < 40) {
        Block b;
        if (Allocate(RandomSize(rng), &b, errors)) own.push_back(b);
        if (own.size() > 512) {  // bound the working set
          CheckAndFree(own.front(), errors, "own free");
          own.front() = own.back();
          own.pop_back();
        }
      } else if (action < 60) {
        const size_t i = rng() % own.size();
        CheckAndFree(own[i], errors, "own free");
        own[i] = own.back();
        own.pop_back();
      } else if (action < 75) {
        const size_t i = rng() % own.size();
        // Not 0: realloc(p, 0) frees p (glibc semantics), tested elsewhere.
        own[i] = ReallocChecked(own[i], RandomSize(rng) + 1, errors);
      } else if (action < 95) {
        const size_t i = rng() % own.size();
        {
          std::lock_guard<std::mutex> lock(next.mu);
          next.blocks.push_back(own[i]);
        }
        own[i] = own.back();
        own.pop_back();
      } else {
        drain();
      }
    }
    for (const Block& b : own) CheckAndFree(b, errors, "final own free");
    done_producing.arrive_and_wait();
    drain();
  };

  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker, i);
  for (auto& t : pool) t.join();
  for (const std::string& m : errors.messages) ADD_FAILURE() << m;
}

// Half the threads only allocate, the other half only free: the classic
// remote-free pattern (a consumer never frees its own blocks).
void RunProducersConsumers(int threads) {
  const int pairs = threads / 2;
  std::vector<Inbox> queues(static_cast<size_t>(pairs));
  std::vector<std::atomic<bool>> finished(static_cast<size_t>(pairs));
  Errors errors;
  const int blocks_per_producer = kTotalOps / threads;

  auto producer = [&](int id) {
    std::mt19937_64 rng(static_cast<uint64_t>(id) + 100);
    Inbox& q = queues[static_cast<size_t>(id)];
    std::vector<Block> batch;
    for (int i = 0; i < blocks_per_producer; ++i) {
      Block b;
      if (Allocate(RandomSize(rng), &b, errors)) batch.push_back(b);
      if (batch.size() == 64 || i + 1 == blocks_per_producer) {
        std::lock_guard<std::mutex> lock(q.mu);
        q.blocks.insert(q.blocks.end(), batch.begin(), batch.end());
        batch.clear();
      }
    }
    finished[static_cast<size_t>(id)].store(true, std::memory_order_release);
  };
  auto consumer = [&](int id) {
    Inbox& q = queues[static_cast<size_t>(id)];
    for (;;) {
      const bool last_round = finished[static_cast<size_t>(id)].load(std::memory_order_acquire);
      std::vector<Block> arrived;
      {
        std::lock_guard<std::mutex> lock(q.mu);
        arrived.swap(q.blocks);
      }
      for (const Block& b : arrived) CheckAndFree(b, errors, "consumer free");
      if (last_round) break;
      if (arrived.empty()) std::this_thread::yield();
    }
  };

  std::vector<std::thread> pool;
  for (int i = 0; i < pairs; ++i) {
    pool.emplace_back(producer, i);
    pool.emplace_back(consumer, i);
  }
  for (auto& t : pool) t.join();
  for (const std::string& m : errors.messages) ADD_FAILURE() << m;
}

class MtStressTest : public ::testing::TestWithParam<int> {};

TEST_P(MtStressTest, RingOfThreadsWithCrossThreadFrees) { RunRing(GetParam()); }

TEST_P(MtStressTest, ProducersAllocateConsumersFree) { RunProducersConsumers(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Threads, MtStressTest, ::testing::Values(2, 4, 16),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::to_string(info.param) + "Threads";
                         });

}  // namespace
}  // namespace hakmem_test
