// What hakmem prints when it refuses a pointer, as patterns for death tests
// and lines for the warn-mode checks:
//   hakmem: <call>(): invalid pointer 0x<hex>
//   hakmem: <call>(): double free of 0x<hex>
// followed by " (left alone: HAKMEM_ON_CORRUPTION=warn)" in warn mode.
#ifndef HAKMEM_ALLOCATOR_TESTS_RELIABILITY_DIAGNOSTICS_H_
#define HAKMEM_ALLOCATOR_TESTS_RELIABILITY_DIAGNOSTICS_H_

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hakmem_reliability {

inline constexpr const char kWarnSuffix[] = " (left alone: HAKMEM_ON_CORRUPTION=warn)";

// The address as hakmem writes it: 0x, lowercase hex, no leading zeros.
inline std::string Hex(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIxPTR, reinterpret_cast<uintptr_t>(p));
  return buf;
}

// The diagnostic line (without the warn suffix).
inline std::string InvalidPointerLine(const std::string& call, const void* p) {
  return "hakmem: " + call + "(): invalid pointer " + Hex(p);
}
inline std::string DoubleFreeLine(const std::string& call, const void* p) {
  return "hakmem: " + call + "(): double free of " + Hex(p);
}

// A death-test regex matching `line` literally, ended where the address ends
// (so that 0x10 does not match 0x100). Only '(' and ')' need escaping: the
// rest of a diagnostic is letters, digits, ':' and spaces.
inline std::string LiteralRegex(const std::string& line) {
  std::string re;
  for (char c : line) {
    if (c == '(' || c == ')') re += '\\';
    re += c;
  }
  return re + "[^0-9a-f]";
}

}  // namespace hakmem_reliability

#endif  // HAKMEM_ALLOCATOR_TESTS_RELIABILITY_DIAGNOSTICS_H_
