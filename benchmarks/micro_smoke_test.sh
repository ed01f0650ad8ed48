#!/usr/bin/env bash
# Runs //benchmarks:micro for every allocator on two tiny benchmarks and checks
# the side-by-side table's shape. Nothing is timed or compared.
set -uo pipefail
runner="$1"
shift
allocators=("$@")
out="${TEST_TMPDIR:-/tmp}/micro.txt"
"$runner" --filter='BM_MallocFree/16$|BM_Calloc/64$' --min_time=0.001 --rounds=2 >"$out" 2>"$out.err"
status=$?
cat "$out"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
[[ $status -eq 0 ]] || { fail "runner exited $status"; cat "$out.err"; }
header=$(head -n 1 "$out")
for allocator in "${allocators[@]}"; do
  [[ "$header" == *"$allocator ns"* ]] || fail "no column for $allocator"
done
# "X ns" per allocator, "X xglibc" per non-baseline allocator (two words each).
expected_fields=$((1 + ${#allocators[@]} * 2 + (${#allocators[@]} - 1) * 2))
for benchmark in "BM_MallocFree/16" "BM_Calloc/64"; do
  line=$(grep "^$benchmark " "$out")
  [[ -n "$line" ]] || { fail "no row for $benchmark"; continue; }
  [[ $(wc -w <<<"$line") -eq $((1 + ${#allocators[@]} * 2 - 1)) ]] || fail "$benchmark row: $line"
done
[[ $(wc -w <<<"$header") -eq $expected_fields ]] || fail "header has $(wc -w <<<"$header") words: $header"
"$runner" --allocators=nosuchmalloc >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "unknown allocator not rejected with exit code 2"
[[ $failures -eq 0 ]] || exit 1
echo "micro smoke test: all checks passed"
