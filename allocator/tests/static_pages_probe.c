/* Allocates and frees a little (small blocks of several classes, a 1 MiB
   block, a calloc and a realloc), then counts the pages of libhakmem.so's
   zero-initialised statics (.bss and .lbss, from the page .data ends in) that
   the process has written: present and mapped by this process alone
   (/proc/self/pagemap bits 63 and 56; a page only read maps the shared zero
   page, which is not counted). Run under LD_PRELOAD=libhakmem.so by
   static_pages_test.sh. Exits 2 when the library or the pagemap is not found,
   3 when malloc fails. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct Range {
  uintptr_t start, end;
};

static int FindStatics(struct dl_phdr_info* info, size_t size, void* data) {
  (void)size;
  if (strstr(info->dlpi_name, "libhakmem") == NULL) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)* ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
    struct Range* r = data;
    r->start = info->dlpi_addr + ph->p_vaddr + ph->p_filesz;
    r->end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    return 1;
  }
  return 0;
}

int main(void) {
  void* blocks[64];
  for (int i = 0; i < 64; ++i) {
    blocks[i] = malloc((size_t)(16 + 48 * i));
    if (blocks[i] == NULL) return 3;
    memset(blocks[i], 1, 16);
  }
  void* large = malloc((size_t)1 << 20);
  void* zeroed = calloc(100, 8);
  if (large == NULL || zeroed == NULL) return 3;
  memset(large, 1, (size_t)1 << 20);
  zeroed = realloc(zeroed, 5000);
  if (zeroed == NULL) return 3;
  for (int i = 0; i < 64; ++i) free(blocks[i]);
  free(large);
  free(zeroed);

  struct Range r = {0, 0};
  if (!dl_iterate_phdr(FindStatics, &r)) {
    fprintf(stderr, "libhakmem.so is not loaded\n");
    return 2;
  }
  const long page = sysconf(_SC_PAGESIZE);
  const uintptr_t first = r.start / page, last = (r.end + page - 1) / page;
  const int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) {
    perror("/proc/self/pagemap");
    return 2;
  }
  long written = 0;
  for (uintptr_t p = first; p < last; ++p) {
    uint64_t entry = 0;
    if (pread(fd, &entry, sizeof entry, (off_t)(p * sizeof entry)) != sizeof entry) return 2;
    if ((entry >> 63 & 1) && (entry >> 56 & 1)) ++written;
  }
  close(fd);
  printf("static_pages=%lu written_static_pages=%ld\n", (unsigned long)(last - first), written);
  return 0;
}
