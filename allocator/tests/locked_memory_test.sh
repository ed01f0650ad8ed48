#!/bin/bash
# A program that locks its memory (mlockall) locks what hakmem maps for it, not
# more: its chunk maps take a few pages, not the 16 MiB of bss the flat maps
# were (docs/PERFORMANCE.md, experiment 84), and its heaps' arena a few heaps,
# not the 1 MiB it was (experiment 86). The probe runs plain (glibc) and under
# LD_PRELOAD; hakmem may lock at most 4 MiB more than glibc: a superslab
# (2 MiB), the 1 MiB object its thread keeps for reuse, the arena and the
# library (3.3-3.4 MiB in every profile; 4.2 MiB with 1 MiB arenas).
set -euo pipefail

lib="$(realpath "$1")"
probe="$(realpath "$2")"
limit_kib=$((4 * 1024))

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
