/* Loads libhakmem.so with dlopen() after start-up, as a plugin that uses the
 * prefixed API would, and allocates through it on two threads. A library
 * loaded late gets its initial-exec TLS from the little static TLS glibc keeps
 * in reserve, so hakmem's per-thread state there must stay small (a pointer):
 * docs/PERFORMANCE.md, experiment 39, failed here with "cannot allocate memory
 * in static TLS block".
 *
 *   dlopen_api_test PATH_TO_LIBHAKMEM_SO
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef void* (*MallocFn)(size_t);
typedef void (*FreeFn)(void*);

static MallocFn hak_malloc_fn;
static FreeFn hak_free_fn;

/* Allocates, fills and frees blocks from 1 B to a large object (1 MiB);
 * returns the number of failures. */
static int Churn(void) {
  static const size_t kSizes[] = {1, 16, 100, 700, 4096, 40000, 1 << 20};
  int failures = 0;
  for (int round = 0; round < 100; ++round) {
    for (size_t i = 0; i < sizeof(kSizes) / sizeof(kSizes[0]); ++i) {
      unsigned char* p = hak_malloc_fn(kSizes[i]);
      if (p == NULL) {
        ++failures;
        continue;
      }
      memset(p, 0xA5, kSizes[i]);
      if (p[kSizes[i] - 1] != 0xA5) ++failures;
      hak_free_fn(p);
    }
  }
  return failures;
}

static void* ThreadMain(void* arg) {
  *(int*)arg = Churn();
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PATH_TO_LIBHAKMEM_SO\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "FAIL: dlopen: %s\n", dlerror());
    return 1;
  }
  hak_malloc_fn = (MallocFn)dlsym(lib, "hak_malloc");
  hak_free_fn = (FreeFn)dlsym(lib, "hak_free");
  if (hak_malloc_fn == NULL || hak_free_fn == NULL) {
    fprintf(stderr, "FAIL: hak_malloc / hak_free not found in %s\n", argv[1]);
    return 1;
  }
  int thread_failures = -1;
  pthread_t thread;
  if (pthread_create(&thread, NULL, ThreadMain, &thread_failures) != 0) {
    fprintf(stderr, "FAIL: pthread_create\n");
    return 1;
  }
  const int failures = Churn();
  pthread_join(thread, NULL);
  if (failures != 0 || thread_failures != 0) {
    fprintf(stderr, "FAIL: %d failed allocations on the main thread, %d on the other\n", failures,
            thread_failures);
    return 1;
  }
  printf("PASS: libhakmem.so dlopen()ed, hak_malloc/hak_free work on two threads\n");
  return 0;
}
