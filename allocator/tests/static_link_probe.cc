// Helper program, linked with -static: allocates through every entry point
// and from several threads, then prints "static-probe ok <checksum>".
#include <malloc.h>
#include <stdlib.h>

#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "allocator/tests/backend.h"
#include "allocator/tests/pattern.h"

namespace {

using hakmem_test::Backend;

int Fail(const char* what) {
  std::fprintf(stderr, "static-probe FAILED: %s\n", what);
  return 1;
}

}  // namespace

int main() {
  std::vector<void*> blocks;
  for (size_t n = 0; n < (size_t{16} << 20); n = n * 2 + 1) {
    void* p = Backend::Malloc(n);
    if (p == nullptr) return Fail("malloc");
    hakmem_test::FillBlock(p, n);
    blocks.push_back(p);
  }
  size_t n = 0;
  for (void* p : blocks) {
    if (hakmem_test::FindBlockMismatch(p, n) != hakmem_test::kPatternOk) return Fail("pattern");
    Backend::Free(p);
    n = n * 2 + 1;
  }
  void* c = Backend::Calloc(1000, 1000);
  if (c == nullptr || hakmem_test::FindNonZero(c, 1000000) != hakmem_test::kPatternOk) return Fail("calloc");
  Backend::Free(c);
  void* a = Backend::AlignedAlloc(1 << 16, 1 << 16);
  if (a == nullptr || reinterpret_cast<uintptr_t>(a) % (1 << 16) != 0) return Fail("aligned_alloc");
  Backend::Free(a);
  void* r = Backend::Realloc(nullptr, 10);
  r = Backend::Realloc(r, 1 << 20);
  if (r == nullptr) return Fail("realloc");
  Backend::Free(r);

  // libstdc++ (operator new) and threads, which in a static binary also
  // allocate their TLS and stacks through glibc internals.
  unsigned long checksum = 0;
  std::vector<std::thread> threads;
  std::vector<unsigned long> partial(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &partial] {
      std::map<int, std::string> m;
      for (int i = 0; i < 20000; ++i) m[(i * 7919 + t) % 5003] += static_cast<char>('a' + i % 26);
      unsigned long sum = 0;
      for (const auto& [k, v] : m) sum += static_cast<unsigned long>(k) * v.size();
      partial[static_cast<size_t>(t)] = sum;
    });
  }
  for (auto& t : threads) t.join();
  for (unsigned long s : partial) checksum += s;
  std::printf("static-probe ok %lu\n", checksum);
  return 0;
}
