// Allocates and frees ~10 GiB in total (16 B to 1 MiB, several threads, a
// share of the frees made by another thread) with a bounded live set, and
// watches RSS: the peak stays within kPeakFactor x peak live bytes +
// kPeakSlackBytes, and after everything is freed and trimmed RSS is back within
// kReturnSlackBytes of where it started. Bounds are checked in optimised
// builds only: sanitizers add shadow memory and quarantines of their own.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "gtest/gtest.h"

namespace hakmem_reliability {
namespace {

#if HAKMEM_RELIABILITY_SANITIZER
constexpr uint64_t kTotalBytes = uint64_t{1} << 30;
constexpr bool kCheckRss = false;
#else
constexpr uint64_t kTotalBytes = uint64_t{10} << 30;
constexpr bool kCheckRss = true;
#endif
constexpr int kWorkers = 3;
constexpr uint64_t kLiveBudgetPerWorker = uint64_t{48} << 20;
constexpr double kPeakFactor = 2.0;
constexpr uint64_t kPeakSlackBytes = uint64_t{64} << 20;
constexpr uint64_t kReturnSlackBytes = uint64_t{24} << 20;
constexpr size_t kPage = 4096;

uint64_t ResidentBytes() {
  unsigned long long size = 0;
  unsigned long long resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%llu %llu", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * kPage;
}

// Log-uniform within three bands: 60 % tiny (16 B..1 KiB), 38 % small and
// medium (1 KiB..256 KiB), 2 % large (256 KiB..1 MiB).
size_t RandomSize(std::mt19937_64& rng) {
  const unsigned band = static_cast<unsigned>(rng() % 100);
  const unsigned lo_log = band < 60 ? 4 : band < 98 ? 10 : 18;
  const unsigned hi_log = band < 60 ? 10 : band < 98 ? 18 : 20;
  const unsigned log = lo_log + static_cast<unsigned>(rng() % (hi_log - lo_log));
  const size_t base = size_t{1} << log;
  return base + rng() % base;
}

// Every page of the block is written: live data is resident data.
void Touch(void* p, size_t size) {
  char* c = static_cast<char*>(p);
  for (size_t off = 0; off < size; off += kPage) c[off] = 1;
  c[size - 1] = 1;
}

struct Block {
  void* p;
  size_t size;
};

struct Shared {
  std::atomic<uint64_t> allocated_total{0};
  std::atomic<uint64_t> live{0};
  std::atomic<uint64_t> peak_live{0};
  std::atomic<int> null_allocs{0};
  std::atomic<int> check_problems{0};
  std::mutex mailbox_mu[kWorkers];
  std::vector<Block> mailbox[kWorkers];
};

void NoteLive(Shared* s, int64_t delta) {
  const uint64_t now = s->live.fetch_add(static_cast<uint64_t>(delta)) + static_cast<uint64_t>(delta);
  uint64_t peak = s->peak_live.load();
  while (now > peak && !s->peak_live.compare_exchange_weak(peak, now)) {
  }
}

void FreeBlock(Shared* s, const Block& b) {
  hak_free(b.p);
  NoteLive(s, -static_cast<int64_t>(b.size));
}

void Worker(Shared* s, int id) {
  std::mt19937_64 rng(static_cast<uint64_t>(id) * 7919 + 1);
  std::vector<Block> mine;
  uint64_t mine_bytes = 0;
  const uint64_t my_share = kTotalBytes / kWorkers;
  uint64_t done = 0;
  for (uint64_t op = 1; done < my_share; ++op) {
    const size_t size = RandomSize(rng);
    void* p = hak_malloc(size);
    if (p == nullptr) {
      s->null_allocs++;
      break;
    }
    Touch(p, size);
    mine.push_back(Block{p, size});
    mine_bytes += size;
    done += size;
    NoteLive(s, static_cast<int64_t>(size));
    // Over budget: free random blocks; every fourth goes to another thread.
    while (mine_bytes > kLiveBudgetPerWorker) {
      const size_t i = rng() % mine.size();
      const Block b = mine[i];
      mine[i] = mine.back();
      mine.pop_back();
      mine_bytes -= b.size;
      if (rng() % 4 == 0) {
        const int to = (id + 1 + static_cast<int>(rng() % (kWorkers - 1))) % kWorkers;
        std::lock_guard<std::mutex> hold(s->mailbox_mu[to]);
        s->mailbox[to].push_back(b);
      } else {
        FreeBlock(s, b);
      }
    }
    if (op % 64 == 0) {
      std::vector<Block> arrived;
      {
        std::lock_guard<std::mutex> hold(s->mailbox_mu[id]);
        arrived.swap(s->mailbox[id]);
      }
      for (const Block& b : arrived) FreeBlock(s, b);
    }
  }
  s->allocated_total += done;
  for (const Block& b : mine) FreeBlock(s, b);
}

TEST(ChurnRss, TenGibibytesStayBoundedAndReturn) {
  hak_free(hak_malloc(1));
  hak_trim(0);
  const uint64_t start_rss = ResidentBytes();
  Shared shared;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> peak_rss{start_rss};
  // Sampled, not taken from VmHWM: the test binary's own peak before the
  // churn must not count.
  std::thread sampler([&] {
    while (!stop.load()) {
      const uint64_t now = ResidentBytes();
      if (now > peak_rss.load()) peak_rss.store(now);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::vector<std::thread> workers;
  for (int id = 0; id < kWorkers; ++id) workers.emplace_back(Worker, &shared, id);
  for (std::thread& t : workers) t.join();
  // Blocks still in mailboxes (their senders stopped first).
  for (int id = 0; id < kWorkers; ++id) {
    for (const Block& b : shared.mailbox[id]) FreeBlock(&shared, b);
    shared.mailbox[id].clear();
  }
  stop = true;
  sampler.join();
  hak_trim(0);
  const uint64_t end_rss = ResidentBytes();
  EXPECT_EQ(hak_heap_check(), 0u);

  const uint64_t peak_growth = peak_rss.load() - start_rss;
  const uint64_t peak_live = shared.peak_live.load();
  const uint64_t peak_bound = static_cast<uint64_t>(kPeakFactor * static_cast<double>(peak_live)) + kPeakSlackBytes;
  std::printf("allocated %.2f GiB; peak live %.1f MiB; RSS start %.1f MiB, peak +%.1f MiB (bound %.1f), end %+.1f MiB\n",
              static_cast<double>(shared.allocated_total.load()) / (1 << 30), peak_live / 1048576.0,
              start_rss / 1048576.0, peak_growth / 1048576.0, peak_bound / 1048576.0,
              (static_cast<double>(end_rss) - static_cast<double>(start_rss)) / 1048576.0);
  EXPECT_EQ(shared.null_allocs.load(), 0);
  EXPECT_EQ(shared.live.load(), 0u);
  EXPECT_GE(shared.allocated_total.load(), kTotalBytes - (kTotalBytes / 100));
  if (!kCheckRss) return;
  EXPECT_LE(peak_growth, peak_bound) << "peak RSS too far above the live data";
  EXPECT_LE(end_rss, start_rss + kReturnSlackBytes) << "memory not returned after free + hak_trim";
}

}  // namespace
}  // namespace hakmem_reliability
