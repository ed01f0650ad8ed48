#include "benchmarks/workload_floor/arena.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace hakmem::bench::workload_floor {
namespace {

// Address space only (MAP_NORESERVE): pages cost memory once touched.
constexpr size_t kReservationBytes = size_t{64} << 30;

std::atomic<uintptr_t> g_next{0};
std::atomic<uintptr_t> g_end{0};

[[noreturn]] void Die(const char* message) {
  // No stdio: it would allocate through the allocator being set up.
  const ssize_t ignored = write(STDERR_FILENO, message, __builtin_strlen(message));
  (void)ignored;
  std::abort();
}

// Maps the reservation the first time any thread needs memory; a thread that
// loses the race unmaps its own.
void Reserve() {
  void* memory = mmap(nullptr, kReservationBytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) Die("workload_floor: cannot reserve address space\n");
  const uintptr_t start = reinterpret_cast<uintptr_t>(memory);
  uintptr_t expected = 0;
  if (g_next.compare_exchange_strong(expected, start)) {
    g_end.store(start + kReservationBytes, std::memory_order_release);
  } else {
    munmap(memory, kReservationBytes);
  }
}

}  // namespace

void* CarveBlock(size_t usable, size_t alignment, uint64_t tag) {
  if (g_next.load(std::memory_order_acquire) == 0) Reserve();
  while (g_end.load(std::memory_order_acquire) == 0) {
  }  // the winner of Reserve() is storing the end
  if (usable > kReservationBytes || alignment > kReservationBytes) Die("workload_floor: request too large\n");
  const size_t span = (usable + 15) / 16 * 16 + alignment + sizeof(BlockHeader);
  const uintptr_t start = g_next.fetch_add(span, std::memory_order_relaxed);
  if (start + span > g_end.load(std::memory_order_relaxed)) Die("workload_floor: reservation used up\n");
  const uintptr_t block = (start + sizeof(BlockHeader) + alignment - 1) & ~(uintptr_t{alignment} - 1);
  BlockHeader* header = HeaderOf(reinterpret_cast<void*>(block));
  header->usable = usable;
  header->tag = tag;
  return reinterpret_cast<void*>(block);
}

}  // namespace hakmem::bench::workload_floor
