// The bare free-list allocator: the cheapest allocator that really reuses
// memory. Sizes up to 2 KiB round up to a multiple of 16 (that multiple is the
// class, no table); each thread keeps a LIFO list per class, and a block's
// class sits in a 16-byte header in front of it. No check of any kind (a bad
// or double free corrupts the lists), blocks freed by another thread join that
// thread's lists, and no memory goes back to the OS.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>

#include "benchmarks/workload_floor/arena.h"

namespace {

using hakmem::bench::workload_floor::CarveBlock;
using hakmem::bench::workload_floor::HeaderOf;
using hakmem::bench::workload_floor::kUntracked;

constexpr size_t kClasses = 2048 / 16 + 1;  // class c holds c * 16 bytes (class 0: 16)

__attribute__((tls_model("initial-exec"))) thread_local void* t_heads[kClasses];

// An empty list: a new block from the arena (out of line, so malloc's fast
// path needs no stack frame).
__attribute__((noinline)) void* CarveForClass(size_t cls) { return CarveBlock(cls == 0 ? 16 : cls * 16, 16, cls); }

}  // namespace

size_t hakmem::bench::workload_floor::UsableSize(void* block) { return HeaderOf(block)->usable; }

extern "C" {

void* malloc(size_t size) noexcept {
  const size_t cls = (size + 15) >> 4;
  if (__builtin_expect(cls >= kClasses, 0)) return CarveBlock(size, 16, kUntracked);
  void* block = t_heads[cls];
  if (__builtin_expect(block == nullptr, 0)) return CarveForClass(cls);
  t_heads[cls] = *static_cast<void**>(block);
  return block;
}

void free(void* block) noexcept {
  if (block == nullptr) return;
  const uint64_t cls = HeaderOf(block)->tag;
  if (cls >= kClasses) return;  // aligned or large: never reused
  *static_cast<void**>(block) = t_heads[cls];
  t_heads[cls] = block;
}

}  // extern "C"
