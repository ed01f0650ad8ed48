#!/usr/bin/env bash
# Runs valgrind_workload (hakmem linked in as malloc) under memcheck. Fails on
# any memcheck error whose stack passes through hakmem (its functions are in
# namespace hakmem, its files under allocator/ and boxes/), and on the workload
# failing. valgrind comes from Debian's `valgrind` package (tools/bazel).
set -euo pipefail

workload="$1"
if ! command -v valgrind >/dev/null; then
  echo "valgrind_test: valgrind is not installed (Debian package 'valgrind')" >&2
  exit 1
fi

log="${TEST_TMPDIR:-/tmp}/memcheck.log"
status=0
# nouserintercepts: memcheck must not swap its own malloc in for hakmem's.
valgrind --tool=memcheck --error-exitcode=99 --track-origins=yes --num-callers=30 \
  --soname-synonyms=somalloc=nouserintercepts \
  --log-file="$log" "$workload" || status=$?
cat "$log"

# One memcheck report: from a line "==pid== <Kind>" to the next blank "==pid== ".
hakmem_reports=$(awk '
  /^==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Jump to the invalid|Process terminating)/ {
    in_report = 1; report = $0 "\n"; touches = 0; next
  }
  in_report && /^==[0-9]+== *$/ {
    if (touches) printf "%s", report
    in_report = 0; next
  }
  in_report {
    report = report $0 "\n"
    if ($0 ~ /hakmem::|hak_|\(allocator\/|\(boxes\//) touches = 1
  }
' "$log")

if [[ -n "$hakmem_reports" ]]; then
  echo "valgrind_test: memcheck errors inside hakmem:" >&2
  echo "$hakmem_reports" >&2
  exit 1
fi
if [[ $status -ne 0 ]]; then
  echo "valgrind_test: the workload under memcheck exited with status $status" >&2
  exit 1
fi
grep -q "ERROR SUMMARY: 0 errors" "$log" || {
  echo "valgrind_test: memcheck reported errors outside hakmem (see above)" >&2
  exit 1
}
echo "valgrind_test: memcheck clean"
