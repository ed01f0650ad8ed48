// A small program with hakmem as its malloc, run under valgrind's memcheck by
// valgrind_test.sh. Valgrind does not know hakmem's blocks (hakmem maps its own
// memory), so what memcheck checks here is hakmem's own code: no read or write
// of memory that is not mapped, no use of uninitialised values in its
// decisions, no jump through garbage. Every path is taken a few times: tiny,
// small, medium and large blocks, realloc across classes, calloc, aligned
// allocation, cross-thread frees, thread exit with live blocks, trim.
#include <malloc.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"

namespace {

constexpr size_t kSizes[] = {1, 16, 24, 100, 1000, 1024, 1500, 4096, 20000, 65536, 200000, 300000, 1 << 20, 5 << 20};

int Check(bool ok, const char* what) {
  if (!ok) std::fprintf(stderr, "valgrind_workload: %s\n", what);
  return ok ? 0 : 1;
}

int SingleThreaded() {
  int errors = 0;
  std::vector<void*> blocks;
  for (int round = 0; round < 20; ++round) {
    for (size_t size : kSizes) {
      char* p = static_cast<char*>(malloc(size));
      errors += Check(p != nullptr, "malloc NULL");
      std::memset(p, round, size);
      blocks.push_back(p);
    }
    for (size_t i = 0; i < blocks.size(); i += 2) {
      free(blocks[i]);
      blocks[i] = nullptr;
    }
  }
  for (void*& p : blocks) {
    if (p != nullptr) p = realloc(p, malloc_usable_size(p) * 3 + 1);
  }
  for (void* p : blocks) free(p);
  for (size_t size : kSizes) {
    char* z = static_cast<char*>(calloc(1, size));
    errors += Check(z != nullptr && z[size - 1] == 0, "calloc not zeroed");
    free(z);
    void* a = aligned_alloc(4096, size);
    errors += Check(a != nullptr && reinterpret_cast<uintptr_t>(a) % 4096 == 0, "aligned_alloc");
    free(a);
  }
  void* huge_aligned = aligned_alloc(4 << 20, 1 << 20);
  errors += Check(huge_aligned != nullptr, "aligned_alloc 4 MiB");
  free(huge_aligned);
  auto owned = std::make_unique<std::string>(5000, 'x');
  errors += Check(owned->size() == 5000, "operator new");
  return errors;
}

int MultiThreaded() {
  std::vector<void*> handed_over(4000);
  std::thread producer([&] {
    for (size_t i = 0; i < handed_over.size(); ++i) {
      handed_over[i] = malloc(kSizes[i % 10]);
      std::memset(handed_over[i], 7, kSizes[i % 10]);
    }
  });
  producer.join();  // exits with every block live: its superslabs are abandoned
  std::thread consumer([&] {
    for (void* p : handed_over) free(p);
    for (int i = 0; i < 1000; ++i) free(malloc(kSizes[i % 12]));
  });
  consumer.join();
  return 0;
}

}  // namespace

// Valgrind replaces a malloc it finds in the executable unless told not to
// (valgrind_test.sh passes --soname-synonyms=somalloc=nouserintercepts):
// make sure the blocks really come from hakmem.
int HakmemIsTheMalloc() {
  void* p = malloc(5 << 20);
  hak_heap_info info{};
  hak_heap_info_get(&info);
  free(p);
  return Check(info.large_live >= 1 && info.in_use_bytes >= (5u << 20), "malloc is not hakmem's");
}

int main() {
  int errors = HakmemIsTheMalloc();
  errors += SingleThreaded() + MultiThreaded();
  malloc_trim(0);
  errors += Check(hak_heap_check() == 0, "heap check");
  std::printf("valgrind_workload: %s\n", errors == 0 ? "ok" : "FAILED");
  return errors == 0 ? 0 : 1;
}
