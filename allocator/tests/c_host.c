/* A C program (no libstdc++ linked) for cxx_runtime_preload_test.sh.
 *
 *   c_host --maps                  prints "libstdc++ mapped: yes|no" for itself
 *   c_host PLUGIN [global|local]   dlopen()s the C++ PLUGIN, runs its checks
 *   c_host --new-without-runtime   calls hakmem's operator new (found with
 *                                  dlsym) for an impossible size while no C++
 *                                  runtime is loaded: must abort with a message
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int LibStdCxxMapped(void) {
  FILE* maps = fopen("/proc/self/maps", "r");
  char line[4096];
  int found = 0;
  if (maps == NULL) return -1;
  while (fgets(line, sizeof(line), maps) != NULL) {
    if (strstr(line, "libstdc++") != NULL) found = 1;
  }
  fclose(maps);
  return found;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s --maps | PLUGIN [global|local] | --new-without-runtime\n", argv[0]);
    return 2;
  }
  if (strcmp(argv[1], "--maps") == 0) {
    printf("libstdc++ mapped: %s\n", LibStdCxxMapped() ? "yes" : "no");
    return 0;
  }
  if (strcmp(argv[1], "--new-without-runtime") == 0) {
    void* (*operator_new)(size_t) = (void* (*)(size_t))dlsym(RTLD_DEFAULT, "_Znwm");
    if (operator_new == NULL) {
      fprintf(stderr, "no operator new in the process\n");
      return 3;
    }
    printf("libstdc++ mapped: %s\n", LibStdCxxMapped() ? "yes" : "no");
    fflush(stdout);
    volatile size_t size = SIZE_MAX / 2;
    void* p = operator_new(size);
    printf("operator new returned %p\n", p);
    return 4;
  }
  printf("before dlopen: libstdc++ mapped: %s\n", LibStdCxxMapped() ? "yes" : "no");
  const int scope = argc > 2 && strcmp(argv[2], "global") == 0 ? RTLD_GLOBAL : RTLD_LOCAL;
  void* plugin = dlopen(argv[1], RTLD_NOW | scope);
  if (plugin == NULL) {
    fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
    return 3;
  }
  printf("after dlopen: libstdc++ mapped: %s\n", LibStdCxxMapped() ? "yes" : "no");
  int (*run)(void) = (int (*)(void))dlsym(plugin, "hakmem_test_new_semantics");
  if (run == NULL) {
    fprintf(stderr, "no hakmem_test_new_semantics in %s\n", argv[1]);
    return 3;
  }
  const int failures = run();
  printf("failures: %d\n", failures);
  fflush(stdout);
  dlclose(plugin);
  return failures == 0 ? 0 : 1;
}
