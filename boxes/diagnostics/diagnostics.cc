#include "boxes/diagnostics/diagnostics.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>

#include "boxes/env_gates/env_gates.h"

namespace hakmem {
namespace {

void Report(const char* call, const char* what, const void* p) {
  char hex[24];
  WriteString(STDERR_FILENO, "hakmem: ");
  WriteString(STDERR_FILENO, call);
  WriteString(STDERR_FILENO, "(): ");
  WriteString(STDERR_FILENO, what);
  WriteString(STDERR_FILENO, " ");
  WriteString(STDERR_FILENO, FormatHex(reinterpret_cast<uintptr_t>(p), hex));
  if (GlobalGates().on_corruption == OnCorruption::kWarn) {
    WriteString(STDERR_FILENO, " (left alone: HAKMEM_ON_CORRUPTION=warn)\n");
    return;
  }
  WriteString(STDERR_FILENO, "\n");
  abort();
}

}  // namespace

void ReportInvalidPointer(const char* call, const void* p) { Report(call, "invalid pointer", p); }
void ReportDoubleFree(const char* call, const void* p) { Report(call, "double free of", p); }
void ReportCorruptedFreeList(const void* block) {
  Report("malloc", "free list corrupted (a freed block was written to) at", block);
}

}  // namespace hakmem
