// The gates applied end to end: this binary (linked with //allocator:api)
// re-executes itself with a chosen environment and checks what the allocator
// does: HAKMEM_VERBOSE's report, warnings at start-up, HAKMEM_ON_CORRUPTION on
// an invalid and a double free, HAKMEM_STATS's report at exit.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "allocator/hakmem.h"
#include "gtest/gtest.h"
#include "profiles/profile.h"
#include "profiles/tests/child_process.h"

namespace {

using hakmem_test::ChildResult;
using hakmem_test::Lines;
using hakmem_test::LinesWith;
using hakmem_test::RunSelf;

const std::vector<std::string> kAllGateNames = {
    "HAKMEM_VERBOSE",     "HAKMEM_STATS",          "HAKMEM_PREWARM",
    "HAKMEM_SS_MEM_LEAN", "HAKMEM_SS_MEM_LEAN_TARGET_MB", "HAKMEM_SS_MEM_LEAN_DECOMMIT",
    "HAKMEM_SS_CACHE",    "HAKMEM_LARGE_CACHE_MB", "HAKMEM_LARGE_CACHE_DECAY_MS",
    "HAKMEM_PURGE_BATCHED", "HAKMEM_ON_CORRUPTION",
};

// ---- child modes ---------------------------------------------------------------

int SomeAllocations() {
  std::vector<void*> blocks;
  for (size_t size : {16, 100, 1000, 5000, 100000, 1 << 20}) blocks.push_back(hak_malloc(size));
  for (void* p : blocks) {
    if (p == nullptr) return 1;
    hak_free(p);
  }
  return 0;
}

// Frees a stack address, then checks the allocator still works.
int FreeStackAddress() {
  int local = 0;
  void* volatile address = &local;
  std::printf("address=%p\n", address);
  std::fflush(stdout);
  hak_free(address);
  std::printf("survived\n");
  return SomeAllocations();
}

int DoubleFree() {
  void* volatile p = hak_malloc(48);
  std::printf("address=%p\n", p);
  std::fflush(stdout);
  hak_free(p);
  hak_free(p);
  std::printf("survived\n");
  return SomeAllocations();
}

// ---- HAKMEM_VERBOSE --------------------------------------------------------------

TEST(EnvGatesAppliedTest, VerbosePrintsTheResolvedConfigurationOnce) {
  const ChildResult r = RunSelf("allocate", {"HAKMEM_VERBOSE=1"});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(LinesWith(r.err, std::string("profile ") + hakmem::kProfileName).size(), 1u) << r.Describe();
  for (const std::string& name : kAllGateNames) {
    EXPECT_EQ(LinesWith(r.err, " " + name + "=").size(), 1u) << name << "\n" << r.Describe();
  }
  EXPECT_EQ(LinesWith(r.err, "HAKMEM_VERBOSE=1 (environment)").size(), 1u) << r.Describe();
  EXPECT_EQ(LinesWith(r.err, "warning").size(), 0u) << r.Describe();
}

TEST(EnvGatesAppliedTest, VerboseReportsWhereEachValueCameFrom) {
  const ChildResult r = RunSelf("allocate", {"HAKMEM_VERBOSE=on", "HAKMEM_SS_CACHE=3", "HAKMEM_PREWARM=perhaps"});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(LinesWith(r.err, "HAKMEM_SS_CACHE=3 (environment)").size(), 1u) << r.Describe();
  EXPECT_EQ(LinesWith(r.err, "HAKMEM_PREWARM=").size(), 2u) << "a warning and the report line\n" << r.Describe();
  EXPECT_EQ(LinesWith(r.err, "(default (invalid value))").size(), 1u) << r.Describe();
  EXPECT_EQ(LinesWith(r.err, "warning").size(), 1u) << r.Describe();
  EXPECT_EQ(LinesWith(r.err, "HAKMEM_LARGE_CACHE_MB=").size(), 1u) << r.Describe();
  EXPECT_NE(LinesWith(r.err, "HAKMEM_LARGE_CACHE_MB=")[0].find("(default)"), std::string::npos) << r.Describe();
}

TEST(EnvGatesAppliedTest, VerboseOffIsSilent) {
  for (const std::vector<std::string>& env : {std::vector<std::string>{}, {"HAKMEM_VERBOSE=0"}, {"HAKMEM_VERBOSE=off"}}) {
    const ChildResult r = RunSelf("allocate", env);
    ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
    EXPECT_EQ(r.err, "") << r.Describe();
  }
}

// ---- warnings at start-up ------------------------------------------------------------

TEST(EnvGatesAppliedTest, MalformedValueGivesOneWarningLineAndTheProgramRuns) {
  for (const std::string var : {"HAKMEM_SS_CACHE=lots", "HAKMEM_SS_MEM_LEAN=2", "HAKMEM_SS_MEM_LEAN_DECOMMIT=",
                                 "HAKMEM_LARGE_CACHE_MB=-1", "HAKMEM_LARGE_CACHE_DECAY_MS=soon",
                                 "HAKMEM_ON_CORRUPTION=ignore"}) {
    const ChildResult r = RunSelf("allocate", {var});
    ASSERT_TRUE(r.ExitedWith(0)) << var << "\n" << r.Describe();
    const std::string name = var.substr(0, var.find('='));
    ASSERT_EQ(Lines(r.err).size(), 1u) << var << "\n" << r.Describe();
    EXPECT_NE(r.err.find(name), std::string::npos) << r.Describe();
    EXPECT_NE(r.err.find("warning"), std::string::npos) << r.Describe();
  }
}

TEST(EnvGatesAppliedTest, UnknownVariableGivesOneWarningLine) {
  const ChildResult r = RunSelf("allocate", {"HAKMEM_FOO=bar"});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  ASSERT_EQ(Lines(r.err).size(), 1u) << r.Describe();
  EXPECT_NE(r.err.find("HAKMEM_FOO"), std::string::npos) << r.Describe();
}

// ---- HAKMEM_ON_CORRUPTION ----------------------------------------------------------------

void ExpectAbortNamingCallAndAddress(const ChildResult& r, const std::string& what) {
  EXPECT_TRUE(r.KilledBy(SIGABRT)) << r.Describe();
  EXPECT_EQ(LinesWith(r.out, "survived").size(), 0u) << r.Describe();
  const std::string address = hakmem_test::ValueOf(r.out, "address");
  ASSERT_NE(address, "") << r.Describe();
  const std::vector<std::string> reports = LinesWith(r.err, address);
  ASSERT_EQ(reports.size(), 1u) << r.Describe();
  EXPECT_NE(reports[0].find("hak_free"), std::string::npos) << r.Describe();
  EXPECT_NE(reports[0].find(what), std::string::npos) << r.Describe();
}

void ExpectOneWarningAndSurvival(const ChildResult& r, const std::string& what) {
  EXPECT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(LinesWith(r.out, "survived").size(), 1u) << r.Describe();
  const std::string address = hakmem_test::ValueOf(r.out, "address");
  ASSERT_NE(address, "") << r.Describe();
  ASSERT_EQ(Lines(r.err).size(), 1u) << r.Describe();
  EXPECT_NE(r.err.find("hak_free"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find(address), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find(what), std::string::npos) << r.Describe();
}

TEST(EnvGatesAppliedTest, InvalidFreeAbortsByDefault) {
  ExpectAbortNamingCallAndAddress(RunSelf("free_stack_address", {}), "invalid pointer");
}

TEST(EnvGatesAppliedTest, InvalidFreeAbortsWhenAskedExplicitly) {
  ExpectAbortNamingCallAndAddress(RunSelf("free_stack_address", {"HAKMEM_ON_CORRUPTION=abort"}), "invalid pointer");
}

TEST(EnvGatesAppliedTest, InvalidFreeWarnsAndContinuesInWarnMode) {
  ExpectOneWarningAndSurvival(RunSelf("free_stack_address", {"HAKMEM_ON_CORRUPTION=warn"}), "invalid pointer");
}

TEST(EnvGatesAppliedTest, DoubleFreeAbortsByDefault) {
  ExpectAbortNamingCallAndAddress(RunSelf("double_free", {}), "double free");
}

TEST(EnvGatesAppliedTest, DoubleFreeWarnsAndContinuesInWarnMode) {
  ExpectOneWarningAndSurvival(RunSelf("double_free", {"HAKMEM_ON_CORRUPTION=WARN"}), "double free");
}

// ---- HAKMEM_STATS -----------------------------------------------------------------------

TEST(EnvGatesAppliedTest, StatsPrintsAReportAtExit) {
  const ChildResult r = RunSelf("allocate", {"HAKMEM_STATS=1"});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_GE(LinesWith(r.err, "hakmem").size(), 1u) << "no report at exit\n" << r.Describe();
  EXPECT_GE(LinesWith(r.err, hakmem::kProfileName).size(), 1u) << r.Describe();
}

TEST(EnvGatesAppliedTest, StatsOffPrintsNothingAtExit) {
  const ChildResult r = RunSelf("allocate", {"HAKMEM_STATS=0"});
  ASSERT_TRUE(r.ExitedWith(0)) << r.Describe();
  EXPECT_EQ(r.err, "") << r.Describe();
}

}  // namespace

int main(int argc, char** argv) {
  hakmem_test::RunChildModeIfAsked(argc, argv,
                                   {
                                       {"allocate", SomeAllocations},
                                       {"free_stack_address", FreeStackAddress},
                                       {"double_free", DoubleFree},
                                   });
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
