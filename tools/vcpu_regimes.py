#!/usr/bin/env python3
"""Compares binaries in interleaved rounds, split by the VM's cross-core regime.

This machine is a microVM whose two vCPUs the host places: sometimes close
(a cache line moves between them in tens of nanoseconds), sometimes far apart
(several times slower), for minutes at a time (docs/PERFORMANCE.md, "Larson-
style churn"). Anything that passes blocks between threads changes speed with
the regime, so a comparison that mixes rounds of both says nothing. Each round
here runs every binary once, with a probe before and after it: glibc's Larson
with 2 threads, which takes about 20 ns per operation in the near regime and
about 60 in the far one. A round counts only when both probes agree; the
medians are reported per regime.

    tools/vcpu_regimes.py --seconds=150 --larson hakmem mimalloc [name=PATH ...]
    tools/vcpu_regimes.py --seconds=150 --mixed_threads=2 hakmem mimalloc [name=PATH ...]
    tools/vcpu_regimes.py --mixed_threads=2 --ws=64 --cycles=3000000 \
        --min_size=262145 --max_size=4194304 hakmem mimalloc   # large objects

A bare name is the allocator's binary in bazel-bin (--config=fast, built
beforehand: //benchmarks:micro for --larson, //benchmarks:mixed for
--mixed_threads); name=PATH names any other build of the same benchmark (a
micro_benchmark_<allocator> or mixed_worker_<allocator> binary). Ratios are
against the first binary named. Python standard library only.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LARSON_TWO_THREADS = "BM_Larson/real_time/threads:2"
# glibc's Larson with 2 threads, ns per operation: at least FAR_NS in the far
# regime, at most NEAR_NS in the near one (measured: 56-65 and 21-24).
FAR_NS = 40.0
NEAR_NS = 30.0
MIXED_CYCLES = 20000000


def regime_of(probe_before, probe_after):
    """'far', 'near', or None when the probes disagree or fall in between."""
    if probe_before >= FAR_NS and probe_after >= FAR_NS:
        return "far"
    if probe_before <= NEAR_NS and probe_after <= NEAR_NS:
        return "near"
    return None


def larson_ns(json_text):
    """ns per operation of the Larson run in Google Benchmark's JSON output."""
    for run in json.loads(json_text)["benchmarks"]:
        if run["name"] == LARSON_TWO_THREADS:
            return float(run["real_time"])
    raise ValueError("no %s in the output" % LARSON_TWO_THREADS)


def mixed_mops(worker_output, cycles=MIXED_CYCLES):
    """M ops/s of a Mixed worker's result line."""
    match = re.search(r"seconds=([0-9.eE+-]+)", worker_output)
    if match is None:
        raise ValueError("no result line in: %r" % worker_output[-200:])
    return cycles / float(match.group(1)) / 1e6


def summarise(rounds, names, higher_is_better):
    """Per regime: (round count, {name: median}, {name: speed ratio vs names[0]}).

    `rounds`: list of (regime, {name: value}).
    """
    summary = {}
    for regime in ("near", "far"):
        values = [figures for kind, figures in rounds if kind == regime]
        if not values:
            continue
        medians = {name: statistics.median(v[name] for v in values) for name in names}
        base = medians[names[0]]
        ratios = {name: (medians[name] / base if higher_is_better else base / medians[name]) for name in names}
        summary[regime] = (len(values), medians, ratios)
    return summary


def render(summary, names, unit):
    lines = []
    for regime in ("near", "far"):
        if regime not in summary:
            lines.append("%s regime: no round" % regime)
            continue
        count, medians, ratios = summary[regime]
        lines.append("%s regime, %d rounds (median %s; speed x %s):" % (regime, count, unit, names[0]))
        for name in names:
            lines.append("  %-24s %10.2f   %5.2f x" % (name, medians[name], ratios[name]))
    return "\n".join(lines)


def bazel_bin():
    return subprocess.run([os.path.join(REPO, "tools", "bazel"), "info", "--config=fast", "bazel-bin"],
                          check=True, capture_output=True, text=True, cwd=REPO).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=150, help="how long to keep running rounds")
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--larson", action="store_true", help="Larson-style churn, 2 threads (ns per operation)")
    kind.add_argument("--mixed_threads", type=int, help="Mixed with this many threads (M ops/s)")
    parser.add_argument("--ws", type=int, default=8192, help="Mixed: working set (slots per thread)")
    parser.add_argument("--cycles", type=int, default=MIXED_CYCLES, help="Mixed: operations per run")
    parser.add_argument("--min_size", type=int, help="Mixed: smallest request (the worker's default if not given)")
    parser.add_argument("--max_size", type=int, help="Mixed: largest request (the worker's default if not given)")
    parser.add_argument("--bazel_bin", help="where bare names are found (default: tools/bazel info)")
    parser.add_argument("binaries", nargs="+", help="allocator name, or name=PATH")
    args = parser.parse_args()

    directory = os.path.join(args.bazel_bin or bazel_bin(), "benchmarks")
    prefix = "micro_benchmark_" if args.larson else "mixed_worker_"
    named = []
    for item in args.binaries:
        name, _, path = item.partition("=")
        named.append((name, path or os.path.join(directory, prefix + name)))
    names = [name for name, _ in named]
    probe_binary = os.path.join(directory, "micro_benchmark_glibc")
    mixed_flags = ["--cycles=%d" % args.cycles, "--ws=%d" % args.ws, "--threads=%d" % (args.mixed_threads or 1)]
    mixed_flags += ["--%s=%d" % (flag, value) for flag, value in (("min_size", args.min_size), ("max_size", args.max_size))
                    if value is not None]

    def larson(binary, min_time):
        out = subprocess.run([binary, "--benchmark_filter=" + re.escape(LARSON_TWO_THREADS),
                              "--benchmark_min_time=%g" % min_time, "--benchmark_format=json"],
                             check=True, capture_output=True, text=True).stdout
        return larson_ns(out)

    def measure(binary):
        if args.larson:
            return larson(binary, 0.2)
        return mixed_mops(subprocess.run([binary] + mixed_flags, check=True, capture_output=True, text=True).stdout,
                          args.cycles)

    rounds = []
    skipped = 0
    deadline = time.time() + args.seconds
    while time.time() < deadline:
        before = larson(probe_binary, 0.1)
        figures = {name: measure(binary) for name, binary in named}
        regime = regime_of(before, larson(probe_binary, 0.1))
        if regime is None:
            skipped += 1
        else:
            rounds.append((regime, figures))
    print(render(summarise(rounds, names, higher_is_better=not args.larson), names,
                 "ns per operation" if args.larson else "M ops/s"))
    print("rounds skipped (regime changed or unclear): %d" % skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
