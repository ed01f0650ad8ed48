// The Mixed workload: the project's standard malloc/free churn.
//
// `cycles` operations over a working set of `ws` slots. Each operation draws r
// from xorshift32 and looks at slot r % ws (computed without a division, see
// SlotIndex): a held block is freed, an empty slot gets malloc(size(r)) and
// the block's first byte is written. With the default size range [16, 1039],
// size(r) is exactly 16 + (r & 0x3FF).
//
// An untimed prefault pass of cycles / 10 operations (seed + 0xDEADBEEF, its
// leftovers freed) warms the allocator first. The timed part is the main loop
// plus freeing whatever is left in the slots.
//
// Shared by //benchmarks:mixed (the allocator comparison) and //soak:mixed.
#ifndef HAKMEM_BENCHMARKS_MIXED_WORKLOAD_H_
#define HAKMEM_BENCHMARKS_MIXED_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace hakmem::bench {

inline constexpr uint64_t kDefaultCycles = 10'000'000;
inline constexpr uint32_t kDefaultWorkingSet = 8192;
inline constexpr uint32_t kDefaultSeed = 1234567;
inline constexpr uint32_t kPrefaultSeedOffset = 0xDEADBEEF;
inline constexpr size_t kDefaultMinSize = 16;
inline constexpr size_t kDefaultMaxSize = 16 + 0x3FF;  // inclusive
// `cycles` value of a run that goes on until `should_stop` ends it.
inline constexpr uint64_t kRunUntilStopped = 0;

// xorshift32 (Marsaglia). A zero state stays zero forever, so seeds must be
// non-zero.
inline uint32_t NextXorshift32(uint32_t& state) {
  uint32_t x = state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  state = x;
  return x;
}

// Maps a random word onto [min_size, max_size] without a division: a mask
// when the range's width is a power of two (the default range gives exactly
// 16 + (r & 0x3FF)), otherwise a multiply-shift of r's 32 bits.
class SizeRange {
 public:
  SizeRange(size_t min_size, size_t max_size);
  size_t Map(uint32_t r) const {
    if (width_is_power_of_two_) return min_size_ + (r & width_mask_);
    return min_size_ + static_cast<size_t>((static_cast<uint64_t>(r) * width_) >> 32);
  }
  bool width_is_power_of_two() const { return width_is_power_of_two_; }

 private:
  size_t min_size_;
  uint64_t width_;  // max - min + 1
  bool width_is_power_of_two_;
  uint32_t width_mask_;
};

// Maps a random word onto a slot, r % ws, without a division: a mask when ws
// is a power of two, otherwise Lemire's direct remainder (two multiplies by
// ceil(2^64 / ws), exact for every 32-bit r). A hardware division would sit
// between the random word and the slot load that decides the unpredictable
// held/empty branch, and be timed as if it were the allocator's.
class SlotIndex {
 public:
  explicit SlotIndex(uint32_t ws);
  uint32_t Map(uint32_t r) const {
    if (ws_is_power_of_two_) return r & mask_;
    return RemainderOf(r, magic_, ws_);
  }
  bool ws_is_power_of_two() const { return ws_is_power_of_two_; }

  // r % ws given magic = ceil(2^64 / ws) (0 when ws == 1).
  static uint32_t RemainderOf(uint32_t r, uint64_t magic, uint32_t ws) {
    const uint64_t fraction = magic * r;  // r / ws's fractional part, scaled by 2^64
    return static_cast<uint32_t>((static_cast<unsigned __int128>(fraction) * ws) >> 64);
  }
  static uint64_t MagicFor(uint32_t ws) { return UINT64_MAX / ws + 1; }

 private:
  uint64_t magic_;
  uint32_t ws_;
  uint32_t mask_;
  bool ws_is_power_of_two_;
};

// What the soak driver gets at every epoch boundary.
struct EpochReport {
  uint64_t operations_done;  // main-loop operations completed so far
  double elapsed_seconds;    // timed seconds so far (callback time excluded)
};

struct MixedConfig {
  // Main-loop operations, or kRunUntilStopped (then should_stop and
  // epoch_operations are required, and the prefault pass runs
  // kDefaultCycles / 10 operations, as the standard run's does).
  uint64_t cycles = kDefaultCycles;
  uint32_t ws = kDefaultWorkingSet;
  uint32_t seed = kDefaultSeed;
  size_t min_size = kDefaultMinSize;
  size_t max_size = kDefaultMaxSize;
  // 1 runs the classic single-threaded loop. N > 1 splits `cycles` over N
  // threads, each with its own `ws` slots and RNG stream (thread 0 uses
  // `seed`); a freed block is usually handed to the next thread through a
  // ring and freed there, so blocks migrate between threads.
  int threads = 1;
  // Runs the untimed prefault pass first (the standard workload does).
  bool prefault = true;

  // Called once, after the prefault pass and before the timed part (the
  // benchmark worker marks the end of warm-up here for syscall counting).
  std::function<void()> on_warmed_up;
  // Called every `epoch_operations` main-loop operations (0 = never). The time
  // spent inside the callback is not counted. With threads > 1 all threads
  // meet at each epoch boundary and one of them calls it.
  uint64_t epoch_operations = 0;
  std::function<void(const EpochReport&)> on_epoch;
  // Asked at every epoch boundary, right after on_epoch (and only there, so
  // the timed loop never pays for it): true ends the main loop at that
  // boundary; the leftovers are then freed as at the end of any run. With
  // threads > 1 it is called by the same thread as on_epoch.
  std::function<bool()> should_stop;
};

struct MixedResult {
  uint64_t operations = 0;  // main-loop operations (== cycles unless stopped)
  double seconds = 0;       // main loop + final frees, callbacks excluded
  uint64_t allocations = 0; // malloc calls in the main loop (a checksum)
};

// Empty when `config` can run, otherwise a one-line reason.
std::string ValidateMixedConfig(const MixedConfig& config);

// Runs the workload. `config` must be valid (aborts with the reason if not).
MixedResult RunMixed(const MixedConfig& config);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_MIXED_WORKLOAD_H_
