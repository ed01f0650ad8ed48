#include "soak/process_memory.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "allocator/hakmem.h"
#include "benchmarks/syscall_marker.h"

namespace hakmem::soak {

uint64_t ReadRssBytes() {
  // Kept open: one pread per epoch instead of open/read/close.
  static const int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buffer[128];
  const ssize_t length = pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (length <= 0) return 0;
  buffer[length] = '\0';
  // "size resident shared text lib data dt", in pages.
  char* end = nullptr;
  std::strtoull(buffer, &end, 10);
  const unsigned long long resident_pages = std::strtoull(end, nullptr, 10);
  return static_cast<uint64_t>(resident_pages) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::optional<TracedOsCallCounts> ReadTracedOsCallCounts() {
  bench::TracedSyscallCounts counts;
  if (!bench::QueryTracedSyscallCounts(counts)) return std::nullopt;
  return TracedOsCallCounts{counts.mmap, counts.munmap, counts.madvise, counts.mremap, counts.brk};
}

std::optional<OsCallCounts> ReadAllocatorOsCallCounts() {
  // Looked up at run time so that one soak source serves every allocator:
  // only the hakmem binary links libhakmem.so, which exports the function.
  static const auto get_counters =
      reinterpret_cast<decltype(&hak_os_counters_get)>(dlsym(RTLD_DEFAULT, "hak_os_counters_get"));
  if (get_counters == nullptr) return std::nullopt;
  hak_os_counters counters{};
  get_counters(&counters);
  return OsCallCounts{counters.mmap_calls, counters.munmap_calls, counters.madvise_calls};
}

}  // namespace hakmem::soak
