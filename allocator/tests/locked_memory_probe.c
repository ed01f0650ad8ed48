/* Locks its memory (mlockall, current and future), then allocates and frees a
   small block and a 1 MiB one, and prints how much memory is locked (VmLck of
   /proc/self/status, KiB). Run plain and under LD_PRELOAD=libhakmem.so by
   locked_memory_test.sh. Exits 2 when mlockall fails, 3 when malloc does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static long StatusKib(const char* field) {
  FILE* f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  char line[256];
  long kib = -1;
  const size_t n = strlen(field);
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, field, n) == 0) kib = atol(line + n);
  }
  fclose(f);
  return kib;
}

int main(void) {
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    fprintf(stderr, "mlockall: %s\n", strerror(errno));
    return 2;
  }
  void* small = malloc(64);
  void* large = malloc((size_t)1 << 20);
  if (small == NULL || large == NULL) {
    fprintf(stderr, "malloc under mlockall: %s\n", strerror(errno));
    return 3;
  }
  memset(large, 1, (size_t)1 << 20);
  free(small);
  free(large);
  printf("locked_kib=%ld\n", StatusKib("VmLck:"));
  return 0;
}
