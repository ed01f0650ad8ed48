// hak_stats_get / hak_stats_print / hak_stats_json, and the report printed at
// exit under HAKMEM_STATS=1. Formatting is done by hand into fixed buffers:
// stdio may allocate, and this runs inside the allocator.
#include <unistd.h>

#include <cstring>

#include "allocator/hakmem.h"
#include "allocator/heap_info.h"
#include "boxes/env_gates/env_gates.h"
#include "boxes/heap/heap.h"
#include "boxes/size_classes/size_classes.h"
#include "boxes/stats/stats.h"
#include "boxes/superslab/superslab.h"
#include "profiles/profile.h"

namespace hakmem {
namespace {

static_assert(kNumClasses <= HAK_STATS_MAX_CLASSES);
// hak_stats_print and hak_stats_json keep one on the caller's stack.
static_assert(sizeof(hak_stats) <= 5 * 1024);

// Appends to a fixed buffer, counting what would not fit.
class Writer {
 public:
  Writer(char* buf, size_t cap) : buf_(buf), cap_(cap) {}
  void Put(const char* s) {
    for (; *s != '\0'; ++s) PutChar(*s);
  }
  void Put(uint64_t v) {
    char num[24];
    Put(FormatUnsigned(v, num));
  }
  void PutChar(char c) {
    if (len_ + 1 < cap_) buf_[len_] = c;
    ++len_;
  }
  size_t Finish() {
    if (cap_ > 0) buf_[len_ < cap_ ? len_ : cap_ - 1] = '\0';
    return len_;
  }

 private:
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
};

void Collect(hak_stats* out) {
  memset(out, 0, sizeof(*out));
  out->enabled = kStatsEnabled;
  out->profile = kProfileName;
  out->num_classes = kNumClasses;
  StatsSnapshot snapshot{};
  StatsGlobal(&snapshot);
  HeapForEach([](const Heap& h, void* arg) { StatsAccumulate(h.stats, static_cast<StatsSnapshot*>(arg)); },
              &snapshot);
  for (size_t c = 0; c < kNumClasses; ++c) {
    const ClassStats& from = snapshot.classes[c];
    out->classes[c] = hak_class_stats{ClassSize(c), from.allocs, from.frees, from.refills, from.flushes,
                                      from.remote_frees};
  }
  out->superslabs_live = SuperslabsLive();
  out->superslabs_peak = SuperslabsPeak();
  HeapInfoGet(&out->heap);
  OsCountersGet(&out->os);
}

void WriteOs(Writer& w, const hak_stats& s) {
  w.Put("os: mmap=");
  w.Put(s.os.mmap_calls);
  w.Put(" munmap=");
  w.Put(s.os.munmap_calls);
  w.Put(" madvise=");
  w.Put(s.os.madvise_calls);
  w.Put(" madvise_skipped=");
  w.Put(s.os.madvise_skipped);
  w.Put(" mmap_bytes=");
  w.Put(s.os.mmap_bytes);
  w.Put(" munmap_bytes=");
  w.Put(s.os.munmap_bytes);
  w.Put(" madvise_bytes=");
  w.Put(s.os.madvise_bytes);
  w.Put("\n");
}

}  // namespace
}  // namespace hakmem

using namespace hakmem;  // NOLINT: C API

extern "C" {

void hak_stats_get(hak_stats* out) { Collect(out); }

// Each report builds from a snapshot of its own, on the caller's stack (under
// 5 KiB): a shared static one would let a second caller clear it under the
// first one's formatting (profile read as NULL), and a lock would have to be
// held across the write to `fd`.
void hak_stats_print(int fd) {
  hak_stats s;
  Collect(&s);
  char line[256];
  Writer head(line, sizeof(line));
  head.Put("hakmem stats: profile ");
  head.Put(s.profile);
  head.Put(s.enabled ? " (counters on)" : " (counters compiled out)");
  head.Put("\nsuperslabs: live=");
  head.Put(s.superslabs_live);
  head.Put(" peak=");
  head.Put(s.superslabs_peak);
  head.Put(" mapped_bytes=");
  head.Put(s.heap.mapped_bytes);
  head.Put(" in_use_bytes=");
  head.Put(s.heap.in_use_bytes);
  head.Put("\n");
  head.Finish();
  WriteString(fd, line);
  Writer os(line, sizeof(line));
  WriteOs(os, s);
  os.Finish();
  WriteString(fd, line);
  if (!s.enabled) return;
  WriteString(fd, "class   size      allocs       frees     refills     flushes  remote_frees\n");
  for (size_t c = 0; c < s.num_classes; ++c) {
    const hak_class_stats& k = s.classes[c];
    if (k.allocs == 0 && k.frees == 0 && k.remote_frees == 0) continue;
    Writer w(line, sizeof(line));
    w.Put(c);
    w.Put(" ");
    w.Put(k.block_size);
    for (uint64_t v : {k.allocs, k.frees, k.refills, k.flushes, k.remote_frees}) {
      w.Put(" ");
      w.Put(v);
    }
    w.Put("\n");
    w.Finish();
    WriteString(fd, line);
  }
}

size_t hak_stats_json(char* buf, size_t len) {
  hak_stats s;  // the caller's own, as in hak_stats_print
  Collect(&s);
  Writer w(buf, len);
  w.Put("{\"profile\":\"");
  w.Put(s.profile);
  w.Put("\",\"counters_enabled\":");
  w.Put(s.enabled ? "true" : "false");
  w.Put(",\"superslabs_live\":");
  w.Put(s.superslabs_live);
  w.Put(",\"superslabs_peak\":");
  w.Put(s.superslabs_peak);
  w.Put(",\"mapped_bytes\":");
  w.Put(s.heap.mapped_bytes);
  w.Put(",\"in_use_bytes\":");
  w.Put(s.heap.in_use_bytes);
  w.Put(",\"os\":{\"mmap\":");
  w.Put(s.os.mmap_calls);
  w.Put(",\"munmap\":");
  w.Put(s.os.munmap_calls);
  w.Put(",\"madvise\":");
  w.Put(s.os.madvise_calls);
  w.Put(",\"madvise_skipped\":");
  w.Put(s.os.madvise_skipped);
  w.Put(",\"mmap_bytes\":");
  w.Put(s.os.mmap_bytes);
  w.Put(",\"munmap_bytes\":");
  w.Put(s.os.munmap_bytes);
  w.Put(",\"madvise_bytes\":");
  w.Put(s.os.madvise_bytes);
  w.Put("},\"classes\":[");
  bool first = true;
  for (size_t c = 0; c < s.num_classes && s.enabled; ++c) {
    const hak_class_stats& k = s.classes[c];
    if (k.allocs == 0 && k.frees == 0 && k.remote_frees == 0) continue;
    if (!first) w.PutChar(',');
    first = false;
    w.Put("{\"class\":");
    w.Put(c);
    w.Put(",\"size\":");
    w.Put(k.block_size);
    w.Put(",\"allocs\":");
    w.Put(k.allocs);
    w.Put(",\"frees\":");
    w.Put(k.frees);
    w.Put(",\"refills\":");
    w.Put(k.refills);
    w.Put(",\"flushes\":");
    w.Put(k.flushes);
    w.Put(",\"remote_frees\":");
    w.Put(k.remote_frees);
    w.PutChar('}');
  }
  w.Put("]}");
  return w.Finish();
}

size_t hak_heap_check(void) { return HeapCheck(); }

}  // extern "C"

namespace hakmem {
namespace {

// HAKMEM_STATS=1: the report at exit, on stderr.
__attribute__((destructor)) void PrintStatsAtExit() {
  if (GlobalGates().stats_at_exit) hak_stats_print(STDERR_FILENO);
}

}  // namespace
}  // namespace hakmem
