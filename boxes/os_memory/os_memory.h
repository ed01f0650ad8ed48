// OS memory: every mmap/munmap/madvise the allocator makes goes through here,
// so the calls can be counted (in every profile: the syscall budget is measured
// on FAST builds) and made to fail on purpose (boxes/fault_injection).
#ifndef HAKMEM_BOXES_OS_MEMORY_OS_MEMORY_H_
#define HAKMEM_BOXES_OS_MEMORY_OS_MEMORY_H_

#include <cstddef>
#include <cstdint>

namespace hakmem {

inline constexpr size_t kPageSize = 4096;

// `n` rounded up to a multiple of `alignment`, a power of two.
inline constexpr uintptr_t AlignUp(uintptr_t n, size_t alignment) { return (n + alignment - 1) & ~(alignment - 1); }

// For big zero-initialised statics (a chunk map's own leaf, the large-object
// cache's index, the early environment buffer), of which a program writes one
// page or none: they go to .lbss, which the linker places after .bss, so that
// the small globals every program writes share a page or two instead of lying
// between the tables, one page each (docs/PERFORMANCE.md, experiment 89).
#define HAKMEM_LARGE_BSS __attribute__((section(".lbss.hakmem")))

struct OsCounters {
  uint64_t mmap_calls;
  uint64_t munmap_calls;
  uint64_t madvise_calls;
  uint64_t madvise_skipped;  // decommits the policy chose not to make
  uint64_t mmap_bytes;
  uint64_t munmap_bytes;
  uint64_t madvise_bytes;
};

// How released memory is handed back while keeping its mapping.
enum class Decommit { kNone, kDontNeed, kFree };

// Whether OsMapAligned asks for its mappings at hints in a region of their
// own. Not under AddressSanitizer or ThreadSanitizer, whose shadow memory and
// address rules claim that region: there every aligned mapping is over-mapped.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kAlignedMappingHints = false;
#else
inline constexpr bool kAlignedMappingHints = true;
#endif

// Maps `size` bytes (a multiple of kPageSize) aligned to `alignment` (a power of
// two >= kPageSize): one mmap at a hint in the aligned mappings' own region,
// or an over-sized mapping trimmed to the alignment when the hint is taken.
// Returns nullptr on failure (errno set by the kernel).
void* OsMapAligned(size_t size, size_t alignment);
void OsUnmap(void* addr, size_t size);
// Grows the mapping at `addr` from old_size to new_size bytes (multiples of
// kPageSize) where it is (mremap without moving): false when the address space
// after it is taken. Counted as an mmap of the bytes added.
bool OsGrowInPlace(void* addr, size_t old_size, size_t new_size);
// Moves the mapping [addr, addr + old_size) onto `dest`, a mapping of new_size
// (> old_size) bytes from OsMapAligned that it replaces: the pages move with
// no copy, the rest reads as zero, and [addr, addr + old_size) is unmapped.
// Counted as an munmap of old_size bytes (dest was counted when mapped). False
// when the kernel refuses; then nothing has changed.
bool OsMoveInto(void* addr, size_t old_size, void* dest, size_t new_size);
// Gives the pages back to the OS; the range stays mapped. Returns true when the
// contents are now zero (MADV_DONTNEED on private anonymous memory).
bool OsDecommit(void* addr, size_t size, Decommit how);

// A range of whole pages.
struct OsRange {
  void* addr;
  size_t size;
};
// The most ranges one system call of OsDecommitRanges takes.
inline constexpr size_t kMaxDecommitRanges = 64;
// OsDecommit of each of ranges[0, n); zeroed[i] is what OsDecommit would
// return for range i. With `batched`, in one system call (process_madvise on
// the calling process) for every kMaxDecommitRanges ranges, where the kernel
// takes it: since Linux 6.16 that flushes the other CPUs' TLBs once,
// where each madvise does so once per range, which on two vCPUs is most of
// what giving back a mapping costs (docs/PERFORMANCE.md, experiment 97).
// Otherwise one madvise per range, and from then on in every call if the
// kernel refused the batch (an older kernel, a seccomp filter that returns an
// error). errno is left as it was.
void OsDecommitRanges(const OsRange* ranges, size_t n, Decommit how, bool batched, bool* zeroed);
// Whether the kernel has refused a batched OsDecommitRanges.
bool OsDecommitBatchRefused();
void OsNoteDecommitSkipped();
// Keeps the kernel from backing [addr, addr + size) (page-aligned) with
// transparent huge pages (MADV_NOHUGEPAGE): with THP set to `always`, touching
// one block of a 2 MiB-aligned superslab would otherwise make 2 MiB resident.
// Counted as an madvise of `size` bytes.
void OsUseSmallPages(void* addr, size_t size);

// Every counter since start-up (a failed mmap counts as a call of 0 bytes). A
// snapshot taken while other threads map and unmap is consistent in itself:
// never more bytes unmapped than mapped, never a call without its bytes.
OsCounters OsCountersSnapshot();
// Bytes currently mapped by the allocator.
size_t OsMappedBytes();

}  // namespace hakmem

#endif  // HAKMEM_BOXES_OS_MEMORY_OS_MEMORY_H_
