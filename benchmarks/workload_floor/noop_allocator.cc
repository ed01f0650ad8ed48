// The no-op allocator: what the Mixed workload costs with (almost) no
// allocator at all. malloc hands out 64 static buffers of 2 KiB in turn and
// free does nothing, so a block is overwritten 64 allocations later: fine for
// the single-threaded Mixed worker, which writes only a block's first byte and
// keeps fewer than 64 other objects alive; wrong for anything else (threads
// included). Larger requests come from the arena and are never freed.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>

#include "benchmarks/workload_floor/arena.h"

namespace {

using hakmem::bench::workload_floor::CarveBlock;
using hakmem::bench::workload_floor::HeaderOf;
using hakmem::bench::workload_floor::kUntracked;

constexpr size_t kBufferBytes = 2048;
constexpr unsigned kBuffers = 64;  // a power of two: the turn is a mask
// One cache line more than a buffer, so that the buffers' first lines fall
// into different L1 sets.
constexpr size_t kBufferStride = kBufferBytes + 64;

alignas(64) char g_buffers[kBuffers][kBufferStride];
unsigned g_turn;

bool IsBuffer(const void* block) {
  const char* p = static_cast<const char*>(block);
  return p >= g_buffers[0] && p < g_buffers[kBuffers];
}

}  // namespace

size_t hakmem::bench::workload_floor::UsableSize(void* block) {
  return IsBuffer(block) ? kBufferBytes : HeaderOf(block)->usable;
}

extern "C" {

void* malloc(size_t size) noexcept {
  if (__builtin_expect(size <= kBufferBytes, 1)) return g_buffers[g_turn++ & (kBuffers - 1)];
  return CarveBlock(size, 16, kUntracked);
}

void free(void*) noexcept {}

}  // extern "C"
