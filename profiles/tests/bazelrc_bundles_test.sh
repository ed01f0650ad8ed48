#!/bin/bash
# The --config=fast|balanced|observe bundles of .bazelrc set the same
# //profiles flags as PROFILE_BUNDLES, which the box_settings transition
# applies when a test asks for a profile (profiles/transitions.bzl). The two
# are kept by hand; this test says where they part.
#
# Usage: bazelrc_bundles_test.sh BAZELRC BUNDLE_FLAGS
#   BUNDLE_FLAGS: one line per profile, "<profile> <sorted flags>" (bundle_flags.bzl).
set -euo pipefail
bazelrc=$1
expected=$2

# The //profiles flags of every `build:<profile>` line, per profile, sorted.
actual=$(awk '
  $1 ~ /^build:/ {
    profile = substr($1, 7)
    for (i = 2; i <= NF; i++) if ($i ~ /^--\/\/profiles:/) flags[profile] = flags[profile] " " $i
  }
  END { for (p in flags) print p flags[p] }' "$bazelrc" |
  while read -r profile rest; do
    echo "$profile $(tr ' ' '\n' <<<"$rest" | sort | tr '\n' ' ' | sed 's/ $//')"
  done | sort)
want=$(sort "$expected")

if [[ "$actual" != "$want" ]]; then
  echo "FAIL: .bazelrc's --config bundles and PROFILE_BUNDLES (profiles/transitions.bzl) differ"
  diff <(echo "$want") <(echo "$actual") | sed 's/^</  PROFILE_BUNDLES:/; s/^>/  .bazelrc:       /'
  exit 1
fi
profiles=$(wc -l <<<"$want")
if (( profiles < 3 )); then
  echo "FAIL: expected the fast, balanced and observe bundles, found $profiles:"
  echo "$want"
  exit 1
fi
echo "PASS: $profiles bundles agree"
echo "$want"
