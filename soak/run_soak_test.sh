#!/usr/bin/env bash
# //soak:mixed end to end with one allocator for a second and a half: CSV,
# plots and a verdict come out; unknown allocators are refused.
set -uo pipefail

readonly RUNNER="$TEST_SRCDIR/$TEST_WORKSPACE/soak/mixed"
readonly OUT="$TEST_TMPDIR/out"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

"$RUNNER" --allocators=glibc --out_dir="$OUT" --label_suffix=_probe --duration=1500ms --epoch=250ms \
  >"$TEST_TMPDIR/run.out" 2>"$TEST_TMPDIR/run.err"
status=$?
# The verdict gates on CV and drift, which a run this short on a busy machine
# may well breach: 0 and 1 are both fine, 2 (bad input) is not.
((status == 0 || status == 1)) || fail "runner exited $status: $(cat "$TEST_TMPDIR/run.err")"
[[ -s "$OUT/soak_glibc_probe.csv" ]] || fail "no CSV"
grep -q "<polyline" "$OUT/rss.svg" 2>/dev/null || fail "no RSS plot"
grep -q ">glibc_probe</text>" "$OUT/ops.svg" 2>/dev/null || fail "ops plot lacks the run's label"
grep -q "^VERDICT: " "$TEST_TMPDIR/run.out" || fail "no verdict: $(cat "$TEST_TMPDIR/run.out")"

"$RUNNER" --allocators=nosuch --out_dir="$OUT" >/dev/null 2>"$TEST_TMPDIR/bad.err"
status=$?
((status == 2)) || fail "unknown allocator: exit $status"
grep -q "unknown allocator 'nosuch' (known: .*glibc" "$TEST_TMPDIR/bad.err" || fail "$(cat "$TEST_TMPDIR/bad.err")"

if ((failures)); then exit 1; fi
echo "run_soak test passed"
