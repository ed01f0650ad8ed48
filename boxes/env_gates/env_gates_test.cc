// ParseGates on synthetic environments: every gate parsed in each accepted
// form, applied to its Gates field, reversed by its off position; malformed
// and unknown variables warned about on exactly one line; PrintGates lists
// every gate with its value and source. Defaults follow hakmem::kProfile, so
// the test holds under --config=fast|balanced|observe.
#include "boxes/env_gates/env_gates.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "profiles/profile.h"

namespace hakmem {
namespace {

// Every gate the allocator reads; docs/OPTIONS.md lists the same set.
const std::vector<std::string> kAllGateNames = {
    "HAKMEM_VERBOSE",     "HAKMEM_STATS",          "HAKMEM_PREWARM",
    "HAKMEM_SS_MEM_LEAN", "HAKMEM_SS_MEM_LEAN_TARGET_MB", "HAKMEM_SS_MEM_LEAN_DECOMMIT",
    "HAKMEM_SS_CACHE",    "HAKMEM_LARGE_CACHE_MB", "HAKMEM_LARGE_CACHE_DECAY_MS",
    "HAKMEM_PURGE_BATCHED", "HAKMEM_ON_CORRUPTION",
};

struct BoolGate {
  const char* name;
  bool Gates::*field;
};
const BoolGate kBoolGates[] = {
    {"HAKMEM_VERBOSE", &Gates::verbose},
    {"HAKMEM_STATS", &Gates::stats_at_exit},
    {"HAKMEM_PREWARM", &Gates::prewarm},
    {"HAKMEM_SS_MEM_LEAN", &Gates::mem_lean},
    {"HAKMEM_PURGE_BATCHED", &Gates::purge_batched},
};

struct NumberGate {
  const char* name;
  uint64_t Gates::*field;
  uint64_t max;
};
const NumberGate kNumberGates[] = {
    {"HAKMEM_SS_MEM_LEAN_TARGET_MB", &Gates::mem_lean_target_mb, uint64_t{1} << 20},
    {"HAKMEM_SS_CACHE", &Gates::superslab_cache, 1024},
    {"HAKMEM_LARGE_CACHE_MB", &Gates::large_cache_mb, uint64_t{1} << 20},
    {"HAKMEM_LARGE_CACHE_DECAY_MS", &Gates::large_cache_decay_ms, 86400000},
};

const char* DecommitName(Decommit d) {
  switch (d) {
    case Decommit::kNone: return "OFF";
    case Decommit::kDontNeed: return "DONTNEED";
    case Decommit::kFree: return "FREE";
  }
  return "?";
}

// All fields, so that a mismatch names the field.
std::string Describe(const Gates& g) {
  return "verbose=" + std::to_string(g.verbose) + " stats_at_exit=" + std::to_string(g.stats_at_exit) +
         " prewarm=" + std::to_string(g.prewarm) + " mem_lean=" + std::to_string(g.mem_lean) +
         " mem_lean_target_mb=" + std::to_string(g.mem_lean_target_mb) +
         " lean_decommit=" + DecommitName(g.lean_decommit) +
         " superslab_cache=" + std::to_string(g.superslab_cache) +
         " large_cache_mb=" + std::to_string(g.large_cache_mb) +
         " large_cache_decay_ms=" + std::to_string(g.large_cache_decay_ms) +
         " purge_batched=" + std::to_string(g.purge_batched) +
         " on_corruption=" + (g.on_corruption == OnCorruption::kAbort ? "abort" : "warn");
}

// Reads everything written to a pipe's write end by `write_fn(fd)`.
template <typename Fn>
std::string Capture(Fn write_fn) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  // Non-blocking read end: drained after the writer is done (output is small).
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  write_fn(fds[1]);
  close(fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  return text;
}

struct Parsed {
  Gates gates;
  std::string warnings;
};

Parsed Parse(const std::vector<std::string>& env) {
  std::vector<const char*> envp;
  for (const std::string& e : env) envp.push_back(e.c_str());
  envp.push_back(nullptr);
  Parsed p{};
  p.warnings = Capture([&](int fd) { p.gates = ParseGates(envp.data(), fd); });
  return p;
}

std::string PrintFor(const std::vector<std::string>& env) {
  std::vector<const char*> envp;
  for (const std::string& e : env) envp.push_back(e.c_str());
  envp.push_back(nullptr);
  const Gates gates = ParseGates(envp.data(), -1);
  return Capture([&](int fd) { PrintGates(gates, envp.data(), fd); });
}

size_t LineCount(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// ---- defaults ---------------------------------------------------------------

TEST(EnvGatesTest, DefaultsFollowTheCompiledProfile) {
  const Gates g = DefaultGates();
  const bool balanced = kProfile == Profile::kBalanced;
  EXPECT_FALSE(g.verbose);
  EXPECT_FALSE(g.stats_at_exit);
  // FAST and OBSERVE prewarm; BALANCED is memory-lean and suppresses prewarm.
  EXPECT_EQ(g.prewarm, !balanced) << kProfileName;
  EXPECT_EQ(g.mem_lean, balanced) << kProfileName;
  EXPECT_EQ(g.mem_lean_target_mb, 10u);
  EXPECT_EQ(g.lean_decommit, Decommit::kNone);
  EXPECT_EQ(g.superslab_cache, balanced ? 1u : 8u);
  EXPECT_EQ(g.large_cache_mb, balanced ? 8u : 256u);
  EXPECT_EQ(g.large_cache_decay_ms, 100u);
  EXPECT_EQ(g.on_corruption, OnCorruption::kAbort);
}

TEST(EnvGatesTest, EmptyOrMissingEnvironmentGivesTheDefaultsSilently) {
  const Parsed empty = Parse({});
  EXPECT_EQ(Describe(empty.gates), Describe(DefaultGates()));
  EXPECT_EQ(empty.warnings, "");
  std::string warnings = Capture([](int fd) {
    EXPECT_EQ(Describe(ParseGates(nullptr, fd)), Describe(DefaultGates()));
  });
  EXPECT_EQ(warnings, "");
}

TEST(EnvGatesTest, OtherVariablesAreIgnoredSilently) {
  const Parsed p = Parse({"PATH=/bin", "HOME=/root", "XHAKMEM_PREWARM=0", "hakmem_prewarm=0", "HAKMEM=1"});
  EXPECT_EQ(Describe(p.gates), Describe(DefaultGates()));
  EXPECT_EQ(p.warnings, "");
}

// ---- parsed and applied -------------------------------------------------------

TEST(EnvGatesTest, BoolGatesAcceptEveryOnAndOffSpelling) {
  for (const BoolGate& gate : kBoolGates) {
    for (const char* on : {"1", "on", "ON", "On", "true", "TRUE", "True"}) {
      const Parsed p = Parse({std::string(gate.name) + "=" + on});
      EXPECT_TRUE(p.gates.*gate.field) << gate.name << "=" << on;
      EXPECT_EQ(p.warnings, "") << gate.name << "=" << on;
    }
    for (const char* off : {"0", "off", "OFF", "Off", "false", "FALSE", "False"}) {
      const Parsed p = Parse({std::string(gate.name) + "=" + off});
      EXPECT_FALSE(p.gates.*gate.field) << gate.name << "=" << off;
      EXPECT_EQ(p.warnings, "") << gate.name << "=" << off;
    }
  }
}

TEST(EnvGatesTest, BoolGateChangesOnlyItsOwnField) {
  for (const BoolGate& gate : kBoolGates) {
    Gates expected = DefaultGates();
    expected.*gate.field = !(expected.*gate.field);
    const std::string value = expected.*gate.field ? "1" : "0";
    EXPECT_EQ(Describe(Parse({std::string(gate.name) + "=" + value}).gates), Describe(expected)) << gate.name;
  }
}

TEST(EnvGatesTest, NumberGatesAcceptTheirWholeRange) {
  for (const NumberGate& gate : kNumberGates) {
    for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{7}, uint64_t{1000}, gate.max}) {
      if (v > gate.max) continue;
      Gates expected = DefaultGates();
      expected.*gate.field = v;
      const Parsed p = Parse({std::string(gate.name) + "=" + std::to_string(v)});
      EXPECT_EQ(Describe(p.gates), Describe(expected)) << gate.name << "=" << v;
      EXPECT_EQ(p.warnings, "") << gate.name << "=" << v;
    }
    // Leading zeros are still a whole number.
    EXPECT_EQ(Parse({std::string(gate.name) + "=007"}).gates.*gate.field, 7u) << gate.name;
  }
}

TEST(EnvGatesTest, DecommitAcceptsItsThreeModesInAnyCase) {
  const struct {
    const char* text;
    Decommit mode;
  } cases[] = {
      {"OFF", Decommit::kNone},       {"off", Decommit::kNone},      {"DONTNEED", Decommit::kDontNeed},
      {"dontneed", Decommit::kDontNeed}, {"FREE", Decommit::kFree}, {"Free", Decommit::kFree},
  };
  for (const auto& c : cases) {
    Gates expected = DefaultGates();
    expected.lean_decommit = c.mode;
    const Parsed p = Parse({std::string("HAKMEM_SS_MEM_LEAN_DECOMMIT=") + c.text});
    EXPECT_EQ(Describe(p.gates), Describe(expected)) << c.text;
    EXPECT_EQ(p.warnings, "") << c.text;
  }
}

TEST(EnvGatesTest, OnCorruptionAcceptsAbortAndWarn) {
  EXPECT_EQ(Parse({"HAKMEM_ON_CORRUPTION=warn"}).gates.on_corruption, OnCorruption::kWarn);
  EXPECT_EQ(Parse({"HAKMEM_ON_CORRUPTION=WARN"}).gates.on_corruption, OnCorruption::kWarn);
  EXPECT_EQ(Parse({"HAKMEM_ON_CORRUPTION=abort"}).gates.on_corruption, OnCorruption::kAbort);
  EXPECT_EQ(Parse({"HAKMEM_ON_CORRUPTION=Abort"}).gates.on_corruption, OnCorruption::kAbort);
  Gates expected = DefaultGates();
  expected.on_corruption = OnCorruption::kWarn;
  const Parsed p = Parse({"HAKMEM_ON_CORRUPTION=warn"});
  EXPECT_EQ(Describe(p.gates), Describe(expected));
  EXPECT_EQ(p.warnings, "");
}

TEST(EnvGatesTest, AllGatesTogether) {
  const Parsed p = Parse({
      "HAKMEM_VERBOSE=1",
      "HAKMEM_STATS=1",
      "HAKMEM_PREWARM=0",
      "HAKMEM_SS_MEM_LEAN=1",
      "HAKMEM_SS_MEM_LEAN_TARGET_MB=3",
      "HAKMEM_SS_MEM_LEAN_DECOMMIT=FREE",
      "HAKMEM_SS_CACHE=5",
      "HAKMEM_LARGE_CACHE_MB=6",
      "HAKMEM_LARGE_CACHE_DECAY_MS=7",
      "HAKMEM_PURGE_BATCHED=0",
      "HAKMEM_ON_CORRUPTION=warn",
  });
  EXPECT_EQ(p.warnings, "");
  EXPECT_TRUE(p.gates.verbose);
  EXPECT_TRUE(p.gates.stats_at_exit);
  EXPECT_FALSE(p.gates.prewarm);
  EXPECT_TRUE(p.gates.mem_lean);
  EXPECT_EQ(p.gates.mem_lean_target_mb, 3u);
  EXPECT_EQ(p.gates.lean_decommit, Decommit::kFree);
  EXPECT_EQ(p.gates.superslab_cache, 5u);
  EXPECT_EQ(p.gates.large_cache_mb, 6u);
  EXPECT_EQ(p.gates.large_cache_decay_ms, 7u);
  EXPECT_FALSE(p.gates.purge_batched);
  EXPECT_EQ(p.gates.on_corruption, OnCorruption::kWarn);
}

// A name that extends a gate's name is not that gate.
TEST(EnvGatesTest, GateNamesMatchExactly) {
  const Parsed p = Parse({"HAKMEM_SS_MEM_LEAN_TARGET_MB=99"});
  EXPECT_EQ(p.gates.mem_lean, DefaultGates().mem_lean);
  EXPECT_EQ(p.gates.mem_lean_target_mb, 99u);
  const Parsed extended = Parse({"HAKMEM_PREWARMX=0"});
  EXPECT_EQ(extended.gates.prewarm, DefaultGates().prewarm);
  EXPECT_EQ(LineCount(extended.warnings), 1u) << extended.warnings;
  EXPECT_NE(extended.warnings.find("HAKMEM_PREWARMX"), std::string::npos) << extended.warnings;
}

// As getenv(3): the first definition of a repeated variable counts.
TEST(EnvGatesTest, FirstDefinitionWins) {
  const Parsed p = Parse({"HAKMEM_SS_CACHE=3", "HAKMEM_SS_CACHE=4"});
  EXPECT_EQ(p.gates.superslab_cache, 3u);
}

// ---- reversed: every gate has an off position --------------------------------

TEST(EnvGatesTest, EveryGateHasAnOffPosition) {
  // Each gate first set away from "off", then back: the later parse must show
  // the feature off whatever the profile's default.
  const struct {
    const char* on;
    const char* off;
    bool (*is_off)(const Gates&);
  } cases[] = {
      {"HAKMEM_VERBOSE=1", "HAKMEM_VERBOSE=0", [](const Gates& g) { return !g.verbose; }},
      {"HAKMEM_STATS=1", "HAKMEM_STATS=0", [](const Gates& g) { return !g.stats_at_exit; }},
      {"HAKMEM_PREWARM=1", "HAKMEM_PREWARM=0", [](const Gates& g) { return !g.prewarm; }},
      {"HAKMEM_SS_MEM_LEAN=1", "HAKMEM_SS_MEM_LEAN=0", [](const Gates& g) { return !g.mem_lean; }},
      // The target only matters while lean mode is on; its off position is the
      // lean gate's (checked above). 0 is "always over target".
      {"HAKMEM_SS_MEM_LEAN_TARGET_MB=0", "HAKMEM_SS_MEM_LEAN=0", [](const Gates& g) { return !g.mem_lean; }},
      {"HAKMEM_SS_MEM_LEAN_DECOMMIT=DONTNEED", "HAKMEM_SS_MEM_LEAN_DECOMMIT=OFF",
       [](const Gates& g) { return g.lean_decommit == Decommit::kNone; }},
      {"HAKMEM_SS_CACHE=1024", "HAKMEM_SS_CACHE=0", [](const Gates& g) { return g.superslab_cache == 0; }},
      {"HAKMEM_LARGE_CACHE_MB=4096", "HAKMEM_LARGE_CACHE_MB=0", [](const Gates& g) { return g.large_cache_mb == 0; }},
      {"HAKMEM_LARGE_CACHE_DECAY_MS=10", "HAKMEM_LARGE_CACHE_DECAY_MS=0",
       [](const Gates& g) { return g.large_cache_decay_ms == 0; }},
      {"HAKMEM_PURGE_BATCHED=1", "HAKMEM_PURGE_BATCHED=0", [](const Gates& g) { return !g.purge_batched; }},
      {"HAKMEM_ON_CORRUPTION=warn", "HAKMEM_ON_CORRUPTION=abort",
       [](const Gates& g) { return g.on_corruption == OnCorruption::kAbort; }},
  };
  for (const auto& c : cases) {
    const Parsed on = Parse({c.on});
    EXPECT_EQ(on.warnings, "") << c.on;
    const Parsed off = Parse({c.off});
    EXPECT_EQ(off.warnings, "") << c.off;
    EXPECT_TRUE(c.is_off(off.gates)) << c.off << ": " << Describe(off.gates);
  }
}

// ---- malformed and unknown values -------------------------------------------------

TEST(EnvGatesTest, MalformedValuesWarnOnceAndKeepTheDefault) {
  const std::vector<std::string> common = {
      "",   "yes please", "-1", "18446744073709551616", "99999999999999999999999999", " 1", "1 ",
      "0x10", "+1",        "1.5", "1e3",                  "\xff",
  };
  for (const std::string& name : kAllGateNames) {
    std::vector<std::string> bad = common;
    if (name.find("DECOMMIT") != std::string::npos) {
      bad.insert(bad.end(), {"1", "0", "DONT", "MADV_FREE", "OFFF"});
    } else if (name.find("CORRUPTION") != std::string::npos) {
      bad.insert(bad.end(), {"1", "0", "ignore", "warning"});
    } else if (name == "HAKMEM_SS_CACHE") {
      bad.insert(bad.end(), {"1025", "on"});
    } else if (name.find("_MB") != std::string::npos) {
      bad.insert(bad.end(), {"1048577", "off"});
    } else if (name.find("_MS") != std::string::npos) {
      bad.insert(bad.end(), {"86400001", "off", "100ms"});
    } else {
      bad.insert(bad.end(), {"2", "10", "yes", "no", "enable"});
    }
    for (const std::string& value : bad) {
      const Parsed p = Parse({name + "=" + value});
      const std::string context = name + "='" + value + "'";
      EXPECT_EQ(Describe(p.gates), Describe(DefaultGates())) << context;
      EXPECT_EQ(LineCount(p.warnings), 1u) << context << " warned:\n" << p.warnings;
      EXPECT_EQ(p.warnings.back(), '\n') << context;
      EXPECT_NE(p.warnings.find(name + "="), std::string::npos) << context << " warned:\n" << p.warnings;
      EXPECT_NE(p.warnings.find("warning"), std::string::npos) << p.warnings;
    }
  }
}

TEST(EnvGatesTest, OneMalformedGateDoesNotDisturbTheOthers) {
  const Parsed p = Parse({"HAKMEM_SS_CACHE=many", "HAKMEM_LARGE_CACHE_MB=5", "HAKMEM_PREWARM=maybe"});
  EXPECT_EQ(p.gates.large_cache_mb, 5u);
  EXPECT_EQ(p.gates.superslab_cache, DefaultGates().superslab_cache);
  EXPECT_EQ(p.gates.prewarm, DefaultGates().prewarm);
  EXPECT_EQ(LineCount(p.warnings), 2u) << p.warnings;
}

TEST(EnvGatesTest, UnknownVariablesAreWarnedAboutByName) {
  const Parsed p = Parse({"HAKMEM_FOO=1"});
  EXPECT_EQ(Describe(p.gates), Describe(DefaultGates()));
  EXPECT_EQ(LineCount(p.warnings), 1u) << p.warnings;
  EXPECT_NE(p.warnings.find("HAKMEM_FOO"), std::string::npos) << p.warnings;
  EXPECT_NE(p.warnings.find("warning"), std::string::npos) << p.warnings;

  const Parsed two = Parse({"HAKMEM_FOO=1", "HAKMEM_VERBOS=1", "HAKMEM_PREWARM=0"});
  EXPECT_EQ(LineCount(two.warnings), 2u) << two.warnings;
  EXPECT_NE(two.warnings.find("HAKMEM_VERBOS "), std::string::npos) << two.warnings;
  EXPECT_FALSE(two.gates.verbose);
  EXPECT_FALSE(two.gates.prewarm);
}

TEST(EnvGatesTest, NoWarningFdMeansSilence) {
  const char* env[] = {"HAKMEM_FOO=1", "HAKMEM_SS_CACHE=x", nullptr};
  EXPECT_EQ(Describe(ParseGates(env, -1)), Describe(DefaultGates()));
}

// ---- PrintGates (HAKMEM_VERBOSE's report) ------------------------------------------

TEST(EnvGatesTest, PrintListsTheProfileAndEveryGateWithItsSource) {
  const std::string text = PrintFor({"HAKMEM_SS_CACHE=3", "HAKMEM_PREWARM=perhaps", "HAKMEM_ON_CORRUPTION=warn",
                                     "HAKMEM_SS_MEM_LEAN_DECOMMIT=dontneed"});
  EXPECT_EQ(LineCount(text), 1 + kAllGateNames.size()) << text;
  EXPECT_NE(text.find(std::string("profile ") + kProfileName + "\n"), std::string::npos) << text;
  for (const std::string& name : kAllGateNames) {
    EXPECT_NE(text.find(" " + name + "="), std::string::npos) << name << " missing from:\n" << text;
  }
  EXPECT_NE(text.find("HAKMEM_SS_CACHE=3 (environment)"), std::string::npos) << text;
  EXPECT_NE(text.find("HAKMEM_ON_CORRUPTION=warn (environment)"), std::string::npos) << text;
  EXPECT_NE(text.find("HAKMEM_SS_MEM_LEAN_DECOMMIT=DONTNEED (environment)"), std::string::npos) << text;
  const std::string prewarm_default = DefaultGates().prewarm ? "1" : "0";
  EXPECT_NE(text.find("HAKMEM_PREWARM=" + prewarm_default + " (default (invalid value))"), std::string::npos)
      << text;
  EXPECT_NE(text.find("HAKMEM_LARGE_CACHE_MB=" + std::to_string(DefaultGates().large_cache_mb) + " (default)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("HAKMEM_VERBOSE=0 (default)"), std::string::npos) << text;
}

TEST(EnvGatesTest, PrintShowsParsedValues) {
  const std::string text = PrintFor({"HAKMEM_VERBOSE=on", "HAKMEM_STATS=true", "HAKMEM_SS_MEM_LEAN=1",
                                     "HAKMEM_SS_MEM_LEAN_TARGET_MB=1048576", "HAKMEM_LARGE_CACHE_MB=0",
                                     "HAKMEM_SS_MEM_LEAN_DECOMMIT=free", "HAKMEM_PREWARM=0"});
  for (const char* expected : {
           "HAKMEM_VERBOSE=1 (environment)",
           "HAKMEM_STATS=1 (environment)",
           "HAKMEM_SS_MEM_LEAN=1 (environment)",
           "HAKMEM_SS_MEM_LEAN_TARGET_MB=1048576 (environment)",
           "HAKMEM_LARGE_CACHE_MB=0 (environment)",
           "HAKMEM_SS_MEM_LEAN_DECOMMIT=FREE (environment)",
           "HAKMEM_PREWARM=0 (environment)",
           "HAKMEM_ON_CORRUPTION=abort (default)",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " missing from:\n" << text;
  }
}

TEST(EnvGatesTest, FormatUnsignedCoversTheWholeRange) {
  char buf[24];
  EXPECT_STREQ(FormatUnsigned(0, buf), "0");
  EXPECT_STREQ(FormatUnsigned(10, buf), "10");
  EXPECT_STREQ(FormatUnsigned(UINT64_MAX, buf), "18446744073709551615");
}

}  // namespace
}  // namespace hakmem
