#include "boxes/env_gates/env_gates.h"

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <sched.h>

#include <atomic>
#include <cstring>

#include "boxes/os_memory/os_memory.h"
#include "profiles/profile.h"

extern char** environ;

namespace hakmem {
namespace {

enum class Kind { kBool, kNumber, kDecommit, kOnCorruption };

// One gate: its name, how its text is read, and (for on/off and number gates)
// the Gates field it sets, so parsing and printing share one table.
struct GateSpec {
  const char* name;
  Kind kind;
  uint64_t min;
  uint64_t max;
  bool Gates::*flag = nullptr;        // Kind::kBool
  uint64_t Gates::*number = nullptr;  // Kind::kNumber
};

constexpr GateSpec kSpecs[] = {
    {"HAKMEM_VERBOSE", Kind::kBool, 0, 1, &Gates::verbose},
    {"HAKMEM_STATS", Kind::kBool, 0, 1, &Gates::stats_at_exit},
    {"HAKMEM_PREWARM", Kind::kBool, 0, 1, &Gates::prewarm},
    {"HAKMEM_SS_MEM_LEAN", Kind::kBool, 0, 1, &Gates::mem_lean},
    {"HAKMEM_SS_MEM_LEAN_TARGET_MB", Kind::kNumber, 0, 1u << 20, nullptr, &Gates::mem_lean_target_mb},
    {"HAKMEM_SS_MEM_LEAN_DECOMMIT", Kind::kDecommit, 0, 0},
    {"HAKMEM_SS_CACHE", Kind::kNumber, 0, 1024, nullptr, &Gates::superslab_cache},
    {"HAKMEM_LARGE_CACHE_MB", Kind::kNumber, 0, 1u << 20, nullptr, &Gates::large_cache_mb},
    {"HAKMEM_LARGE_CACHE_DECAY_MS", Kind::kNumber, 0, 86400000, nullptr, &Gates::large_cache_decay_ms},
    {"HAKMEM_PURGE_BATCHED", Kind::kBool, 0, 1, &Gates::purge_batched},
    {"HAKMEM_ON_CORRUPTION", Kind::kOnCorruption, 0, 0},
};
constexpr size_t kNumSpecs = sizeof(kSpecs) / sizeof(kSpecs[0]);

// The value of `name` in env, or nullptr.
const char* Lookup(const char* const* env, const char* name) {
  const size_t len = strlen(name);
  for (; env != nullptr && *env != nullptr; ++env) {
    if (strncmp(*env, name, len) == 0 && (*env)[len] == '=') return *env + len + 1;
  }
  return nullptr;
}

bool ParseNumber(const char* s, uint64_t* out) {
  if (*s == '\0') return false;
  uint64_t v = 0;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(*s - '0');
  }
  *out = v;
  return true;
}

bool EqualsIgnoreCase(const char* a, const char* b) { return strcasecmp(a, b) == 0; }

bool ParseBool(const char* s, bool* out) {
  if (strcmp(s, "1") == 0 || EqualsIgnoreCase(s, "on") || EqualsIgnoreCase(s, "true")) {
    *out = true;
    return true;
  }
  if (strcmp(s, "0") == 0 || EqualsIgnoreCase(s, "off") || EqualsIgnoreCase(s, "false")) {
    *out = false;
    return true;
  }
  return false;
}

void Warn(int fd, const char* name, const char* value, const char* expected) {
  if (fd < 0) return;
  WriteString(fd, "hakmem: warning: ignoring ");
  WriteString(fd, name);
  WriteString(fd, "='");
  WriteString(fd, value);
  WriteString(fd, "' (expected ");
  WriteString(fd, expected);
  WriteString(fd, "); using the default\n");
}

// Applies one gate's text to `gates`; false when malformed.
bool Apply(const GateSpec& spec, const char* value, Gates* gates) {
  switch (spec.kind) {
    case Kind::kBool:
      return ParseBool(value, &(gates->*spec.flag));
    case Kind::kNumber: {
      uint64_t n;
      if (!ParseNumber(value, &n) || n < spec.min || n > spec.max) return false;
      gates->*spec.number = n;
      return true;
    }
    case Kind::kDecommit:
      if (EqualsIgnoreCase(value, "OFF")) {
        gates->lean_decommit = Decommit::kNone;
      } else if (EqualsIgnoreCase(value, "DONTNEED")) {
        gates->lean_decommit = Decommit::kDontNeed;
      } else if (EqualsIgnoreCase(value, "FREE")) {
        gates->lean_decommit = Decommit::kFree;
      } else {
        return false;
      }
      return true;
    case Kind::kOnCorruption:
      if (EqualsIgnoreCase(value, "abort")) {
        gates->on_corruption = OnCorruption::kAbort;
      } else if (EqualsIgnoreCase(value, "warn")) {
        gates->on_corruption = OnCorruption::kWarn;
      } else {
        return false;
      }
      return true;
  }
  return false;
}

const char* Expected(const GateSpec& spec) {
  switch (spec.kind) {
    case Kind::kBool: return "0 or 1";
    case Kind::kNumber: return "a whole number in range";
    case Kind::kDecommit: return "OFF, DONTNEED or FREE";
    case Kind::kOnCorruption: return "abort or warn";
  }
  return "";
}

// Gates whose box a build setting removed (see profiles/BUILD.bazel).
bool IsCompiledOut(const char* name) {
  if (strcmp(name, "HAKMEM_STATS") == 0) return !HAKMEM_STATS_ENABLED;
  if (strcmp(name, "HAKMEM_PREWARM") == 0) return !HAKMEM_PREWARM_ENABLED;
  if (strncmp(name, "HAKMEM_SS_MEM_LEAN", 18) == 0) return !HAKMEM_MEM_LEAN_ENABLED;
  return false;
}

bool IsKnownName(const char* entry) {
  for (const GateSpec& spec : kSpecs) {
    const size_t len = strlen(spec.name);
    if (strncmp(entry, spec.name, len) == 0 && entry[len] == '=') return true;
  }
  return false;
}

// The environment when `environ` is not set up yet (a malloc from the dynamic
// loader or from a static binary's early start-up): /proc/self/environ, read
// into static storage because nothing may be allocated here (HAKMEM_LARGE_BSS:
// a program whose `environ` is set up never writes these pages).
const char* const* EnvironmentFromProc() {
  HAKMEM_LARGE_BSS static char buffer[64 * 1024];
  HAKMEM_LARGE_BSS static const char* entries[1024];
  const int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  size_t len = 0;
  while (len < sizeof(buffer) - 1) {
    const ssize_t n = read(fd, buffer + len, sizeof(buffer) - 1 - len);
    if (n <= 0) break;
    len += static_cast<size_t>(n);
  }
  close(fd);
  buffer[len] = '\0';
  size_t count = 0;
  for (size_t i = 0; i < len && count < sizeof(entries) / sizeof(entries[0]) - 1;) {
    entries[count++] = buffer + i;
    i += strlen(buffer + i) + 1;
  }
  entries[count] = nullptr;
  return entries;
}

const char* const* ProcessEnvironment() {
  return environ != nullptr ? environ : EnvironmentFromProc();
}

}  // namespace

Gates DefaultGates() {
  Gates g{};
  g.verbose = false;
  g.stats_at_exit = false;
  g.prewarm = kProfile != Profile::kBalanced;
  g.mem_lean = kProfile == Profile::kBalanced;
  g.mem_lean_target_mb = 10;
  g.lean_decommit = Decommit::kNone;
  g.superslab_cache = kProfile == Profile::kBalanced ? 1 : 8;
  g.large_cache_mb = kProfile == Profile::kBalanced ? 8 : 256;
  g.large_cache_decay_ms = 100;
  g.purge_batched = true;
  g.on_corruption = OnCorruption::kAbort;
  return g;
}

Gates ParseGates(const char* const* env, int warn_fd) {
  Gates gates = DefaultGates();
  for (const GateSpec& spec : kSpecs) {
    const char* value = Lookup(env, spec.name);
    if (value != nullptr && !Apply(spec, value, &gates)) Warn(warn_fd, spec.name, value, Expected(spec));
  }
  for (const char* const* e = env; e != nullptr && *e != nullptr; ++e) {
    if (strncmp(*e, "HAKMEM_", 7) == 0 && !IsKnownName(*e) && warn_fd >= 0) {
      WriteString(warn_fd, "hakmem: warning: unknown variable ");
      const char* eq = strchr(*e, '=');
      if (eq != nullptr) {
        (void)!write(warn_fd, *e, static_cast<size_t>(eq - *e));
      } else {
        WriteString(warn_fd, *e);
      }
      WriteString(warn_fd, " ignored (see docs/OPTIONS.md)\n");
    }
  }
  return gates;
}

const Gates& GlobalGates() {
  // Parsed once, by the first caller; callers racing with it wait until it is done.
  static Gates gates;
  static std::atomic<int> state{0};  // 0 = unparsed, 1 = parsing, 2 = ready
  if (state.load(std::memory_order_acquire) == 2) return gates;
  int expected = 0;
  if (state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    const char* const* env = ProcessEnvironment();
    gates = ParseGates(env, STDERR_FILENO);
    state.store(2, std::memory_order_release);
    if (gates.verbose) PrintGates(gates, env, STDERR_FILENO);
  } else {
    while (state.load(std::memory_order_acquire) != 2) sched_yield();
  }
  return gates;
}

void PrintGates(const Gates& gates, const char* const* env, int fd) {
  char num[24];
  WriteString(fd, "hakmem: profile ");
  WriteString(fd, kProfileName);
  WriteString(fd, "\n");
  for (const GateSpec& spec : kSpecs) {
    const char* text = Lookup(env, spec.name);
    Gates probe = DefaultGates();
    const bool valid = text != nullptr && Apply(spec, text, &probe);
    const char* source = text == nullptr ? "default" : valid ? "environment" : "default (invalid value)";
    const char* name = spec.name;
    const char* value = "";
    switch (spec.kind) {
      case Kind::kBool:
        value = gates.*spec.flag ? "1" : "0";
        break;
      case Kind::kNumber:
        value = FormatUnsigned(gates.*spec.number, num);
        break;
      case Kind::kDecommit:
        value = gates.lean_decommit == Decommit::kNone       ? "OFF"
                : gates.lean_decommit == Decommit::kDontNeed ? "DONTNEED"
                                                             : "FREE";
        break;
      case Kind::kOnCorruption:
        value = gates.on_corruption == OnCorruption::kAbort ? "abort" : "warn";
        break;
    }
    WriteString(fd, "hakmem:   ");
    WriteString(fd, name);
    WriteString(fd, "=");
    WriteString(fd, value);
    WriteString(fd, " (");
    WriteString(fd, source);
    WriteString(fd, IsCompiledOut(name) ? ") [box compiled out of this build: no effect]\n" : ")\n");
  }
}

void WriteString(int fd, const char* s) {
  size_t len = strlen(s);
  while (len > 0) {
    const ssize_t n = write(fd, s, len);
    if (n <= 0) return;
    s += n;
    len -= static_cast<size_t>(n);
  }
}

char* FormatUnsigned(uint64_t value, char* buf) {
  char tmp[21];
  int i = 0;
  do {
    tmp[i++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int j = 0; j < i; ++j) buf[j] = tmp[i - 1 - j];
  buf[i] = '\0';
  return buf;
}

char* FormatHex(uint64_t value, char* buf) {
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[value & 15];
    value >>= 4;
  } while (value != 0);
  buf[0] = '0';
  buf[1] = 'x';
  for (int i = 0; i < n; ++i) buf[2 + i] = tmp[n - 1 - i];
  buf[2 + n] = '\0';
  return buf;
}

}  // namespace hakmem
