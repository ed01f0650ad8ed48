#!/bin/bash
# sort(1) under LD_PRELOAD=libhakmem.so peaks at about glibc's RSS: it fills
# a 64 MiB buffer, frees it and asks for three of a third of it, which the
# large-object cache cuts from the freed one (docs/PERFORMANCE.md, experiment
# 99) instead of mapping them beside it (twice glibc's peak before).
set -euo pipefail

lib="$(realpath "$1")"
work="${TEST_TMPDIR:-$(mktemp -d)}"
export LC_ALL=C

exec /usr/bin/python3 - "$lib" "$work" <<'PY'
import os, random, subprocess, sys

lib, work = sys.argv[1], sys.argv[2]
path = os.path.join(work, "input.txt")
rng = random.Random(7)
letters = "abcdefghijklmnopqrstuvwxyz"
with open(path, "w") as f:
    for i in range(2_000_000):
        f.write("%d %s\n" % (rng.randrange(10**9), letters[i % 26] * (1 + i % 20)))

def peak_kib(preload):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if preload:
        env["LD_PRELOAD"] = lib
    proc = subprocess.Popen(["sort", "-S", "64M", path, "-o", os.devnull], env=env, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode()
    if status != 0 or err:
        sys.exit("sort %s: status %d, stderr %r" % ("preloaded" if preload else "plain", status, err))
    return usage.ru_maxrss

# The smallest of three runs each: a run's peak also counts the pages of the
# libraries it happened to touch.
glibc = min(peak_kib(False) for _ in range(3))
hakmem = min(peak_kib(True) for _ in range(3))
limit = glibc * 115 // 100 + 4096
print("peak RSS: glibc %d KiB, hakmem %d KiB (limit %d)" % (glibc, hakmem, limit))
if hakmem > limit:
    sys.exit("FAIL: sort under hakmem peaks at %d KiB, over 115 %% of glibc's %d KiB and 4 MiB" % (hakmem, glibc))
PY
