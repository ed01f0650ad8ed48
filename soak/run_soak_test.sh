#!/usr/bin/env bash
# //soak:mixed end to end with one allocator for a second and a half: CSV,
# plots and a verdict come out, the syscall variant (the default) fills the
# OS-call columns and the throughput variant leaves them empty; unknown
# allocators and variants are refused.
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
grep -q "variant=syscall" "$TEST_TMPDIR/run.err" || fail "default variant is not syscall: $(cat "$TEST_TMPDIR/run.err")"
[[ -n "$(tail -n 1 "$OUT/soak_glibc_probe.csv" | cut -d, -f8)" ]] || fail "syscall variant left mmap_calls empty"

"$RUNNER" --allocators=glibc --out_dir="$OUT" --label_suffix=_plain --variant=throughput --duration=600ms \
  --epoch=200ms >/dev/null 2>"$TEST_TMPDIR/plain.err"
status=$?
((status == 0 || status == 1)) || fail "throughput variant exited $status: $(cat "$TEST_TMPDIR/plain.err")"
grep -q "variant=throughput" "$TEST_TMPDIR/plain.err" || fail "throughput variant: $(cat "$TEST_TMPDIR/plain.err")"
[[ -z "$(tail -n 1 "$OUT/soak_glibc_plain.csv" | cut -d, -f8)" ]] || fail "throughput variant filled mmap_calls"

# SIGTERM to the whole run (as Ctrl-C on a terminal reaches every process of
# the foreground group): the allocator in progress ends cleanly, the next one
# is skipped, the analysis still runs. setsid gives the run its own group.
setsid "$RUNNER" --allocators=glibc,glibc --out_dir="$OUT/stopped" --duration=10m --epoch=200ms \
  >"$TEST_TMPDIR/stopped.out" 2>"$TEST_TMPDIR/stopped.err" &
pid=$!
sleep 2
kill -TERM -- "-$pid"
wait "$pid"
status=$?
((status == 0 || status == 1)) || fail "stopped run exited $status: $(cat "$TEST_TMPDIR/stopped.err")"
grep -q "^soak: stopped after" "$TEST_TMPDIR/stopped.err" || fail "no clean stop: $(cat "$TEST_TMPDIR/stopped.err")"
grep -q "interrupted, skipping glibc" "$TEST_TMPDIR/stopped.err" || fail "the second run was not skipped"
grep -q "^VERDICT: " "$TEST_TMPDIR/stopped.out" || fail "no verdict after the stop"

"$RUNNER" --allocators=glibc --out_dir="$OUT" --variant=fast >/dev/null 2>"$TEST_TMPDIR/variant.err"
status=$?
((status == 2)) || fail "unknown variant: exit $status"

"$RUNNER" --allocators=nosuch --out_dir="$OUT" >/dev/null 2>"$TEST_TMPDIR/bad.err"
status=$?
((status == 2)) || fail "unknown allocator: exit $status"
grep -q "unknown allocator 'nosuch' (known: .*glibc" "$TEST_TMPDIR/bad.err" || fail "$(cat "$TEST_TMPDIR/bad.err")"

if ((failures)); then exit 1; fi
echo "run_soak test passed"
