#!/usr/bin/env bash
# Runs //benchmarks:mixed end to end with tiny settings for every allocator and
# checks the table's shape, the output files, and the exit code of bad flags.
# Nothing is timed or compared.
set -uo pipefail

runner="$1"
shift
expected_allocators=("$@")
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$runner" --cycles=20000 --runs=1 --csv="$tmp/out.csv" --json="$tmp/out.json" --svg="$tmp/out.svg" \
  >"$tmp/table.txt" 2>"$tmp/progress.txt"
status=$?
cat "$tmp/table.txt"
[[ $status -eq 0 ]] || { fail "runner exited $status"; cat "$tmp/progress.txt"; }

header=$(grep -n '^allocator ' "$tmp/table.txt" | cut -d: -f1)
[[ -n "$header" ]] || fail "no header row"
for column in "median ops/s" "CV %" "min ops/s" "max ops/s" "x mimalloc" "x glibc" "peak RSS MiB" "max RSS MiB" \
  "mmap/op" "munmap/op" "madvise/op" "mremap/op" "brk/op"; do
  grep -q "^allocator .*$column" "$tmp/table.txt" || fail "column '$column' missing"
done
header_fields=$(sed -n "${header}p" "$tmp/table.txt" | sed 's/median ops\/s/median/; s/CV %/CV/; s/min ops\/s/min/; s/max ops\/s/max/; s/x mimalloc/xm/; s/x glibc/xg/; s/peak RSS MiB/rss/; s/max RSS MiB/maxrss/' | wc -w)
row=$((header + 1))
for allocator in "${expected_allocators[@]}"; do
  line=$(sed -n "${row}p" "$tmp/table.txt")
  [[ "$line" == "$allocator "* ]] || fail "row $row is '$line', expected $allocator"
  fields=$(wc -w <<<"$line")
  [[ "$fields" -eq "$header_fields" ]] || fail "$allocator row has $fields fields, header $header_fields"
  grep -q "n/a" <<<"$line" && fail "$allocator: OS calls were not counted"
  row=$((row + 1))
done
grep -q "run 1/1" "$tmp/progress.txt" || fail "no progress on stderr"

[[ $(wc -l <"$tmp/out.csv") -eq $((${#expected_allocators[@]} + 1)) ]] || fail "CSV line count"
grep -q '"allocators": \[' "$tmp/out.json" || fail "JSON lacks allocators"
[[ $(grep -c 'class="bar"' "$tmp/out.svg") -eq ${#expected_allocators[@]} ]] || fail "SVG bar count"

# Bad flags: one line on stderr, exit code 2.
expect_bad() {
  local stderr_file="$tmp/bad.txt"
  "$runner" --cycles=1000 --runs=1 "$@" >/dev/null 2>"$stderr_file"
  local code=$?
  [[ $code -eq 2 ]] || fail "$* exited $code, expected 2"
  [[ $(wc -l <"$stderr_file") -eq 1 ]] || fail "$*: expected one line, got: $(cat "$stderr_file")"
}
expect_bad --runs=0
expect_bad --ws=0
expect_bad --min_size=2000 --max_size=100
expect_bad --allocators=glibc,nosuchmalloc
expect_bad --threads=0
expect_bad --extra=x=/nonexistent

# A binary whose malloc is not the one it was built for is refused.
if [[ -n "${MISWIRED_WORKER:-}" ]]; then
  "$runner" --cycles=1000 --runs=1 --allocators=glibc --extra="miswired=$PWD/$MISWIRED_WORKER" \
    >/dev/null 2>"$tmp/refused.txt"
  code=$?
  [[ $code -ne 0 ]] || fail "mis-wired worker was not refused"
  grep -q "refusing miswired" "$tmp/refused.txt" || fail "no refusal message: $(cat "$tmp/refused.txt")"
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "mixed smoke test: all checks passed"
