#include "boxes/mem_lean/mem_lean.h"

#include <atomic>

#include "boxes/env_gates/env_gates.h"
#include "boxes/os_memory/os_memory.h"

namespace hakmem {
namespace {
std::atomic<size_t> g_decommitted_bytes{0};
}  // namespace

void LeanNoteDecommitted(size_t bytes) { g_decommitted_bytes.fetch_add(bytes, std::memory_order_relaxed); }
void LeanNoteRecommitted(size_t bytes) { g_decommitted_bytes.fetch_sub(bytes, std::memory_order_relaxed); }

size_t LeanResidentEstimate() {
  const size_t mapped = OsMappedBytes();
  const size_t decommitted = g_decommitted_bytes.load(std::memory_order_relaxed);
  return mapped > decommitted ? mapped - decommitted : 0;
}

bool LeanOverTarget() {
  const Gates& g = GlobalGates();
  return g.mem_lean && LeanResidentEstimate() > (g.mem_lean_target_mb << 20);
}

}  // namespace hakmem
