#include "boxes/mem_lean/mem_lean.h"

#include <atomic>

#include "boxes/env_gates/env_gates.h"
#include "boxes/os_memory/os_memory.h"

namespace hakmem {
namespace {
std::atomic<size_t> g_decommitted_bytes{0};
std::atomic<size_t> g_large_mapped_bytes{0};
}  // namespace

void LeanNoteDecommitted(size_t bytes) { g_decommitted_bytes.fetch_add(bytes, std::memory_order_relaxed); }
void LeanNoteRecommitted(size_t bytes) { g_decommitted_bytes.fetch_sub(bytes, std::memory_order_relaxed); }

void LeanNoteLargeMapped(size_t bytes) { g_large_mapped_bytes.fetch_add(bytes, std::memory_order_relaxed); }
void LeanNoteLargeUnmapped(size_t bytes) { g_large_mapped_bytes.fetch_sub(bytes, std::memory_order_relaxed); }

size_t LeanResidentEstimate() {
  const size_t mapped = OsMappedBytes();
  const size_t left_out =
      g_decommitted_bytes.load(std::memory_order_relaxed) + g_large_mapped_bytes.load(std::memory_order_relaxed);
  return mapped > left_out ? mapped - left_out : 0;
}

bool LeanOverTarget() {
  const Gates& g = GlobalGates();
  // A target of 0 is always exceeded, even by a program with no memory left
  // out of the estimate.
  return g.mem_lean && (g.mem_lean_target_mb == 0 || LeanResidentEstimate() > (g.mem_lean_target_mb << 20));
}

}  // namespace hakmem
