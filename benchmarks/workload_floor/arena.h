// Memory for the workload-floor allocators (see README.md there): one large
// reservation carved by an atomic bump pointer and never given back. Every
// block has a 16-byte header in front of it with its usable size and a tag the
// allocator chooses (its size class, or kUntracked).
//
// These allocators exist to measure the Mixed workload itself, not to be used:
// no checks, no reuse beyond what each one says, no memory returned.
#ifndef HAKMEM_BENCHMARKS_WORKLOAD_FLOOR_ARENA_H_
#define HAKMEM_BENCHMARKS_WORKLOAD_FLOOR_ARENA_H_

#include <cstddef>
#include <cstdint>

// Internal to each floor library: only the malloc family is exported.
#pragma GCC visibility push(hidden)
namespace hakmem::bench::workload_floor {

struct BlockHeader {
  uint64_t usable;
  uint64_t tag;
};
static_assert(sizeof(BlockHeader) == 16, "blocks stay 16-byte aligned");

// Tag of blocks that no free list takes back (aligned or large ones).
inline constexpr uint64_t kUntracked = ~uint64_t{0};

inline BlockHeader* HeaderOf(void* block) { return static_cast<BlockHeader*>(block) - 1; }

// Usable bytes of a block this allocator handed out (each allocator defines
// it: the header, or what it knows about blocks without one).
size_t UsableSize(void* block);

// A new block of `usable` bytes aligned to `alignment` (a power of two, at
// least 16), with its header written. Aborts with a message when the
// reservation is used up: these allocators only serve benchmark runs.
void* CarveBlock(size_t usable, size_t alignment, uint64_t tag);

}  // namespace hakmem::bench::workload_floor
#pragma GCC visibility pop

#endif  // HAKMEM_BENCHMARKS_WORKLOAD_FLOOR_ARENA_H_
