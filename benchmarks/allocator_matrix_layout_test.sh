#!/usr/bin/env bash
# Every per-allocator Mixed worker has the Mixed loop's functions at a 64-byte
# boundary (allocator_matrix.bzl, SHARED_CODE_COPTS): the same object code then
# sits at the same offset within its cache lines in every binary, whatever
# each binary's PLT adds in front of it.
set -uo pipefail

failures=0
for worker in "$@"; do
  # Cold parts (.cold, the compiler's out-of-line error paths) are not the loop.
  symbols=$(nm "$worker" | grep -E ' [Tt] .*(RunMixed|RunMultiThreaded|MainEiPPc)' | grep -v '\.cold$')
  [[ -n "$symbols" ]] || { echo "FAIL: $worker: no Mixed-loop symbols"; failures=$((failures + 1)); continue; }
  while read -r address _ name; do
    if (( 16#$address % 64 != 0 )); then
      echo "FAIL: $worker: $name at 0x$address, not 64-byte aligned"
      failures=$((failures + 1))
    fi
  done <<<"$symbols"
  echo "$worker: $(wc -l <<<"$symbols") functions checked"
done
[[ $# -ge 2 ]] || { echo "FAIL: expected several workers, got $#"; failures=$((failures + 1)); }
if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "allocator matrix layout test: all checks passed"
