#!/usr/bin/env bash
# A few seconds of soak with one allocator's binary: the CSV is complete and
# well-formed, RSS stays bounded, Ctrl-C ends the run cleanly, the
# multi-threaded variant works, and under the tracer (the syscall variant) the
# OS-call columns are filled. Nothing here depends on throughput.
#
# usage: soak_smoke_test.sh SOAK_BINARY SOAK_ANALYZE TRACE_SYSCALLS
set -uo pipefail

readonly SOAK=$1 ANALYZE=$2 TRACER=$3
readonly WORK="${TEST_TMPDIR:-$(mktemp -d)}"
readonly HEADER="epoch,elapsed_s,epoch_s,epoch_ops,total_ops,ops_per_s,rss_bytes,mmap_calls,munmap_calls,madvise_calls,mremap_calls,brk_calls,allocator_mmap_calls,allocator_munmap_calls,allocator_madvise_calls,unix_time"
# Live data of the Mixed workload is a few MiB; a leak at its allocation rate
# would pass this within a second.
readonly RSS_BOUND_MIB=256
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# check_csv FILE MIN_ROWS [traced]: header, row count, soak_analyze's checks
# of completeness (epochs 1..n, consistent totals) and of the RSS bound, and
# which OS-call columns are filled.
check_csv() {
  local file=$1 min_rows=$2 traced=${3:-}
  [[ "$(head -n 1 "$file")" == "$HEADER" ]] || fail "$file: header is '$(head -n 1 "$file")'"
  local rows=$(($(wc -l <"$file") - 1))
  ((rows >= min_rows)) || fail "$file: $rows epochs, expected at least $min_rows"
  local analysis
  if ! analysis=$("$ANALYZE" --warmup=0% --gates=rss_max --max_rss_mib=$RSS_BOUND_MIB "$file" 2>&1); then
    fail "soak_analyze rejected $file:"$'\n'"$analysis"
  fi
  # The tracer's counts exactly when traced, for every allocator...
  if [[ -n "$traced" ]]; then
    [[ "$analysis" == *"syscalls/op:       "*"brk "* ]] || fail "$file: traced run has no OS-call counts"
    [[ "$(tail -n 1 "$file" | cut -d, -f8)" -gt 0 ]] || fail "$file: traced run counted no mmap at all"
  else
    [[ "$analysis" == *"syscalls/op:       n/a"* ]] || fail "$file: untraced run has OS-call counts"
  fi
  # ...and the allocator's own counters only for hakmem.
  if [[ "$SOAK" == *_hakmem ]]; then
    [[ "$analysis" == *"allocator's count: "* ]] || fail "$file: hakmem run lacks its own counters"
  else
    [[ "$analysis" != *"allocator's count: "* ]] || fail "$file: unexpected allocator counters"
  fi
}

# 1. A short single-threaded run.
if ! "$SOAK" --duration=3s --epoch=250ms --csv="$WORK/single.csv" >"$WORK/single.out" 2>"$WORK/single.err"; then
  fail "single-threaded run failed: $(cat "$WORK/single.err")"
fi
check_csv "$WORK/single.csv" 6
grep -q "^soak: allocator=.* variant=throughput" "$WORK/single.err" || fail "no start line on stderr"
grep -q "Mops/s  RSS" "$WORK/single.err" || fail "no progress line on stderr"
grep -q "^soak: done after" "$WORK/single.err" || fail "no end line on stderr"
grep -q "^== soak " "$WORK/single.out" || fail "no summary on stdout"
grep -q "^VERDICT: " "$WORK/single.out" || fail "no verdict in the summary"
last_elapsed=$(tail -n 1 "$WORK/single.csv" | cut -d, -f2)
awk -v t="$last_elapsed" 'BEGIN { exit !(t >= 3 && t < 10) }' || fail "last epoch ends at $last_elapsed s"
# The rows carry the wall-clock time of their epoch's end (the run just ended).
last_unix=$(tail -n 1 "$WORK/single.csv" | cut -d, -f16)
awk -v t="$last_unix" -v now="$(date +%s)" 'BEGIN { exit !(t > now - 60 && t <= now + 1) }' ||
  fail "last epoch's unix_time is '$last_unix', not about $(date +%s)"

# 2. Ctrl-C: a long run interrupted still leaves a complete CSV and a summary.
"$SOAK" --duration=10m --epoch=200ms --csv="$WORK/interrupted.csv" >"$WORK/interrupted.out" \
  2>"$WORK/interrupted.err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
status=$?
((status == 0)) || fail "interrupted run exited $status: $(cat "$WORK/interrupted.err")"
grep -q "^soak: stopped after" "$WORK/interrupted.err" || fail "interrupted run did not report stopping"
grep -q "^== soak " "$WORK/interrupted.out" || fail "interrupted run printed no summary"
check_csv "$WORK/interrupted.csv" 3

# 3. The multi-threaded variant (blocks handed between threads).
if ! "$SOAK" --threads=2 --duration=1500ms --epoch=250ms --csv="$WORK/threads.csv" --summary=false \
  >/dev/null 2>"$WORK/threads.err"; then
  fail "two-thread run failed: $(cat "$WORK/threads.err")"
fi
grep -q "threads=2" "$WORK/threads.err" || fail "two-thread run did not say threads=2"
check_csv "$WORK/threads.csv" 3

# 4. Bad flags are refused before anything runs; the allocator is the right one.
"$SOAK" --duration=0s --csv="$WORK/none.csv" >/dev/null 2>&1 && fail "--duration=0s was accepted"
"$SOAK" --seed=0 --csv="$WORK/none.csv" >/dev/null 2>&1 && fail "--seed=0 was accepted"
allocator=${SOAK##*_}
"$SOAK" --print_allocator | grep -q "^allocator=$allocator library=.*/lib$allocator\|^allocator=glibc library=.*/libc.so" ||
  fail "--print_allocator: $("$SOAK" --print_allocator 2>&1)"

# 5. The syscall variant: under the tracer every row has the traced counts,
#    and Ctrl-C given to the tracer still ends the run cleanly.
if ! "$TRACER" "$SOAK" --duration=1500ms --epoch=250ms --csv="$WORK/traced.csv" --summary=false \
  >/dev/null 2>"$WORK/traced.err"; then
  fail "traced run failed: $(cat "$WORK/traced.err")"
fi
grep -q "variant=syscall" "$WORK/traced.err" || fail "traced run did not say variant=syscall"
check_csv "$WORK/traced.csv" 3 traced
"$TRACER" "$SOAK" --duration=10m --epoch=200ms --threads=2 --csv="$WORK/traced_interrupted.csv" \
  >"$WORK/traced_interrupted.out" 2>"$WORK/traced_interrupted.err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
status=$?
((status == 0)) || fail "interrupted traced run exited $status: $(cat "$WORK/traced_interrupted.err")"
grep -q "^soak: stopped after" "$WORK/traced_interrupted.err" || fail "interrupted traced run did not stop cleanly"
check_csv "$WORK/traced_interrupted.csv" 3 traced

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "soak smoke test passed: $SOAK"
