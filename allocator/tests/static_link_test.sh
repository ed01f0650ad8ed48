#!/bin/bash
# The statically linked probe runs, gives the same answer as the glibc
# reference build, and is really static (no program interpreter).
set -euo pipefail

probe="$1"
reference="$2"

fail() { echo "FAIL: $*" >&2; exit 1; }

if readelf -l "$probe" | grep -q INTERP; then
  fail "$probe has a program interpreter: not statically linked"
fi

out=$(HAKMEM_VERBOSE=1 "$probe" 2>verbose.err) || fail "$probe exited with $?: $(cat verbose.err)"
want=$("$reference")
[[ "$out" == "$want" ]] || fail "probe printed '$out', glibc reference printed '$want'"
grep -qi hakmem verbose.err || fail "HAKMEM_VERBOSE=1 printed nothing mentioning hakmem; is hakmem the malloc? stderr: $(cat verbose.err)"
echo "PASS: $out"
