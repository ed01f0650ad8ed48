#include "benchmarks/runner_options.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "benchmarks/mixed_workload.h"

namespace hakmem::bench {
namespace {

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

bool IsExecutableFile(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat info;
  return !path.empty() && stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

std::string Join(const std::vector<AllocatorBinary>& binaries) {
  std::string names;
  for (const AllocatorBinary& binary : binaries) names += (names.empty() ? "" : ", ") + binary.name;
  return names;
}

}  // namespace

std::string ValidateMixedRunOptions(const MixedRunOptions& options) {
  if (options.runs < 1) return "--runs must be at least 1 (got " + std::to_string(options.runs) + ")";
  if (options.runs > 1000) return "--runs must be at most 1000";
  if (options.cycles < 1) return "--cycles must be at least 1 (got " + std::to_string(options.cycles) + ")";
  if (options.ws < 1) return "--ws must be at least 1 slot (got " + std::to_string(options.ws) + ")";
  if (options.ws > (int64_t{1} << 28)) return "--ws must be at most 268435456 slots";
  if (options.seed < 1 || options.seed > 0xFFFFFFFFll) {
    return "--seed must be in [1, 4294967295] (xorshift32 never leaves 0)";
  }
  if (options.min_size < 1) return "--min_size must be at least 1 (the first byte is written)";
  if (options.max_size < 1) return "--max_size must be at least 1";
  if (options.threads < 1) return "--threads must be at least 1 (got " + std::to_string(options.threads) + ")";
  if (options.threads > 256) return "--threads must be at most 256";

  MixedConfig config;
  config.cycles = static_cast<uint64_t>(options.cycles);
  config.ws = static_cast<uint32_t>(options.ws);
  config.seed = static_cast<uint32_t>(options.seed);
  config.min_size = static_cast<size_t>(options.min_size);
  config.max_size = static_cast<size_t>(options.max_size);
  config.threads = static_cast<int>(options.threads);
  const std::string problem = ValidateMixedConfig(config);
  return problem.empty() ? "" : "--" + problem;
}

std::string SelectAllocators(const std::vector<std::string>& requested,
                             const std::vector<std::string>& extra,
                             const std::vector<AllocatorBinary>& manifest,
                             std::vector<AllocatorBinary>* selected) {
  selected->clear();
  std::vector<AllocatorBinary> extras;
  for (const std::string& entry : extra) {
    const size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == entry.size()) {
      return "--extra expects name=path, got " + Quoted(entry);
    }
    AllocatorBinary binary{entry.substr(0, equals), entry.substr(equals + 1)};
    for (const AllocatorBinary& known : manifest) {
      if (known.name == binary.name) {
        return "--extra name " + Quoted(binary.name) + " is already a built-in allocator";
      }
    }
    if (!IsExecutableFile(binary.path)) {
      return "--extra " + Quoted(binary.name) + ": " + Quoted(binary.path) + " is not an executable file";
    }
    extras.push_back(binary);
  }

  auto find = [](const std::vector<AllocatorBinary>& list, const std::string& name) {
    return std::find_if(list.begin(), list.end(),
                        [&](const AllocatorBinary& binary) { return binary.name == name; });
  };
  if (requested.empty()) {
    *selected = manifest;
  } else {
    for (const std::string& name : requested) {
      auto in_manifest = find(manifest, name);
      auto in_extras = find(extras, name);
      if (in_manifest != manifest.end()) {
        selected->push_back(*in_manifest);
      } else if (in_extras != extras.end()) {
        selected->push_back(*in_extras);
      } else {
        std::string known = Join(manifest);
        if (!extras.empty()) known += ", " + Join(extras);
        return "unknown allocator " + Quoted(name) + " (known: " + known + ")";
      }
    }
  }
  for (const AllocatorBinary& binary : extras) {
    if (find(*selected, binary.name) == selected->end()) selected->push_back(binary);
  }

  std::set<std::string> seen;
  for (const AllocatorBinary& binary : *selected) {
    if (!seen.insert(binary.name).second) return "allocator " + Quoted(binary.name) + " named twice";
  }
  if (selected->empty()) return "no allocators selected";
  return "";
}

std::string ReadManifest(const std::string& manifest_path, const std::string& runfiles_root,
                         std::vector<AllocatorBinary>* binaries) {
  binaries->clear();
  const std::string full_path = runfiles_root.empty() ? manifest_path : runfiles_root + "/" + manifest_path;
  std::ifstream in(full_path);
  if (!in) return "cannot read the allocator manifest " + Quoted(full_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) return "malformed manifest line " + Quoted(line);
    AllocatorBinary binary{line.substr(0, tab), line.substr(tab + 1)};
    if (!runfiles_root.empty()) binary.path = runfiles_root + "/" + binary.path;
    binaries->push_back(binary);
  }
  if (binaries->empty()) return "the allocator manifest " + Quoted(full_path) + " is empty";
  return "";
}

std::string FindRunfilesRoot(const char* argv0) {
  for (const char* variable : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    const char* value = std::getenv(variable);
    if (value != nullptr && IsDirectory(value)) return value;
  }
  if (argv0 != nullptr && IsDirectory(std::string(argv0) + ".runfiles")) {
    return std::string(argv0) + ".runfiles";
  }
  char self[4096];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  if (length > 0) {
    self[length] = '\0';
    if (IsDirectory(std::string(self) + ".runfiles")) return std::string(self) + ".runfiles";
  }
  return "";
}

}  // namespace hakmem::bench
