// Helper program: ends the process in various ways while allocations are
// live (and, in some modes, while other threads are inside the allocator).
// Exit code 0 is the only success; the test runs it once per mode.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"

namespace {

using hakmem_test::Backend;

std::vector<void*>* g_live = nullptr;

void LeakBlocksOfEverySize() {
  g_live = new std::vector<void*>();
  for (size_t n = 0; n < (size_t{8} << 20); n = n * 3 / 2 + 1) {
    void* p = Backend::Malloc(n);
    if (p == nullptr) std::exit(10);
    hakmem_test::FillBlock(p, n);
    g_live->push_back(p);
  }
}

// A static whose destructor frees a block allocated during main: it runs after
// main returns, possibly after the allocator's own teardown.
struct FreesAtStaticDestruction {
  void* block = nullptr;
  ~FreesAtStaticDestruction() {
    Backend::Free(block);
    void* p = Backend::Malloc(4096);  // and allocates once more
    Backend::Free(p);
  }
} g_static_owner;

void AllocateAndFreeAtExit() {
  for (size_t n = 1; n < (size_t{1} << 20); n *= 4) {
    void* p = Backend::Malloc(n);
    if (p == nullptr) _exit(11);
    hakmem_test::FillBlock(p, n);
    Backend::Free(p);
  }
}

void BusyForever() {
  std::vector<void*> mine;
  for (unsigned i = 0;; ++i) {
    void* p = Backend::Malloc(16 + (i * 37) % 9000);
    if (p != nullptr) mine.push_back(p);
    if (mine.size() > 100) {
      for (void* q : mine) Backend::Free(q);
      mine.clear();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  LeakBlocksOfEverySize();
  g_static_owner.block = Backend::Malloc(777);

  if (mode == "return") return 0;
  if (mode == "exit") std::exit(0);
  if (mode == "atexit") {
    std::atexit(AllocateAndFreeAtExit);
    return 0;
  }
  if (mode == "threads_running") {
    // Threads are still allocating when main returns and exit() tears down.
    std::atomic<int> started{0};
    for (int i = 0; i < 4; ++i) {
      std::thread([&started] {
        started.fetch_add(1);
        BusyForever();
      }).detach();
    }
    while (started.load() < 4) std::this_thread::yield();
    return 0;
  }
  if (mode == "exited_thread_left_blocks") {
    // A finished thread's blocks (and its per-thread cache) are still live.
    for (int i = 0; i < 8; ++i) {
      std::thread([] {
        for (int k = 0; k < 1000; ++k) {
          void* p = Backend::Malloc(static_cast<size_t>(k % 500));
          if (k % 3 == 0) Backend::Free(p);
        }
      }).join();
    }
    return 0;
  }
  std::fprintf(stderr, "unknown mode '%s'\n", mode.c_str());
  return 2;
}
