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
struct RemainderSlot {
  uint64_t magic;
  uint32_t ws;
  uint32_t operator()(uint32_t r) const { return SlotIndex::RemainderOf(r, magic, ws); }
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
  const SlotIndex slots(config.ws);
  const MaskSize mask_size{config.min_size, static_cast<uint32_t>(width - 1)};
  const MultiplyShiftSize shift_size{config.min_size, width};
  if (slots.ws_is_power_of_two()) {
    const MaskSlot slot{config.ws - 1};
    if (range.width_is_power_of_two()) fn(slot, mask_size); else fn(slot, shift_size);
  } else {
    const RemainderSlot slot{SlotIndex::MagicFor(config.ws), config.ws};
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
// whether an epoch boundary follows it.
struct Chunk {
  uint64_t operations;
  bool ends_epoch;
};

bool HasEpochBoundaries(const MixedConfig& config) {
  return config.epoch_operations > 0 && (config.on_epoch || config.should_stop);
}

// Hands out the chunks one at a time: an unbounded run has no last chunk, so
// no list of them is ever built.
class ChunkPlan {
 public:
  explicit ChunkPlan(const MixedConfig& config)
      : epoch_(HasEpochBoundaries(config) ? config.epoch_operations : 0),
        unbounded_(config.cycles == kRunUntilStopped),
        remaining_(config.cycles) {}

  // The next chunk, or false when the run's operations are all planned.
  bool Next(Chunk& chunk) {
    if (epoch_ == 0) {  // one chunk of everything
      if (remaining_ == 0) return false;
      chunk = {remaining_, false};
      remaining_ = 0;
      return true;
    }
    if (unbounded_) {
      chunk = {epoch_, true};
      return true;
    }
    if (remaining_ == 0) return false;
    const bool full_epoch = remaining_ >= epoch_;
    chunk = {full_epoch ? epoch_ : remaining_, full_epoch};
    remaining_ -= chunk.operations;
    return true;
  }

 private:
  uint64_t epoch_;
  bool unbounded_;
  uint64_t remaining_;
};

// What happens at an epoch boundary; true when the run is to stop there.
bool AtEpochBoundary(const MixedConfig& config, const EpochReport& report) {
  if (config.on_epoch) config.on_epoch(report);
  return config.should_stop && config.should_stop();
}

uint64_t PrefaultOperations(const MixedConfig& config) {
  const uint64_t cycles = config.cycles == kRunUntilStopped ? kDefaultCycles : config.cycles;
  return cycles / 10;
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
      churn.Run(PrefaultOperations(config), FreeNow{});
      churn.FreeAll();
    }
    if (config.on_warmed_up) config.on_warmed_up();

    churn.Reseed(config.seed);
    ChunkPlan plan(config);
    Chunk chunk;
    bool stop = false;
    TimedSpan span;
    uint64_t done = 0;
    span.Start();
    while (!stop && plan.Next(chunk)) {
      result.allocations += churn.Run(chunk.operations, FreeNow{});
      done += chunk.operations;
      if (chunk.ends_epoch) {
        span.Untimed([&](double elapsed) { stop = AtEpochBoundary(config, {done, elapsed}); });
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

  // The barrier's completion step runs on one thread while the others wait;
  // `next_phase_action` says what that step is.
  TimedSpan span;
  uint64_t operations_done = 0;
  // Every thread walks its own copy of the same plan; this one is the
  // completion step's.
  ChunkPlan completed_chunks(config);
  // Set by the completion step, read by every thread after that barrier.
  bool stopping = false;
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
        Chunk chunk{0, false};
        completed_chunks.Next(chunk);
        operations_done += chunk.operations;
        if (chunk.ends_epoch) {
          span.Untimed([&](double elapsed) { stopping = AtEpochBoundary(config, {operations_done, elapsed}); });
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
        run_with_handoff(ShareOf(PrefaultOperations(config), index, thread_count));
        churn.FreeAll();
      }
      meet(index, Phase::kNothing);  // every push of the prefault is done...
      inbound.DrainAndFree();        // ...so the rings end up empty
      meet(index, Phase::kWarmedUp);

      churn.Reseed(ThreadSeed(config.seed, index));
      uint64_t made = 0;
      ChunkPlan plan(config);
      Chunk chunk;
      while (plan.Next(chunk)) {
        made += run_with_handoff(ShareOf(chunk.operations, index, thread_count));
        meet(index, Phase::kChunkDone);
        if (stopping) break;
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

SlotIndex::SlotIndex(uint32_t ws)
    : magic_(MagicFor(ws)), ws_(ws), mask_(ws - 1), ws_is_power_of_two_(std::has_single_bit(ws)) {}

SizeRange::SizeRange(size_t min_size, size_t max_size)
    : min_size_(min_size),
      width_(static_cast<uint64_t>(max_size - min_size) + 1),
      width_is_power_of_two_(std::has_single_bit(width_) && width_ <= (uint64_t{1} << 32)),
      width_mask_(static_cast<uint32_t>(width_ - 1)) {}

std::string ValidateMixedConfig(const MixedConfig& config) {
  if (config.cycles == kRunUntilStopped) {
    if (!config.should_stop) return "cycles must be at least 1";
    if (config.epoch_operations == 0) {
      return "a run until stopped needs epoch_operations > 0 (should_stop is asked at epoch boundaries)";
    }
  }
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
