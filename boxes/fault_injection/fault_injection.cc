#include "boxes/fault_injection/fault_injection.h"

#include <atomic>

namespace hakmem {

#if HAKMEM_FAULT_INJECTION
namespace {
std::atomic<uint64_t> g_countdown{0};
std::atomic<bool> g_every{false};
}  // namespace

void FaultInjectionArm(uint64_t n, bool every) {
  g_every.store(every, std::memory_order_relaxed);
  g_countdown.store(n, std::memory_order_relaxed);
}

bool FaultInjectionShouldFailMap() {
  uint64_t n = g_countdown.load(std::memory_order_relaxed);
  while (n != 0) {
    if (n == 1 && g_every.load(std::memory_order_relaxed)) return true;
    if (g_countdown.compare_exchange_weak(n, n - 1, std::memory_order_relaxed)) return n == 1;
  }
  return false;
}
#endif

}  // namespace hakmem
