#!/usr/bin/env bash
# //soak:mixed: the soak of every allocator in the benchmark matrix, one after
# another (never side by side: they would share the 2 cores), then the
# verdicts of tools/soak_analyze and the plots of tools/soak_plot.
#
#   bazel run //soak:mixed -- [--allocators=glibc,hakmem] [--out_dir=DIR]
#                             [--label_suffix=_fast] [--variant=syscall|throughput]
#                             [soak flags: --duration=60m ...]
#
# --variant=syscall (the default) runs each binary under //soak:trace_syscalls,
# which counts every thread's memory OS calls by ptrace (the OS-call columns
# are filled for every allocator; each such call costs two tracer stops);
# --variant=throughput runs them untraced (OS-call columns empty).
#
# Writes DIR/soak_<allocator><suffix>.csv, DIR/rss.svg and DIR/ops.svg
# (DIR defaults to soak_results in the directory bazel run was started in).
# Ctrl-C ends the allocator in progress cleanly, skips the rest, and still
# plots and analyses what ran.
# Exit status: soak_analyze's (0 all pass, 1 a threshold breached, 2 bad input).
set -euo pipefail

runfiles="${RUNFILES_DIR:-${TEST_SRCDIR:-$0.runfiles}}"
readonly WORKSPACE_DIR="$runfiles/hakmem"
readonly MANIFEST="$WORKSPACE_DIR/soak/mixed_allocators.tsv"
readonly TRACER="$WORKSPACE_DIR/soak/trace_syscalls"

allocators=""
out_dir="soak_results"
label_suffix=""
variant="syscall"
soak_flags=()
for arg in "$@"; do
  case "$arg" in
    --allocators=*) allocators="${arg#*=}" ;;
    --out_dir=*) out_dir="${arg#*=}" ;;
    --label_suffix=*) label_suffix="${arg#*=}" ;;
    --variant=*) variant="${arg#*=}" ;;
    --csv=*) echo "run_soak: --csv is chosen per allocator; use --out_dir" >&2; exit 2 ;;
    *) soak_flags+=("$arg") ;;
  esac
done
if [[ "$out_dir" != /* && -n "${BUILD_WORKING_DIRECTORY:-}" ]]; then
  out_dir="$BUILD_WORKING_DIRECTORY/$out_dir"
fi
case "$variant" in
  syscall) launcher=("$TRACER") ;;
  throughput) launcher=() ;;
  *) echo "run_soak: --variant must be syscall or throughput, not '$variant'" >&2; exit 2 ;;
esac
mkdir -p "$out_dir"

# The soak binaries (and the tracer) get Ctrl-C themselves and end cleanly;
# the runner only notes it and runs no further allocator.
interrupted=0
trap 'interrupted=1' INT TERM

known=$(cut -f1 "$MANIFEST" | paste -sd, -)
if [[ -z "$allocators" ]]; then allocators="$known"; fi
csvs=()
labelled=()
IFS=, read -r -a wanted <<<"$allocators"
for allocator in "${wanted[@]}"; do
  if ((interrupted)); then
    echo "run_soak: interrupted, skipping $allocator" >&2
    continue
  fi
  binary=$(awk -F'\t' -v name="$allocator" '$1 == name { print $2 }' "$MANIFEST")
  if [[ -z "$binary" ]]; then
    echo "run_soak: unknown allocator '$allocator' (known: $known)" >&2
    exit 2
  fi
  csv="$out_dir/soak_${allocator}${label_suffix}.csv"
  # The analysis below covers every run, so the binaries skip their own summary
  # (a --summary flag given to the runner still wins: it comes later).
  "${launcher[@]}" "$runfiles/$binary" --summary=false "${soak_flags[@]}" --csv="$csv"
  csvs+=("$csv")
  labelled+=("${allocator}${label_suffix}=$csv")
done

"$WORKSPACE_DIR/tools/soak_plot" --rss_svg="$out_dir/rss.svg" --ops_svg="$out_dir/ops.svg" "${labelled[@]}"
echo "run_soak: plots $out_dir/rss.svg and $out_dir/ops.svg"
status=0
"$WORKSPACE_DIR/tools/soak_analyze" "${csvs[@]}" || status=$?
exit "$status"
