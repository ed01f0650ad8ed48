#include "benchmarks/runner_options.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hakmem::bench {
namespace {

std::string ProblemWith(void (*change)(MixedRunOptions&)) {
  MixedRunOptions options;
  change(options);
  return ValidateMixedRunOptions(options);
}

TEST(ValidateMixedRunOptionsTest, DefaultsAreValid) { EXPECT_EQ(ValidateMixedRunOptions({}), ""); }

TEST(ValidateMixedRunOptionsTest, RejectsEachBadValueWithItsFlagName) {
  EXPECT_EQ(ProblemWith([](MixedRunOptions& o) { o.runs = 0; }), "--runs must be at least 1 (got 0)");
  EXPECT_EQ(ProblemWith([](MixedRunOptions& o) { o.runs = -3; }), "--runs must be at least 1 (got -3)");
  EXPECT_EQ(ProblemWith([](MixedRunOptions& o) { o.ws = 0; }), "--ws must be at least 1 slot (got 0)");
  EXPECT_EQ(ProblemWith([](MixedRunOptions& o) { o.cycles = 0; }), "--cycles must be at least 1 (got 0)");
  EXPECT_EQ(ProblemWith([](MixedRunOptions& o) { o.threads = 0; }), "--threads must be at least 1 (got 0)");
  EXPECT_EQ(ProblemWith([](MixedRunOptions& o) { o.min_size = 2000; }),
            "--min_size (2000) must not exceed max_size (1039)");
  EXPECT_NE(ProblemWith([](MixedRunOptions& o) { o.seed = 0; }), "");
  EXPECT_NE(ProblemWith([](MixedRunOptions& o) { o.seed = int64_t{1} << 32; }), "");
  EXPECT_NE(ProblemWith([](MixedRunOptions& o) { o.min_size = 0; }), "");
  EXPECT_NE(ProblemWith([](MixedRunOptions& o) { o.max_size = -1; }), "");
  EXPECT_NE(ProblemWith([](MixedRunOptions& o) { o.ws = int64_t{1} << 40; }), "");
  EXPECT_NE(ProblemWith([](MixedRunOptions& o) { o.runs = 100000; }), "");
}

TEST(ValidateMixedRunOptionsTest, AcceptsTheSecondStandardSettingAndOtherRanges) {
  EXPECT_EQ(ProblemWith([](MixedRunOptions& o) { o.ws = 400; }), "");
  EXPECT_EQ(ProblemWith([](MixedRunOptions& o) {
              o.min_size = 64;
              o.max_size = 64;
              o.threads = 4;
            }),
            "");
}

const std::vector<AllocatorBinary> kManifest = {
    {"glibc", "/bin/true"}, {"mimalloc", "/bin/true"}, {"jemalloc", "/bin/true"}};

std::vector<std::string> NamesOf(const std::vector<AllocatorBinary>& binaries) {
  std::vector<std::string> names;
  for (const AllocatorBinary& binary : binaries) names.push_back(binary.name);
  return names;
}

TEST(SelectAllocatorsTest, DefaultIsTheWholeManifestInOrder) {
  std::vector<AllocatorBinary> selected;
  EXPECT_EQ(SelectAllocators({}, {}, kManifest, &selected), "");
  EXPECT_EQ(NamesOf(selected), (std::vector<std::string>{"glibc", "mimalloc", "jemalloc"}));
}

TEST(SelectAllocatorsTest, RequestedNamesKeepTheirOrder) {
  std::vector<AllocatorBinary> selected;
  EXPECT_EQ(SelectAllocators({"jemalloc", "glibc"}, {}, kManifest, &selected), "");
  EXPECT_EQ(NamesOf(selected), (std::vector<std::string>{"jemalloc", "glibc"}));
}

TEST(SelectAllocatorsTest, UnknownNameIsRejectedWithTheKnownOnes) {
  std::vector<AllocatorBinary> selected;
  EXPECT_EQ(SelectAllocators({"glibc", "tcmalloc"}, {}, kManifest, &selected),
            "unknown allocator 'tcmalloc' (known: glibc, mimalloc, jemalloc)");
}

TEST(SelectAllocatorsTest, DuplicatesAreRejected) {
  std::vector<AllocatorBinary> selected;
  EXPECT_EQ(SelectAllocators({"glibc", "glibc"}, {}, kManifest, &selected), "allocator 'glibc' named twice");
}

TEST(SelectAllocatorsTest, ExtrasAreAppendedOrPlacedWhereNamed) {
  std::vector<AllocatorBinary> selected;
  EXPECT_EQ(SelectAllocators({}, {"hakmem-fast=/bin/true", "hakmem-lean=/bin/sh"}, kManifest, &selected), "");
  EXPECT_EQ(NamesOf(selected),
            (std::vector<std::string>{"glibc", "mimalloc", "jemalloc", "hakmem-fast", "hakmem-lean"}));
  EXPECT_EQ(selected[4].path, "/bin/sh");

  EXPECT_EQ(SelectAllocators({"hakmem-fast", "glibc"}, {"hakmem-fast=/bin/true"}, kManifest, &selected), "");
  EXPECT_EQ(NamesOf(selected), (std::vector<std::string>{"hakmem-fast", "glibc"}));
}

TEST(SelectAllocatorsTest, BadExtrasAreRejected) {
  std::vector<AllocatorBinary> selected;
  EXPECT_EQ(SelectAllocators({}, {"no-equals-sign"}, kManifest, &selected),
            "--extra expects name=path, got 'no-equals-sign'");
  EXPECT_NE(SelectAllocators({}, {"=/bin/true"}, kManifest, &selected), "");
  EXPECT_NE(SelectAllocators({}, {"x="}, kManifest, &selected), "");
  EXPECT_EQ(SelectAllocators({}, {"glibc=/bin/true"}, kManifest, &selected),
            "--extra name 'glibc' is already a built-in allocator");
  EXPECT_EQ(SelectAllocators({}, {"x=/nonexistent/worker"}, kManifest, &selected),
            "--extra 'x': '/nonexistent/worker' is not an executable file");
  EXPECT_NE(SelectAllocators({}, {"x=/tmp"}, kManifest, &selected), "");  // a directory
}

TEST(ReadManifestTest, ResolvesPathsAgainstTheRunfilesRoot) {
  const std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  {
    std::ofstream out(dir + "/manifest.tsv");
    out << "glibc\thakmem/benchmarks/w_glibc\nmimalloc\thakmem/benchmarks/w_mimalloc\n";
  }
  std::vector<AllocatorBinary> binaries;
  EXPECT_EQ(ReadManifest("manifest.tsv", dir, &binaries), "");
  ASSERT_EQ(binaries.size(), 2u);
  EXPECT_EQ(binaries[0].name, "glibc");
  EXPECT_EQ(binaries[1].path, dir + "/hakmem/benchmarks/w_mimalloc");

  EXPECT_NE(ReadManifest("missing.tsv", dir, &binaries), "");
  {
    std::ofstream out(dir + "/broken.tsv");
    out << "no tab here\n";
  }
  EXPECT_EQ(ReadManifest("broken.tsv", dir, &binaries), "malformed manifest line 'no tab here'");
}

}  // namespace
}  // namespace hakmem::bench
