/* hakmem's prefixed, non-overriding API.
 *
 * The same allocator that //allocator installs as the process's malloc, under
 * names that do not clash with libc: usable beside another malloc (and under
 * ASan/UBSan/TSan, which bring their own). Semantics match the libc function of
 * the same name (see docs/API.md).
 */
#ifndef HAKMEM_ALLOCATOR_HAKMEM_H_
#define HAKMEM_ALLOCATOR_HAKMEM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HAKMEM_API __attribute__((visibility("default")))
#else
#define HAKMEM_API
#endif

HAKMEM_API void* hak_malloc(size_t size);
HAKMEM_API void hak_free(void* ptr);
HAKMEM_API void* hak_calloc(size_t count, size_t size);
HAKMEM_API void* hak_realloc(void* ptr, size_t size);
HAKMEM_API void* hak_reallocarray(void* ptr, size_t count, size_t size);
/* Returns 0, EINVAL (alignment not a power of two multiple of sizeof(void*))
 * or ENOMEM; *out is untouched on failure. */
HAKMEM_API int hak_posix_memalign(void** out, size_t alignment, size_t size);
/* C11: NULL with errno=EINVAL when alignment is not a power of two. */
HAKMEM_API void* hak_aligned_alloc(size_t alignment, size_t size);
HAKMEM_API void* hak_memalign(size_t alignment, size_t size);
HAKMEM_API void* hak_valloc(size_t size);
HAKMEM_API void* hak_pvalloc(size_t size);
HAKMEM_API size_t hak_usable_size(const void* ptr);
HAKMEM_API void hak_free_sized(void* ptr, size_t size);
HAKMEM_API void hak_free_aligned_sized(void* ptr, size_t alignment, size_t size);

/* Returns free memory to the OS; 1 if any was released. `pad` is ignored. */
HAKMEM_API int hak_trim(size_t pad);

/* Figures for mallinfo2/malloc_stats and the stats box. */
typedef struct hak_heap_info {
  size_t mapped_bytes;     /* bytes currently mapped from the OS */
  size_t in_use_bytes;     /* bytes in blocks handed out and not freed */
  size_t free_bytes;       /* mapped_bytes - in_use_bytes */
  size_t superslabs_live;  /* superslabs currently mapped */
  size_t large_live;       /* large objects currently mapped */
} hak_heap_info;
HAKMEM_API void hak_heap_info_get(hak_heap_info* out);

/* OS call counters (present in every profile). */
typedef struct hak_os_counters {
  uint64_t mmap_calls;
  uint64_t munmap_calls;
  uint64_t madvise_calls;
  uint64_t madvise_skipped;
  uint64_t mmap_bytes;
  uint64_t munmap_bytes;
  uint64_t madvise_bytes;
} hak_os_counters;
HAKMEM_API void hak_os_counters_get(hak_os_counters* out);

/* Counters of the stats box (OBSERVE profile). Where the box is compiled out,
 * `enabled` is 0 and the per-class counters are zero; the OS counters and the
 * superslab figures are kept in every profile. */
#define HAK_STATS_MAX_CLASSES 96
typedef struct hak_class_stats {
  size_t block_size;
  uint64_t allocs;
  uint64_t frees;
  uint64_t refills;
  uint64_t flushes;
  uint64_t remote_frees;
} hak_class_stats;
typedef struct hak_stats {
  int enabled;
  const char* profile; /* "FAST", "BALANCED" or "OBSERVE" */
  size_t num_classes;
  hak_class_stats classes[HAK_STATS_MAX_CLASSES];
  uint64_t superslabs_live;
  uint64_t superslabs_peak;
  hak_heap_info heap;
  hak_os_counters os;
} hak_stats;
HAKMEM_API void hak_stats_get(hak_stats* out);
/* Human-readable report (classes with activity only) to file descriptor `fd`.
 * This and hak_stats_json may be called from several threads at once; each
 * call reports from a snapshot of its own (about 5 KiB of the caller's stack). */
HAKMEM_API void hak_stats_print(int fd);
/* The same as JSON into buf; returns the length it needs (excluding the NUL),
 * writing at most len bytes including a terminating NUL. */
HAKMEM_API size_t hak_stats_json(char* buf, size_t len);

/* Verifies the calling thread's heap and abandoned superslabs; each problem is
 * written to stderr. Returns the number of problems (0: consistent). */
HAKMEM_API size_t hak_heap_check(void);

#ifdef __cplusplus
}
#endif

#endif /* HAKMEM_ALLOCATOR_HAKMEM_H_ */
