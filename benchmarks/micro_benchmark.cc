// Allocator microbenchmarks (Google Benchmark), built once per allocator by
// allocator_matrix.bzl; //benchmarks:micro runs them all side by side.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "benchmarks/allocator_identity.h"
#include "benchmarks/mixed_workload.h"

namespace hakmem::bench {
namespace {

void* CheckedMalloc(size_t size) {
  void* block = std::malloc(size);
  if (block == nullptr) std::abort();
  return block;
}

// One malloc and one free of a fixed size: the allocator's fast path per size class.
void BM_MallocFree(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* block = CheckedMalloc(size);
    benchmark::DoNotOptimize(block);
    std::free(block);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MallocFree)->Arg(16)->Arg(32)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Arg(4096)
    ->Arg(16384)->Arg(65536)->Arg(262144);

// 1,000 allocations, then 1,000 frees (in allocation order).
void BM_Batch1000(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  std::vector<void*> blocks(1000);
  for (auto _ : state) {
    for (void*& block : blocks) block = CheckedMalloc(size);
    benchmark::DoNotOptimize(blocks.data());
    for (void* block : blocks) std::free(block);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_Batch1000)->Arg(16)->Arg(64)->Arg(512)->Arg(4096);

// A buffer grown by half its size each step from 16 bytes to the argument.
void BM_ReallocGrowth(benchmark::State& state) {
  const size_t limit = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    size_t size = 16;
    char* buffer = static_cast<char*>(CheckedMalloc(size));
    buffer[0] = 1;
    while (size < limit) {
      size += size / 2;
      buffer = static_cast<char*>(std::realloc(buffer, size));
      if (buffer == nullptr) std::abort();
      buffer[size - 1] = 1;
    }
    benchmark::DoNotOptimize(buffer);
    std::free(buffer);
  }
}
BENCHMARK(BM_ReallocGrowth)->Arg(4096)->Arg(1 << 20);

void BM_Calloc(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* block = std::calloc(1, size);
    if (block == nullptr) std::abort();
    benchmark::DoNotOptimize(block);
    std::free(block);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Calloc)->Arg(64)->Arg(4096)->Arg(65536);

// aligned_alloc(alignment, 256).
void BM_AlignedAlloc(benchmark::State& state) {
  const size_t alignment = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* block = std::aligned_alloc(alignment, 256);
    if (block == nullptr) std::abort();
    benchmark::DoNotOptimize(block);
    std::free(block);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AlignedAlloc)->Arg(16)->Arg(64)->Arg(4096);

// A single-producer single-consumer queue of blocks for the cross-thread case.
class BlockQueue {
 public:
  static constexpr size_t kCapacity = 1024;
  bool TryPush(void* block) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) == kCapacity) return false;
    items_[tail % kCapacity] = block;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  bool TryPop(void** block) {
    const size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(std::memory_order_acquire)) return false;
    *block = items_[head % kCapacity];
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

 private:
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
  void* items_[kCapacity] = {};
};

// The benchmark thread allocates batches of 64 blocks; a consumer thread frees
// them, so every free is remote.
void BM_CrossThreadProducerConsumer(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  constexpr int kBatch = 64;
  BlockQueue queue;
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    void* block = nullptr;
    for (;;) {
      if (queue.TryPop(&block)) {
        std::free(block);
      } else if (done.load(std::memory_order_acquire)) {
        while (queue.TryPop(&block)) std::free(block);
        return;
      } else {
        std::this_thread::yield();
      }
    }
  });
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      void* block = CheckedMalloc(size);
      while (!queue.TryPush(block)) std::this_thread::yield();
    }
  }
  done.store(true, std::memory_order_release);
  consumer.join();
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_CrossThreadProducerConsumer)->Arg(64)->Arg(1024)->Arg(1 << 20)->UseRealTime();

// Larson-style churn: each thread replaces random blocks in its own array and
// now and then swaps the whole array with a shared one, so blocks allocated by
// one thread are freed by another.
struct LarsonShared {
  std::mutex mutex;
  std::vector<void*> exchange;
  std::atomic<int> finished{0};
};
LarsonShared larson_shared;

void BM_Larson(benchmark::State& state) {
  constexpr size_t kSlots = 1000;
  constexpr int kSwapInterval = 4096;
  std::vector<void*> slots(kSlots, nullptr);
  uint32_t rng = 0x9E3779B9u * static_cast<uint32_t>(state.thread_index() + 1);
  int until_swap = kSwapInterval;
  for (auto _ : state) {
    const uint32_t r = NextXorshift32(rng);
    void*& slot = slots[r % kSlots];
    std::free(slot);
    slot = CheckedMalloc(16 + (r >> 8) % 497);  // 16..512 bytes
    if (--until_swap == 0) {
      until_swap = kSwapInterval;
      std::lock_guard<std::mutex> lock(larson_shared.mutex);
      larson_shared.exchange.resize(kSlots, nullptr);
      slots.swap(larson_shared.exchange);
    }
  }
  for (void* block : slots) std::free(block);
  // The last thread out frees the shared array's blocks.
  if (larson_shared.finished.fetch_add(1) + 1 == state.threads()) {
    std::lock_guard<std::mutex> lock(larson_shared.mutex);
    for (void*& block : larson_shared.exchange) {
      std::free(block);
      block = nullptr;
    }
    larson_shared.finished.store(0);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Larson)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// Each thread churns large blocks (256 KiB to 4 MiB) of its own: 16 slots,
// each a free when full and a malloc (first and last byte written) when empty.
// Nothing crosses threads; what the allocator shares between them does.
void BM_LargeChurn(benchmark::State& state) {
  constexpr size_t kSlots = 16;
  constexpr size_t kMin = (size_t{256} << 10) + 1;
  constexpr size_t kMax = size_t{4} << 20;
  void* slots[kSlots] = {};
  uint32_t rng = 0x9E3779B9u * static_cast<uint32_t>(state.thread_index() + 1);
  for (auto _ : state) {
    const uint32_t r = NextXorshift32(rng);
    void*& slot = slots[r % kSlots];
    if (slot != nullptr) {
      std::free(slot);
      slot = nullptr;
    } else {
      const size_t size = kMin + (r >> 8) % (kMax - kMin + 1);
      char* block = static_cast<char*>(CheckedMalloc(size));
      block[0] = 1;
      block[size - 1] = 2;
      slot = block;
    }
  }
  for (void* block : slots) std::free(block);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LargeChurn)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace hakmem::bench

int main(int argc, char** argv) {
  const std::string problem = hakmem::bench::CheckMallocIdentity();
  if (!problem.empty()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], problem.c_str());
    return 3;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
