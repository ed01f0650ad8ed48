#!/bin/bash
# The exported allocation entry points of libhakmem.so start at a cache line
# (allocator/BUILD.bazel, -falign-functions=64): the fast paths are inlined
# into them, and one that starts late in a line costs an extra fetch after
# every call (docs/PERFORMANCE.md, experiment 40). The workload floors' are
# checked too (benchmarks/workload_floor, experiment 56).
#
#   entry_alignment_test.sh LIB [SYMBOL...]   (default: hakmem's entry points)
set -euo pipefail

lib="$1"
shift
fail() { echo "FAIL: $*" >&2; exit 1; }

# malloc, free, and operator new / delete (plain and sized).
entries=(malloc free calloc realloc _Znwm _ZdlPv _ZdlPvm _Znam _ZdaPv)
(( $# == 0 )) || entries=("$@")
symbols=$(nm -D --defined-only "$lib")
checked=0
for name in "${entries[@]}"; do
  addr=$(awk -v n="$name" '$3 == n { print $1 }' <<<"$symbols")
  [[ -n "$addr" ]] || fail "$name is not exported by $lib"
  (( 16#$addr % 64 == 0 )) || fail "$name starts at 0x$addr, not at a 64-byte boundary"
  checked=$((checked + 1))
done
echo "PASS: ${checked} entry points start at a cache line"
