// malloc/free pairs for instruction counting under callgrind (not a test):
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*Run*'
//       bazel-bin/allocator/tests/reliability/cost_probe
//   callgrind_annotate --inclusive=yes callgrind.out.<pid> | grep -E 'Run|hak_'
// Each Run* loop makes kPairs malloc/free pairs of one size; instructions per
// pair = the loop's inclusive Ir / kPairs. The pointer checks of free cannot be
// switched off, so this gives the whole pair's cost as context for
// docs/RELIABILITY.md, not the checks' share.
#include <stdlib.h>

#include <cstdio>

#include "allocator/hakmem.h"

namespace {

constexpr int kPairs = 100000;

template <size_t kSize>
__attribute__((noinline)) void* RunHakmemPairs() {
  void* last = nullptr;
  for (int i = 0; i < kPairs; ++i) {
    void* p = hak_malloc(kSize);
    asm volatile("" : : "r"(p) : "memory");
    hak_free(p);
    last = p;
  }
  return last;
}

template <size_t kSize>
__attribute__((noinline)) void* RunGlibcPairs() {
  void* last = nullptr;
  for (int i = 0; i < kPairs; ++i) {
    void* p = malloc(kSize);
    asm volatile("" : : "r"(p) : "memory");
    free(p);
    last = p;
  }
  return last;
}

}  // namespace

int main() {
  // Warm: heaps exist and the first spans are carved before counting starts.
  hak_free(hak_malloc(32));
  free(malloc(32));
  void* sink[] = {RunHakmemPairs<32>(), RunHakmemPairs<1000>(), RunHakmemPairs<4000>(), RunHakmemPairs<100000>(),
                  RunGlibcPairs<32>(),  RunGlibcPairs<1000>(),  RunGlibcPairs<4000>(),  RunGlibcPairs<100000>()};
  std::printf("cost_probe: %d pairs per size (%p)\n", kPairs, sink[0]);
  return 0;
}
