// The rest of the malloc family for the workload-floor allocators, on top of
// the malloc and free that each of them defines and the arena's headers.
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "benchmarks/workload_floor/arena.h"

namespace {

using hakmem::bench::workload_floor::CarveBlock;
using hakmem::bench::workload_floor::kUntracked;
using hakmem::bench::workload_floor::UsableSize;

bool IsPowerOfTwo(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

void* Aligned(size_t alignment, size_t size) {
  return CarveBlock(size, alignment < 16 ? 16 : alignment, kUntracked);
}

}  // namespace

extern "C" {

void* calloc(size_t count, size_t size) noexcept {
  size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  void* block = malloc(bytes);
  memset(block, 0, bytes);  // a reused block is not zero
  return block;
}

void* realloc(void* old, size_t size) noexcept {
  if (old == nullptr) return malloc(size);
  const size_t usable = UsableSize(old);
  if (size <= usable) return old;
  void* block = malloc(size);
  memcpy(block, old, usable);
  free(old);
  return block;
}

int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (!IsPowerOfTwo(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  *out = Aligned(alignment, size);
  return 0;
}

void* aligned_alloc(size_t alignment, size_t size) noexcept {
  if (!IsPowerOfTwo(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  return Aligned(alignment, size);
}

void* memalign(size_t alignment, size_t size) noexcept {
  size_t rounded = 16;
  while (rounded < alignment) rounded <<= 1;
  return Aligned(rounded, size);
}

void* valloc(size_t size) noexcept { return Aligned(static_cast<size_t>(getpagesize()), size); }

void* pvalloc(size_t size) noexcept {
  const size_t page = static_cast<size_t>(getpagesize());
  return Aligned(page, (size + page - 1) / page * page);
}

size_t malloc_usable_size(void* block) noexcept { return block == nullptr ? 0 : UsableSize(block); }

}  // extern "C"
