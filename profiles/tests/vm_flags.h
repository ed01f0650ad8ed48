// The kernel's flags for the mapping that holds an address, as
// /proc/self/smaps lists them ("VmFlags: rd wr mr mw me ac nh"): what a test
// reads to see which madvise advice a mapping carries ("nh": no huge pages).
#ifndef HAKMEM_PROFILES_TESTS_VM_FLAGS_H_
#define HAKMEM_PROFILES_TESTS_VM_FLAGS_H_

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace hakmem_test {

// The flags of the mapping holding `addr`, each followed by a space (" nh "
// finds one flag); "" when no mapping holds it or smaps cannot be read.
inline std::string VmFlagsOf(const void* addr) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(addr);
  FILE* f = std::fopen("/proc/self/smaps", "r");
  if (f == nullptr) return "";
  char line[512];
  bool inside = false;
  std::string flags;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    uintptr_t begin = 0;
    uintptr_t end = 0;
    // A mapping's first line starts "begin-end" in hex; its fields, "Name:".
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &begin, &end) == 2) {
      inside = begin <= a && a < end;
      continue;
    }
    if (inside && std::strncmp(line, "VmFlags:", 8) == 0) {
      flags = std::string(line + 8);
      for (char& c : flags) {
        if (c == '\n') c = ' ';
      }
      flags = " " + flags;
      break;
    }
  }
  std::fclose(f);
  return flags;
}

}  // namespace hakmem_test

#endif  // HAKMEM_PROFILES_TESTS_VM_FLAGS_H_
