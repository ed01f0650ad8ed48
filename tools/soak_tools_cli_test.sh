#!/usr/bin/env bash
# End-to-end checks of soak_analyze, csv_percentile, soak_compare and
# soak_plot on CSVs with known figures.
set -uo pipefail

readonly BIN="${TEST_SRCDIR}/${TEST_WORKSPACE}/tools"
readonly WORK="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_run EXPECTED_EXIT NEEDLE COMMAND...: runs COMMAND, checks its exit
# status and that its stdout+stderr contain NEEDLE.
expect_run() {
  local expected_exit=$1 needle=$2
  shift 2
  local output status
  output=$("$@" 2>&1)
  status=$?
  if [[ $status -ne $expected_exit ]]; then
    fail "'$*' exited $status, expected $expected_exit; output:"$'\n'"$output"
  elif [[ "$output" != *"$needle"* ]]; then
    fail "'$*' output lacks '$needle'; output:"$'\n'"$output"
  fi
}

readonly HEADER="epoch,elapsed_s,epoch_s,epoch_ops,total_ops,ops_per_s,rss_bytes,mmap_calls,munmap_calls,madvise_calls"

# write_soak FILE EPOCHS RSS_GROWTH_PER_EPOCH OPS_PER_EPOCH: one-second epochs,
# RSS starting at 100 MiB, 2 mmap calls per epoch.
write_soak() {
  awk -v n="$2" -v growth="$3" -v ops="$4" -v header="$HEADER" 'BEGIN {
    print header
    for (i = 1; i <= n; i++)
      printf "%d,%d,1,%d,%d,%d,%d,%d,0,0\n", i, i, ops, ops * i, ops, 104857600 + growth * i, 2 * i
  }' >"$1"
}

write_soak "$WORK/soak_stable.csv" 40 0 1000
write_soak "$WORK/soak_leaky.csv" 40 2097152 1000   # +2 MiB per epoch
write_soak "$WORK/soak_slow.csv" 40 0 800

# A stable run passes; 2 mmap per 1000 operations.
expect_run 0 "VERDICT: PASS" "$BIN/soak_analyze" "$WORK/soak_stable.csv"
expect_run 0 "syscalls/op:       0.002 (mmap 0.002" "$BIN/soak_analyze" "$WORK/soak_stable.csv"
# A leaking run breaches the RSS drift gate and exits 1, so scripts can gate.
expect_run 1 "VERDICT: FAIL: rss_drift +" "$BIN/soak_analyze" "$WORK/soak_leaky.csv"
# Thresholds are flags; gates can be dropped.
expect_run 0 "VERDICT: PASS" "$BIN/soak_analyze" --max_rss_drift_pct=200 "$WORK/soak_leaky.csv"
expect_run 0 "VERDICT: PASS ()" "$BIN/soak_analyze" --gates=none "$WORK/soak_leaky.csv"
expect_run 1 "rss_peak 100.0 MiB > 50.0 MiB" "$BIN/soak_analyze" --gates=rss_max --max_rss_mib=50 \
  "$WORK/soak_stable.csv"
# Several files: the worst outcome decides the exit status.
expect_run 1 "== $WORK/soak_leaky.csv" "$BIN/soak_analyze" "$WORK/soak_stable.csv" "$WORK/soak_leaky.csv"

# Malformed and empty input: exit 2 and a message naming the line.
{ echo "$HEADER"; echo "1,1,1,5,5,5,4096,,,"; echo "2,2,1,5,10,5"; } >"$WORK/ragged.csv"
expect_run 2 "ragged.csv:3: expected 10 fields" "$BIN/soak_analyze" "$WORK/ragged.csv"
{ echo "$HEADER"; echo "1,1,1,5,5,five,4096,,,"; } >"$WORK/word.csv"
expect_run 2 "word.csv:2: column 'ops_per_s': 'five' is not a finite number" \
  "$BIN/soak_analyze" "$WORK/word.csv"
: >"$WORK/empty.csv"
expect_run 2 "empty.csv:1: empty CSV" "$BIN/soak_analyze" "$WORK/empty.csv"
expect_run 2 "cannot open" "$BIN/soak_analyze" "$WORK/missing.csv"
expect_run 2 "unknown gate" "$BIN/soak_analyze" --gates=speed "$WORK/soak_stable.csv"

# --json: one document for every file given (the text output stays as it was);
# a rejected file is listed with its error. python3 is one of the packages
# tools/bazel installs, as for the SVG checks below.
expect_run 2 "== $WORK/soak_leaky.csv" "$BIN/soak_analyze" --json="$WORK/soak.json" \
  "$WORK/soak_stable.csv" "$WORK/soak_leaky.csv" "$WORK/ragged.csv"
if ! python3 - "$WORK/soak.json" "$WORK" <<'PY'
import json
import sys
with open(sys.argv[1]) as document:
    doc = json.load(document)
stable, leaky = doc["files"]
assert (stable["label"], leaky["label"]) == ("stable", "leaky"), doc["files"]
assert stable["path"] == sys.argv[2] + "/soak_stable.csv", stable["path"]
assert stable["verdict"]["pass"] is True and stable["verdict"]["breaches"] == [], stable["verdict"]
assert leaky["verdict"]["pass"] is False, leaky["verdict"]
assert leaky["verdict"]["breaches"][0].startswith("rss_drift +"), leaky["verdict"]
assert (stable["epochs"], stable["warmup_epochs"], stable["duration_s"]) == (40, 4, 40), stable
assert (stable["rss_baseline_mib"], stable["rss_peak_mib"], stable["rss_drift_pct"]) == (100, 100, 0), stable
assert leaky["rss_drift_pct"] > 5, leaky["rss_drift_pct"]
assert stable["throughput"]["median"] == 1000 and stable["throughput"]["cv_pct"] == 0, stable["throughput"]
assert stable["syscalls"]["mmap_per_op"] == 0.002 and stable["syscalls"]["brk_per_op"] is None, stable["syscalls"]
assert stable["allocator_syscalls"] is None
assert [r["path"] for r in doc["rejected"]] == [sys.argv[2] + "/ragged.csv"], doc["rejected"]
assert "ragged.csv:3: expected 10 fields" in doc["rejected"][0]["error"], doc["rejected"]
PY
then
  fail "soak_analyze --json wrote an unexpected document"
fi
expect_run 2 "cannot write $WORK/no/such/dir.json" "$BIN/soak_analyze" --json="$WORK/no/such/dir.json" \
  "$WORK/soak_stable.csv"

# Percentiles of any column: 1..100 gives p50 50.5, p90 90.1, p99 99.01.
{ echo "name,value"; for i in $(seq 100 -1 1); do echo "row$i,$i"; done; } >"$WORK/values.csv"
expect_run 0 "n=100 min=1 mean=50.5 max=100 p50=50.5 p90=90.1 p99=99.01" \
  "$BIN/csv_percentile" --column=value --percentiles=50,90,99 "$WORK/values.csv"
expect_run 0 "p50=50.5" "$BIN/csv_percentile" "--column=#2" --percentiles=50 "$WORK/values.csv"
expect_run 0 "n=90 min=1 mean=45.5 max=90" "$BIN/csv_percentile" --column=value --skip_rows=10 \
  "$WORK/values.csv"
expect_run 2 "no column 'nope'" "$BIN/csv_percentile" --column=nope "$WORK/values.csv"
expect_run 2 "values.csv:2: column 'name': 'row100' is not a finite number" \
  "$BIN/csv_percentile" --column=name "$WORK/values.csv"

# Comparison of two runs, and its optional regression gate.
expect_run 0 "ops/s mean                         1000              800    -20.00%" \
  "$BIN/soak_compare" "$WORK/soak_stable.csv" "$WORK/soak_slow.csv"
expect_run 1 "VERDICT: FAIL" "$BIN/soak_compare" --max_ops_regression_pct=10 \
  "$WORK/soak_stable.csv" "$WORK/soak_slow.csv"
expect_run 0 "VERDICT: PASS" "$BIN/soak_compare" --max_ops_regression_pct=25 \
  "$WORK/soak_stable.csv" "$WORK/soak_slow.csv"
expect_run 2 "exactly two" "$BIN/soak_compare" "$WORK/soak_stable.csv"

# Plots: well-formed SVG with one line per run and labelled axes.
expect_run 0 "" "$BIN/soak_plot" --rss_svg="$WORK/rss.svg" --ops_svg="$WORK/ops.svg" \
  "$WORK/soak_stable.csv" "leaky one=$WORK/soak_leaky.csv"
for svg in rss ops; do
  if ! python3 - "$WORK/$svg.svg" <<'PY'
import sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
lines = root.findall(f"{ns}polyline")
texts = [t.text for t in root.iter(f"{ns}text")]
assert len(lines) == 2, f"{len(lines)} polylines"
assert "stable" in texts and "leaky one" in texts, texts
assert "elapsed time (s)" in texts, texts
assert any(t in texts for t in ("RSS (MiB)", "throughput (million ops/s)")), texts
PY
  then
    fail "$svg.svg is not the expected chart"
  fi
done
expect_run 2 "ragged.csv:3" "$BIN/soak_plot" --rss_svg="$WORK/x.svg" "$WORK/ragged.csv"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all soak tool checks passed"
