#!/usr/bin/env bash
# Compile-out check for one box_variant: runs nm over everything the allocator
# links (and over libhakmem.so), then the variant's smoke program.
#
#   box_symbols_test.sh MANIFEST [--absent SYM] [--present SYM] [--present-in-shared SYM]...
#
# --absent: SYM appears nowhere (not defined, not referenced) in the archives or
#           the shared library: the box was compiled out.
# --present: SYM is defined in some archive (the box was compiled in).
# --present-in-shared: SYM is defined in libhakmem.so (survived the link).
set -euo pipefail

manifest=$1
shift
[[ -f $manifest ]] || { echo "no manifest $manifest" >&2; exit 1; }

archives=()
shared=()
smoke=""
while read -r role path; do
  case $role in
    archive) archives+=("$path") ;;
    shared) shared+=("$path") ;;
    smoke) smoke=$path ;;
    settings) echo "variant: $path" ;;
  esac
done <"$manifest"
((${#archives[@]})) || { echo "FAIL: no archives in $manifest" >&2; exit 1; }
((${#shared[@]})) || { echo "FAIL: no shared library in $manifest" >&2; exit 1; }

tmp=${TEST_TMPDIR:-$(mktemp -d)}
nm -C "${archives[@]}" 2>/dev/null >"$tmp/archives.all" || true
nm -C --defined-only "${archives[@]}" 2>/dev/null >"$tmp/archives.defined" || true
nm -C "${shared[@]}" >"$tmp/shared.all"
nm -C --defined-only "${shared[@]}" >"$tmp/shared.defined"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# nm really read the files: the allocator's entry points are there.
grep -q ' hak_malloc$' "$tmp/archives.defined" || fail "hak_malloc not defined in the archives (${archives[*]})"
grep -q ' hak_malloc$' "$tmp/shared.defined" || fail "hak_malloc not defined in ${shared[*]}"

while (($#)); do
  if [[ $1 == --*=* ]]; then
    check=${1%%=*} symbol=${1#*=}
    shift
  else
    check=$1 symbol=$2
    shift 2
  fi
  case $check in
    --absent)
      if grep -F -- "$symbol" "$tmp/archives.all" "$tmp/shared.all"; then
        fail "$symbol is present although its box is compiled out"
      fi
      ;;
    --present)
      grep -qF -- "$symbol" "$tmp/archives.defined" || fail "$symbol is not defined in the archives"
      ;;
    --present-in-shared)
      grep -qF -- "$symbol" "$tmp/shared.defined" || fail "$symbol is not defined in ${shared[*]}"
      ;;
    *)
      echo "unknown check $check" >&2
      exit 2
      ;;
  esac
done

# Behaviour in this configuration.
[[ -x $smoke ]] || fail "smoke program $smoke missing"
if ! "$smoke"; then fail "$smoke failed"; fi

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "PASS"
