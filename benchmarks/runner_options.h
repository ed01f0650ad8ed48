// Checking the runners' flags and choosing which allocator binaries to run.
#ifndef HAKMEM_BENCHMARKS_RUNNER_OPTIONS_H_
#define HAKMEM_BENCHMARKS_RUNNER_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace hakmem::bench {

// Exit code for a bad command line (flag values, allocator names).
inline constexpr int kExitBadFlags = 2;

// An allocator's benchmark binary: from the manifest written by
// allocator_matrix.bzl, or given with --extra=name=path.
struct AllocatorBinary {
  std::string name;
  std::string path;
};

// The Mixed runner's flags, as parsed (signed where a user may type a
// negative number, so that it gets a message rather than a wrap-around).
struct MixedRunOptions {
  std::vector<std::string> allocators;  // empty: every allocator in the manifest
  std::vector<std::string> extra;       // "name=path" each
  int64_t runs = 10;
  int64_t cycles = 10'000'000;
  int64_t ws = 8192;
  int64_t seed = 1234567;
  int64_t min_size = 16;
  int64_t max_size = 1039;
  int64_t threads = 1;
};

// Empty when the options can run, otherwise a one-line reason.
std::string ValidateMixedRunOptions(const MixedRunOptions& options);

// The binaries to run, in order: the requested names (or the whole manifest),
// then any --extra binary not already named. Returns a one-line reason on
// unknown or duplicate names, malformed --extra entries or extra paths that
// are not executable files.
std::string SelectAllocators(const std::vector<std::string>& requested,
                             const std::vector<std::string>& extra,
                             const std::vector<AllocatorBinary>& manifest,
                             std::vector<AllocatorBinary>* selected);

// Reads a manifest ("name<TAB>runfiles path" per line) and resolves each path
// against `runfiles_root`. Returns a one-line reason on failure.
std::string ReadManifest(const std::string& manifest_path, const std::string& runfiles_root,
                         std::vector<AllocatorBinary>* binaries);

// The runfiles directory of the running program: $RUNFILES_DIR, $TEST_SRCDIR,
// <argv0>.runfiles or <this executable>.runfiles, whichever exists first.
std::string FindRunfilesRoot(const char* argv0);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_RUNNER_OPTIONS_H_
