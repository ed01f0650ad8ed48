#include "benchmarks/allocator_identity.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string_view>

namespace hakmem::bench {

std::string MallocLibraryPath() {
  // Ask the dynamic linker what `malloc` means for the whole process (the
  // same lookup the benchmark's own calls went through), then which object
  // holds that address.
  void* symbol = dlsym(RTLD_DEFAULT, "malloc");
  if (symbol == nullptr) return "(malloc not found)";
  Dl_info info;
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "(unknown object)";
  return info.dli_fname;
}

std::string CheckMallocIdentity() {
  const std::string path = MallocLibraryPath();
  const size_t slash = path.rfind('/');
  const std::string_view file = std::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
  if (file.starts_with(kHakmemBenchMallocLibraryPrefix)) return "";
  return std::string("binary built for ") + kHakmemBenchAllocatorName + " expects malloc from " +
         kHakmemBenchMallocLibraryPrefix + "*, but it resolves to " + path;
}

}  // namespace hakmem::bench
