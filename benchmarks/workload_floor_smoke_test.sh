#!/usr/bin/env bash
# The workload floors run through //benchmarks:mixed like any allocator (as
# the scorecard runs them): each worker's malloc is its floor library, and a
# tiny run of each gives a table row. Nothing is timed or compared.
set -uo pipefail

runner="$1"
noop_worker="$PWD/$2"
bare_list_worker="$PWD/$3"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$noop_worker" --print_allocator | grep -q "allocator=noop library=.*/libnoop_allocator.so" ||
  fail "noop worker: $("$noop_worker" --print_allocator 2>&1)"
"$bare_list_worker" --print_allocator | grep -q "allocator=bare_list library=.*/libbare_list_allocator.so" ||
  fail "bare_list worker: $("$bare_list_worker" --print_allocator 2>&1)"

for ws in 400 8192; do
  "$runner" --allocators=glibc,floor-noop,floor-bare-list \
    --extra="floor-noop=$noop_worker,floor-bare-list=$bare_list_worker" \
    --cycles=20000 --runs=2 --ws=$ws >"$tmp/table.txt" 2>"$tmp/progress.txt"
  status=$?
  cat "$tmp/table.txt"
  [[ $status -eq 0 ]] || { fail "runner exited $status at ws=$ws"; cat "$tmp/progress.txt"; }
  for row in floor-noop floor-bare-list; do
    grep -q "^$row  *[0-9.]*M " "$tmp/table.txt" || fail "no $row row at ws=$ws"
  done
done

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "workload floor smoke test: all checks passed"
