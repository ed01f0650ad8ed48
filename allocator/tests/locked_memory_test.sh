#!/bin/bash
# A program that locks its memory (mlockall) locks what hakmem maps for it, not
# more: its chunk maps take a few pages, not the 16 MiB of bss the flat maps
# were (docs/PERFORMANCE.md, experiment 84). The probe runs plain (glibc) and
# under LD_PRELOAD; hakmem may lock at most 8 MiB more than glibc: a superslab
# (2 MiB), its heaps' arena (1 MiB), the 1 MiB object and the library.
set -euo pipefail

lib="$(realpath "$1")"
probe="$(realpath "$2")"
limit_kib=$((8 * 1024))

locked() {  # prints the probe's locked KiB, or fails the test
  local out
  if ! out="$("$@" 2>&1)"; then
    echo "FAIL: $* exited non-zero: $out" >&2
    echo "(mlockall needs CAP_IPC_LOCK or an RLIMIT_MEMLOCK above the program's size)" >&2
    exit 1
  fi
  sed -n 's/^locked_kib=//p' <<<"$out"
}

plain="$(locked "$probe")"
hakmem="$(locked env LD_PRELOAD="$lib" "$probe")"
echo "locked: glibc ${plain} KiB, hakmem ${hakmem} KiB"
if ((hakmem - plain > limit_kib)); then
  echo "FAIL: hakmem locks $((hakmem - plain)) KiB more than glibc (at most ${limit_kib})" >&2
  exit 1
fi
echo "ok"
