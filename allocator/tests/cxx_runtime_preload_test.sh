#!/bin/bash
# libhakmem.so links no C++ runtime; its operator new finds the process's
# libstdc++ when an allocation fails. Checked for each way libstdc++ can be
# there: linked into the program (loaded after the preloaded libhakmem.so),
# dlopen()ed later by a C program (RTLD_LOCAL and RTLD_GLOBAL), or absent.
#
#   cxx_runtime_preload_test.sh LIB CPP_OPERATORS_TEST C_HOST PLUGIN
set -euo pipefail

lib="$(realpath "$1")"
cpp_operators_test="$(realpath "$2")"
c_host="$(realpath "$3")"
plugin="$(realpath "$4")"
work="${TEST_TMPDIR:-$(mktemp -d)}"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# 1. A C++ program linked with libstdc++: the operator new/new-handler/
# bad_alloc gtest suite (built without hakmem) passes with hakmem preloaded,
# and its operator new really is hakmem's.
if LD_DEBUG=bindings LD_DEBUG_OUTPUT="$work/bindings" LD_PRELOAD="$lib" "$cpp_operators_test" \
  >"$work/cpp.out" 2>&1; then
  echo "ok: cpp_operators suite under LD_PRELOAD ($(grep -c '^\[       OK \]' "$work/cpp.out") tests)"
else
  fail "cpp_operators suite under LD_PRELOAD failed: $(tail -40 "$work/cpp.out")"
fi
grep -q "^\[  PASSED  \]" "$work/cpp.out" || fail "cpp_operators suite printed no PASSED line"
cat "$work"/bindings.* >"$work/bindings"
grep -q "libhakmem.so \[0\]: normal symbol \`_Znwm'" "$work/bindings" \
  || fail "operator new of the C++ test was not bound to libhakmem.so"
grep -q "libhakmem.so \[0\]: normal symbol \`_ZnwmRKSt9nothrow_t'" "$work/bindings" \
  || fail "nothrow operator new of the C++ test was not bound to libhakmem.so"

# 2. A C program: hakmem brings in no libstdc++.
out=$(LD_PRELOAD="$lib" "$c_host" --maps 2>&1) || fail "c_host --maps exited $?: $out"
[[ "$out" == "libstdc++ mapped: no" ]] || fail "preloaded C program: $out"
LD_PRELOAD="$lib" cat /proc/self/maps >"$work/cat.maps" || fail "preloaded cat failed"
grep -q libhakmem "$work/cat.maps" || fail "libhakmem.so is not mapped in a preloaded cat"
if grep -E "libstdc\+\+|libm\.so|libgcc_s" "$work/cat.maps"; then
  fail "a preloaded cat maps a C++ runtime"
fi
echo "ok: C programs map libhakmem.so and no C++ runtime"

# 3. The C program dlopen()s a C++ library: libstdc++ arrives after hakmem's
# relocations were done; the handler is still called and bad_alloc caught.
for scope in local global; do
  if LD_PRELOAD="$lib" "$c_host" "$plugin" "$scope" >"$work/plugin.$scope" 2>&1; then
    echo "ok: C host dlopen($scope) of a C++ library"
  else
    fail "C host dlopen($scope) of a C++ library: $(cat "$work/plugin.$scope")"
  fi
  grep -q "^before dlopen: libstdc++ mapped: no" "$work/plugin.$scope" \
    || fail "libstdc++ was mapped before dlopen($scope): $(cat "$work/plugin.$scope")"
  grep -q "^after dlopen: libstdc++ mapped: yes" "$work/plugin.$scope" \
    || fail "libstdc++ not mapped after dlopen($scope): $(cat "$work/plugin.$scope")"
  grep -q "^where operator_new .*libhakmem.so" "$work/plugin.$scope" \
    || fail "the plugin's operator new is not hakmem's: $(cat "$work/plugin.$scope")"
done
# The same checks pass without hakmem (they test the standard, not hakmem).
"$c_host" "$plugin" local >"$work/plugin.glibc" 2>&1 || fail "plugin checks fail without hakmem: $(cat "$work/plugin.glibc")"

# 4. No C++ runtime at all, yet operator new is called (from C, through
# dlsym): nothing could catch a bad_alloc, so hakmem says why and aborts.
set +e
(ulimit -c 0; LD_PRELOAD="$lib" exec "$c_host" --new-without-runtime) >"$work/bare.out" 2>"$work/bare.err"
status=$?
set -e
((status == 134)) || fail "operator new without a C++ runtime: exit status $status, want 134 (SIGABRT): $(cat "$work/bare.out" "$work/bare.err")"
grep -q "^libstdc++ mapped: no" "$work/bare.out" || fail "libstdc++ was mapped: $(cat "$work/bare.out")"
grep -q "hakmem: operator new([0-9]*) failed and no C++ runtime" "$work/bare.err" \
  || fail "no message on stderr before abort: $(cat "$work/bare.err")"
echo "ok: operator new without a C++ runtime aborts with: $(head -1 "$work/bare.err")"

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "PASS"
