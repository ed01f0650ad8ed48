#include "benchmarks/mixed_workload.h"

#include <atomic>
#include <barrier>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

namespace hakmem::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsBetween(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

// Different threads get unrelated streams; thread 0 keeps the seed itself so
// threads=1 and the single-threaded loop agree.
uint32_t NonZero(uint32_t seed) { return seed != 0 ? seed : 0x9E3779B9u; }
uint32_t ThreadSeed(uint32_t seed, int thread_index) {
  return NonZero(seed + static_cast<uint32_t>(thread_index) * 0x9E3779B9u);
}

// --- hot-loop policies (templated so the loop has no run-time switches) -----

struct MaskSlot {
  uint32_t mask;
  uint32_t operator()(uint32_t r) const { return r & mask; }
};
struct ModuloSlot {
  uint32_t ws;
  uint32_t operator()(uint32_t r) const { return r % ws; }
};
struct MaskSize {
  size_t min_size;
  uint32_t mask;
  size_t operator()(uint32_t r) const { return min_size + (r & mask); }
};
struct MultiplyShiftSize {
  size_t min_size;
  uint64_t width;
  size_t operator()(uint32_t r) const {
    return min_size + static_cast<size_t>((static_cast<uint64_t>(r) * width) >> 32);
  }
};

[[noreturn]] void DieOutOfMemory(size_t size) {
  std::fprintf(stderr, "mixed workload: malloc(%zu) returned NULL\n", size);
  std::abort();
}

// Calls fn(slot_policy, size_policy) with the cheapest policies for `config`.
template <typename Fn>
void WithPolicies(const MixedConfig& config, Fn&& fn) {
  const SizeRange range(config.min_size, config.max_size);
  const uint64_t width = config.max_size - config.min_size + 1;
  const bool ws_is_power_of_two = std::has_single_bit(config.ws);
  const MaskSize mask_size{config.min_size, static_cast<uint32_t>(width - 1)};
  const MultiplyShiftSize shift_size{config.min_size, width};
  if (ws_is_power_of_two) {
    const MaskSlot slot{config.ws - 1};
    if (range.width_is_power_of_two()) fn(slot, mask_size); else fn(slot, shift_size);
  } else {
    const ModuloSlot slot{config.ws};
    if (range.width_is_power_of_two()) fn(slot, mask_size); else fn(slot, shift_size);
  }
}

// One thread's slots and RNG. `release` frees a block the workload is done
// with (directly, or by handing it to another thread).
template <typename SlotOf, typename SizeOf>
class SlotChurn {
 public:
  SlotChurn(uint32_t ws, SlotOf slot_of, SizeOf size_of)
      : slots_(ws, nullptr), slot_of_(slot_of), size_of_(size_of) {}

  void Reseed(uint32_t seed) { rng_ = seed; }

  // Returns the number of malloc calls made.
  template <typename Release>
  uint64_t Run(uint64_t operations, Release&& release) {
    void** const slots = slots_.data();
    uint32_t rng = rng_;
    uint64_t allocations = 0;
    for (uint64_t i = 0; i < operations; ++i) {
      const uint32_t r = NextXorshift32(rng);
      void*& slot = slots[slot_of_(r)];
      if (slot != nullptr) {
        release(slot);
        slot = nullptr;
      } else {
        const size_t size = size_of_(r);
        char* block = static_cast<char*>(std::malloc(size));
        if (block == nullptr) [[unlikely]] DieOutOfMemory(size);
        block[0] = static_cast<char>(r);
        slot = block;
        ++allocations;
      }
    }
    rng_ = rng;
    return allocations;
  }

  void FreeAll() {
    for (void*& slot : slots_) {
      std::free(slot);
      slot = nullptr;
    }
  }

 private:
  std::vector<void*> slots_;
  SlotOf slot_of_;
  SizeOf size_of_;
  uint32_t rng_ = 1;
};

struct FreeNow {
  void operator()(void* block) const { std::free(block); }
};

// The main loop split at epoch boundaries: `operations` of each chunk, and
// whether an epoch callback follows it.
struct Chunk {
  uint64_t operations;
  bool ends_epoch;
};

std::vector<Chunk> PlanChunks(const MixedConfig& config) {
  std::vector<Chunk> chunks;
  const bool epochs = config.epoch_operations > 0 && config.on_epoch;
  if (!epochs) {
    chunks.push_back({config.cycles, false});
    return chunks;
  }
  uint64_t remaining = config.cycles;
  while (remaining >= config.epoch_operations) {
    chunks.push_back({config.epoch_operations, true});
    remaining -= config.epoch_operations;
  }
  if (remaining > 0) chunks.push_back({remaining, false});
  return chunks;
}

// Thread `index` of `count`'s share of `total` operations.
uint64_t ShareOf(uint64_t total, int index, int count) {
  const uint64_t n = static_cast<uint64_t>(count);
  const uint64_t i = static_cast<uint64_t>(index);
  return total / n + (i < total % n ? 1 : 0);
}

// Tracks timed seconds with callback time taken out.
class TimedSpan {
 public:
  void Start() { start_ = Clock::now(); }
  void Stop() { stop_ = Clock::now(); }
  double Elapsed(Clock::time_point now) const { return SecondsBetween(start_, now) - paused_; }
  double Total() const { return SecondsBetween(start_, stop_) - paused_; }

  // Runs `fn` off the clock.
  template <typename Fn>
  void Untimed(Fn&& fn) {
    const Clock::time_point before = Clock::now();
    fn(Elapsed(before));
    paused_ += SecondsBetween(before, Clock::now());
  }

 private:
  Clock::time_point start_, stop_;
  double paused_ = 0;
};

MixedResult RunSingleThreaded(const MixedConfig& config) {
  MixedResult result;
  WithPolicies(config, [&](auto slot_of, auto size_of) {
    SlotChurn churn(config.ws, slot_of, size_of);
    if (config.prefault) {
      churn.Reseed(NonZero(config.seed + kPrefaultSeedOffset));
      churn.Run(config.cycles / 10, FreeNow{});
      churn.FreeAll();
    }
    if (config.on_warmed_up) config.on_warmed_up();

    churn.Reseed(config.seed);
    const std::vector<Chunk> chunks = PlanChunks(config);
    TimedSpan span;
    uint64_t done = 0;
    span.Start();
    for (const Chunk& chunk : chunks) {
      result.allocations += churn.Run(chunk.operations, FreeNow{});
      done += chunk.operations;
      if (chunk.ends_epoch) {
        span.Untimed([&](double elapsed) { config.on_epoch({done, elapsed}); });
      }
    }
    churn.FreeAll();
    span.Stop();
    result.operations = done;
    result.seconds = span.Total();
  });
  return result;
}

// --- multi-threaded variant ---------------------------------------------------

// Single-producer single-consumer ring carrying blocks from one thread to the
// next, which frees them.
class HandoffRing {
 public:
  static constexpr uint64_t kCapacity = 4096;

  // Producer side. False when full (the producer then frees the block itself).
  bool TryPush(void* block) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - producer_cached_head_ == kCapacity) {
      producer_cached_head_ = head_.load(std::memory_order_acquire);
      if (tail - producer_cached_head_ == kCapacity) return false;
    }
    items_[tail & (kCapacity - 1)] = block;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer side: frees everything pushed so far.
  void DrainAndFree() {
    uint64_t head = head_.load(std::memory_order_relaxed);
    const uint64_t tail = tail_.load(std::memory_order_acquire);
    if (head == tail) return;
    for (; head != tail; ++head) std::free(items_[head & (kCapacity - 1)]);
    head_.store(head, std::memory_order_release);
  }

 private:
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
  alignas(64) uint64_t producer_cached_head_ = 0;
  void* items_[kCapacity] = {};
};

struct HandOffTo {
  HandoffRing* ring;
  void operator()(void* block) const {
    if (!ring->TryPush(block)) std::free(block);
  }
};

// How many operations a thread runs between looks at its inbound ring.
constexpr uint64_t kDrainInterval = 64;

MixedResult RunMultiThreaded(const MixedConfig& config) {
  const int thread_count = config.threads;
  std::vector<std::unique_ptr<HandoffRing>> rings;
  for (int i = 0; i < thread_count; ++i) rings.push_back(std::make_unique<HandoffRing>());
  const std::vector<Chunk> chunks = PlanChunks(config);

  // The barrier's completion step runs on one thread while the others wait;
  // `next_phase_action` says what that step is.
  TimedSpan span;
  uint64_t operations_done = 0;
  size_t chunk_index = 0;
  enum class Phase { kNothing, kWarmedUp, kChunkDone, kFinished };
  Phase next_phase_action = Phase::kNothing;
  auto on_phase_end = [&]() noexcept {
    switch (next_phase_action) {
      case Phase::kNothing:
        break;
      case Phase::kWarmedUp:
        if (config.on_warmed_up) config.on_warmed_up();
        span.Start();
        break;
      case Phase::kChunkDone: {
        const Chunk& chunk = chunks[chunk_index++];
        operations_done += chunk.operations;
        if (chunk.ends_epoch) {
          span.Untimed([&](double elapsed) { config.on_epoch({operations_done, elapsed}); });
        }
        break;
      }
      case Phase::kFinished:
        span.Stop();
        break;
    }
  };
  std::barrier meeting(thread_count, on_phase_end);
  // Only thread 0 sets the next action, and only between two barriers, so the
  // completion step always sees the value meant for it.
  auto meet = [&](int thread_index, Phase action) {
    if (thread_index == 0) next_phase_action = action;
    meeting.arrive_and_wait();
  };

  std::atomic<uint64_t> allocations{0};
  auto thread_body = [&](int index) {
    HandoffRing& inbound = *rings[static_cast<size_t>(index)];
    HandOffTo outbound{rings[static_cast<size_t>((index + 1) % thread_count)].get()};
    WithPolicies(config, [&](auto slot_of, auto size_of) {
      SlotChurn churn(config.ws, slot_of, size_of);
      auto run_with_handoff = [&](uint64_t operations) {
        uint64_t made = 0;
        while (operations > 0) {
          const uint64_t step = operations < kDrainInterval ? operations : kDrainInterval;
          made += churn.Run(step, outbound);
          inbound.DrainAndFree();
          operations -= step;
        }
        return made;
      };

      if (config.prefault) {
        churn.Reseed(NonZero(ThreadSeed(config.seed, index) + kPrefaultSeedOffset));
        run_with_handoff(ShareOf(config.cycles / 10, index, thread_count));
        churn.FreeAll();
      }
      meet(index, Phase::kNothing);  // every push of the prefault is done...
      inbound.DrainAndFree();        // ...so the rings end up empty
      meet(index, Phase::kWarmedUp);

      churn.Reseed(ThreadSeed(config.seed, index));
      uint64_t made = 0;
      for (const Chunk& chunk : chunks) {
        made += run_with_handoff(ShareOf(chunk.operations, index, thread_count));
        meet(index, Phase::kChunkDone);
      }
      churn.FreeAll();
      meet(index, Phase::kNothing);
      inbound.DrainAndFree();
      allocations.fetch_add(made, std::memory_order_relaxed);
      meet(index, Phase::kFinished);
    });
  };

  std::vector<std::thread> threads;
  for (int i = 1; i < thread_count; ++i) threads.emplace_back(thread_body, i);
  thread_body(0);
  for (std::thread& thread : threads) thread.join();

  MixedResult result;
  result.operations = operations_done;
  result.seconds = span.Total();
  result.allocations = allocations.load();
  return result;
}

}  // namespace

SizeRange::SizeRange(size_t min_size, size_t max_size)
    : min_size_(min_size),
      width_(static_cast<uint64_t>(max_size - min_size) + 1),
      width_is_power_of_two_(std::has_single_bit(width_) && width_ <= (uint64_t{1} << 32)),
      width_mask_(static_cast<uint32_t>(width_ - 1)) {}

std::string ValidateMixedConfig(const MixedConfig& config) {
  if (config.cycles == 0) return "cycles must be at least 1";
  if (config.ws == 0) return "ws (working set) must be at least 1 slot";
  if (config.ws > (1u << 28)) return "ws (working set) must be at most 268435456 slots";
  if (config.seed == 0) return "seed must be non-zero (xorshift32 never leaves 0)";
  if (config.min_size == 0) return "min_size must be at least 1 (the first byte is written)";
  if (config.min_size > config.max_size) {
    return "min_size (" + std::to_string(config.min_size) + ") must not exceed max_size (" +
           std::to_string(config.max_size) + ")";
  }
  if (config.max_size > (size_t{1} << 30)) return "max_size must be at most 1073741824 bytes";
  if (config.threads < 1) return "threads must be at least 1";
  if (config.threads > 256) return "threads must be at most 256";
  return "";
}

MixedResult RunMixed(const MixedConfig& config) {
  const std::string problem = ValidateMixedConfig(config);
  if (!problem.empty()) {
    std::fprintf(stderr, "mixed workload: %s\n", problem.c_str());
    std::abort();
  }
  return config.threads == 1 ? RunSingleThreaded(config) : RunMultiThreaded(config);
}

}  // namespace hakmem::bench
