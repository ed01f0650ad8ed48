#!/bin/bash
# The pages of hakmem's zero-initialised statics a small program writes: the
# small globals share a page or two, and the big tables (chunk-map leaves, the
# large-object cache, the early environment buffer) sit after them in .lbss,
# each writing only the pages a program uses (docs/PERFORMANCE.md, experiment
# 89). With the tables between the globals the same program wrote 7 pages; now
# 2 when its large block stays in its thread's front (FAST, OBSERVE), 3 when it
# goes to the shared cache (BALANCED, whose front holds less than 1 MiB): the
# cache's index starts a page, so its fields and first entries are one page.
# (Before the indexes were page-aligned, a change in the size of .data could
# put their fields across a page boundary and make it 4.)
set -euo pipefail

lib="$(realpath "$1")"
probe="$(realpath "$2")"
limit_pages=3

if ! out="$(env LD_PRELOAD="$lib" "$probe" 2>&1)"; then
  echo "FAIL: the probe exited non-zero: $out" >&2
  exit 1
fi
echo "$out"
written="$(sed -n 's/.*written_static_pages=//p' <<<"$out")"
if [[ -z "$written" ]]; then
  echo "FAIL: no count in the probe's output" >&2
  exit 1
fi
if ((written > limit_pages)); then
  echo "FAIL: $written pages of statics written (at most $limit_pages)" >&2
  exit 1
fi
echo "ok"
