// Environment gates: the HAKMEM_* runtime switches, read once at
// initialisation without allocating (straight from `environ`). An unknown or
// malformed value gets one warning line on stderr and the default. Every gate
// has an "off" position. docs/OPTIONS.md lists them.
#ifndef HAKMEM_BOXES_ENV_GATES_ENV_GATES_H_
#define HAKMEM_BOXES_ENV_GATES_ENV_GATES_H_

#include <cstddef>
#include <cstdint>

#include "boxes/os_memory/os_memory.h"

namespace hakmem {

enum class OnCorruption { kAbort, kWarn };

struct Gates {
  bool verbose;                 // HAKMEM_VERBOSE: print the resolved configuration
  bool stats_at_exit;           // HAKMEM_STATS: print counters at exit (OBSERVE)
  bool prewarm;                 // HAKMEM_PREWARM: pre-fault a slab per hot class
  bool mem_lean;                // HAKMEM_SS_MEM_LEAN: release memory above the target
  uint64_t mem_lean_target_mb;  // HAKMEM_SS_MEM_LEAN_TARGET_MB
  Decommit lean_decommit;       // HAKMEM_SS_MEM_LEAN_DECOMMIT: OFF (unmap) | DONTNEED | FREE
  uint64_t superslab_cache;     // HAKMEM_SS_CACHE: empty superslabs kept mapped
  uint64_t large_cache_mb;      // HAKMEM_LARGE_CACHE_MB: freed large spans kept mapped
  uint64_t large_cache_decay_ms;  // HAKMEM_LARGE_CACHE_DECAY_MS: how long one stays unused (0: no limit)
  bool purge_batched;           // HAKMEM_PURGE_BATCHED: give pages back in one call per batch
  OnCorruption on_corruption;   // HAKMEM_ON_CORRUPTION: abort | warn
};

// Defaults for the compiled profile.
Gates DefaultGates();

// Parses `env` (a NULL-terminated environ-style array) into gates, writing
// warnings to `warn_fd` (-1: none). Pure apart from the warnings: testable.
Gates ParseGates(const char* const* env, int warn_fd);

// The process's gates, parsed on first use. Safe before main and inside malloc.
const Gates& GlobalGates();

// Writes the resolved configuration (profile, every gate, its value and source).
void PrintGates(const Gates& gates, const char* const* env, int fd);

// Writes a NUL-terminated string with write(2) (no stdio: it may allocate).
void WriteString(int fd, const char* s);
// Formats an unsigned number into buf (at least 21 bytes); returns buf.
char* FormatUnsigned(uint64_t value, char* buf);
// Formats "0x..." into buf (at least 19 bytes); returns buf.
char* FormatHex(uint64_t value, char* buf);

}  // namespace hakmem

#endif  // HAKMEM_BOXES_ENV_GATES_ENV_GATES_H_
