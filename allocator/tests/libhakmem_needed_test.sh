#!/bin/bash
# libhakmem.so needs libc only: no libstdc++, libm or libgcc_s is loaded into a
# preloaded C program because of hakmem. Every undefined symbol is libc's
# (versioned GLIBC_*), apart from the weak hooks every shared object has; a
# weak reference to libstdc++ would not show as NEEDED, but would stay unbound
# when libstdc++ is dlopen()ed later, so it is refused too.
set -euo pipefail

lib="$1"
fail() { echo "FAIL: $*" >&2; exit 1; }

needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[[ -n "$needed" ]] || fail "readelf found no NEEDED entry in $lib"
while read -r so; do
  case "$so" in
    libc.so.6 | ld-linux-x86-64.so.2 | ld-linux-aarch64.so.1) ;;
    *) fail "$lib needs $so (NEEDED: $(echo $needed))" ;;
  esac
done <<<"$needed"
echo "NEEDED: $(echo $needed)"

foreign=$(nm -D --undefined-only "$lib" |
  awk '$NF !~ /@GLIBC_/ && $NF !~ /^(_ITM_deregisterTMCloneTable|_ITM_registerTMCloneTable|__gmon_start__)$/ { print }')
[[ -z "$foreign" ]] || fail "$lib refers to symbols outside libc:
$foreign"
count=$(nm -D --undefined-only "$lib" | wc -l)
((count > 5)) || fail "nm listed only $count undefined symbols in $lib; did it read the file?"
echo "PASS: $count undefined symbols, all libc's"
