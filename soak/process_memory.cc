#include "soak/process_memory.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

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

std::optional<OsCallCounts> ReadAllocatorOsCallCounts() {
  // Looked up at run time so that one soak source serves every allocator:
  // only the hakmem binary's libhakmem.so defines the function.
  // allocator/hakmem.h documents hak_os_counters as starting with the three
  // uint64_t call counts (mmap, munmap, madvise); the buffer is larger than
  // the whole struct so fields added at its end cannot overflow it.
  // TODO: include allocator/hakmem.h once //allocator exports a header target.
  using CountersGetter = void (*)(void*);
  static const auto get_counters =
      reinterpret_cast<CountersGetter>(dlsym(RTLD_DEFAULT, "hak_os_counters_get"));
  if (get_counters == nullptr) return std::nullopt;
  uint64_t fields[32] = {};
  get_counters(fields);
  return OsCallCounts{fields[0], fields[1], fields[2]};
}

}  // namespace hakmem::soak
