// Exercises the allocator through the prefixed API in whatever configuration
// it was built in (see box_variant): malloc/calloc/realloc/aligned/free over
// every size range, a cross-thread free, trim, and, where the fault-injection
// box is compiled in, an injected mapping failure. Exits 0 when all is well.
#include <errno.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "boxes/fault_injection/fault_injection.h"
#include "profiles/profile.h"

namespace {

int g_failures = 0;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "api_smoke: FAILED: %s\n", what);
    ++g_failures;
  }
}

#if HAKMEM_FAULT_INJECTION
// Runs first, while nothing is mapped or cached: every mapping fails.
void CheckInjectedFailures() {
  hakmem::FaultInjectionArm(1, true);
  errno = 0;
  Check(hak_malloc(16) == nullptr && errno == ENOMEM, "small allocation fails with ENOMEM when mapping fails");
  errno = 0;
  Check(hak_malloc(size_t{8} << 20) == nullptr && errno == ENOMEM,
        "large allocation fails with ENOMEM when mapping fails");
  hakmem::FaultInjectionArm(0, false);
  std::printf("fault_injection=checked\n");
}
#endif

void CheckSizes() {
  std::vector<std::pair<unsigned char*, size_t>> blocks;
  for (size_t size = 1; size <= (size_t{4} << 20); size = size * 3 + 1) {
    auto* p = static_cast<unsigned char*>(hak_malloc(size));
    Check(p != nullptr, "malloc");
    if (p == nullptr) continue;
    Check(reinterpret_cast<uintptr_t>(p) % 16 == 0, "16-byte alignment");
    Check(hak_usable_size(p) >= size, "usable size");
    std::memset(p, static_cast<int>(size & 0xff), size);
    blocks.emplace_back(p, size);
  }
  for (auto& [p, size] : blocks) {
    Check(p[0] == (size & 0xff) && p[size - 1] == (size & 0xff), "contents kept");
    hak_free(p);
  }
}

// The class spacing the build chose: a 300-byte request gets 304 bytes with
// 16 B steps, 320 with lean spacing (32 B steps between 257 and 512 B); a
// page and a 272 B header 5120 with quarters, 4608 with lean spacing's class
// an eighth over 4 KiB.
void CheckClassSpacing() {
  void* p = hak_malloc(300);
  Check(p != nullptr && hak_usable_size(p) == (HAKMEM_LEAN_CLASSES ? 320u : 304u),
        "usable size of 300 B follows the lean_classes switch");
  hak_free(p);
  p = hak_malloc(4096 + 272);
  Check(p != nullptr && hak_usable_size(p) == (HAKMEM_LEAN_CLASSES ? 4608u : 5120u),
        "usable size of 4368 B follows the lean_classes switch");
  hak_free(p);
  std::printf("lean_classes=%d\n", HAKMEM_LEAN_CLASSES);
}

void CheckCallocReallocAligned() {
  auto* z = static_cast<unsigned char*>(hak_calloc(1000, 100));
  Check(z != nullptr, "calloc");
  bool zero = true;
  for (size_t i = 0; z != nullptr && i < 100000; ++i) zero &= z[i] == 0;
  Check(zero, "calloc zeroes");
  hak_free(z);

  auto* r = static_cast<char*>(hak_malloc(10));
  std::memcpy(r, "123456789", 10);
  r = static_cast<char*>(hak_realloc(r, 100000));
  Check(r != nullptr && std::strcmp(r, "123456789") == 0, "realloc keeps contents");
  hak_free(r);

  for (size_t alignment : {32, 64, 4096, 1 << 16, 1 << 22}) {
    void* a = hak_aligned_alloc(alignment, alignment * 2);
    Check(a != nullptr && reinterpret_cast<uintptr_t>(a) % alignment == 0, "aligned_alloc");
    hak_free(a);
  }
}

void CheckCrossThreadFree() {
  std::vector<void*> blocks;
  for (int i = 0; i < 10000; ++i) blocks.push_back(hak_malloc(64 + i % 512));
  std::thread([&blocks] {
    for (void* p : blocks) hak_free(p);
    hak_free(hak_malloc(32));
  }).join();
  for (int i = 0; i < 10000; ++i) hak_free(hak_malloc(64 + i % 512));
}

void CheckReporting() {
  hak_trim(0);
  hak_heap_info info;
  hak_heap_info_get(&info);
  Check(info.large_live == 0, "no large object left");
  hak_stats stats;
  hak_stats_get(&stats);
  Check(std::strcmp(stats.profile, hakmem::kProfileName) == 0, "hak_stats_get names the compiled profile");
  Check(stats.enabled == (HAKMEM_STATS_ENABLED ? 1 : 0), "hak_stats_get says whether the stats box is in");
  std::printf("profile=%s\nstats_enabled=%d\n", stats.profile, stats.enabled);
}

}  // namespace

int main() {
#if HAKMEM_FAULT_INJECTION
  CheckInjectedFailures();
#endif
  CheckSizes();
  CheckClassSpacing();
  CheckCallocReallocAligned();
  CheckCrossThreadFree();
  CheckReporting();
  std::printf("api_smoke: %s\n", g_failures == 0 ? "ok" : "FAILED");
  return g_failures == 0 ? 0 : 1;
}
