#!/bin/bash
# Real programs under LD_PRELOAD=libhakmem.so give the same output as without
# it, print nothing extra, and really have hakmem mapped and bound.
set -euo pipefail

lib="$(realpath "$1")"
stl_workload="$(realpath "$2")"
work="${TEST_TMPDIR:-$(mktemp -d)}"
export LC_ALL=C

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Runs "$@" twice (plain and preloaded) and compares stdout; stderr of the
# preloaded run must be empty (ld.so prints there when preloading fails).
compare() {
  local name="$1"; shift
  "$@" >"$work/$name.plain" 2>"$work/$name.plain.err" || fail "$name: plain run exited $?"
  LD_PRELOAD="$lib" "$@" >"$work/$name.hakmem" 2>"$work/$name.hakmem.err" \
    || fail "$name: preloaded run exited $?: $(head -c 2000 "$work/$name.hakmem.err")"
  if ! cmp -s "$work/$name.plain" "$work/$name.hakmem"; then
    fail "$name: output differs with LD_PRELOAD: $(diff "$work/$name.plain" "$work/$name.hakmem" | head -5)"
  fi
  if [[ -s "$work/$name.hakmem.err" ]]; then
    fail "$name: preloaded run wrote to stderr: $(head -c 2000 "$work/$name.hakmem.err")"
  fi
  [[ -s "$work/$name.plain" ]] || fail "$name: produced no output"
  echo "ok: $name ($(wc -l <"$work/$name.plain") lines)"
}

# 1. hakmem is mapped into the child and bound as its malloc.
LD_PRELOAD="$lib" cat /proc/self/maps >"$work/maps" 2>"$work/maps.err" \
  || fail "preloaded cat /proc/self/maps exited $?: $(cat "$work/maps.err")"
grep -q "$(basename "$lib")" "$work/maps" || fail "libhakmem.so is not mapped in a preloaded cat: $(cat "$work/maps.err")"
LD_PRELOAD="$lib" "$stl_workload" --which-malloc >"$work/which" 2>&1 || fail "--which-malloc exited $?"
for fn in malloc free operator_new; do
  grep -q "^$fn .*libhakmem" "$work/which" || fail "$fn is not bound to libhakmem.so: $(cat "$work/which")"
done
HAKMEM_VERBOSE=1 LD_PRELOAD="$lib" /bin/true 2>"$work/verbose.err" || fail "HAKMEM_VERBOSE=1 /bin/true exited $?"
grep -qi hakmem "$work/verbose.err" || fail "HAKMEM_VERBOSE=1 printed nothing mentioning hakmem"

# 2. sort on 200k generated lines (numeric keys plus text, with duplicates).
awk 'BEGIN { srand(42); for (i = 0; i < 200000; i++)
       printf "%d %s-%d\n", int(rand() * 1000000), substr("abcdefghijklmnopqrstuvwxyz", 1 + i % 26), i % 977 }' \
  >"$work/input.txt"
compare sort sort "$work/input.txt"
compare sort_numeric_parallel sort -n -k1,1 --parallel=2 -S 8M "$work/input.txt"

# 3. a pipeline where every process is preloaded.
pipeline() { seq 1 200000 | awk '{ print ($1 * 7919) % 1009 }' | sort -n | uniq -c | sort -k1,1n -k2,2n | tail -20; }
export -f pipeline
compare pipeline bash -c pipeline

# 4. Python dict/list work.
compare python /usr/bin/python3 -c '
import hashlib
d = {}
for i in range(300000):
    d[str(i * 7919 % 100003)] = [i] * (i % 7)
lst = sorted(d.items(), key=lambda kv: (len(kv[1]), kv[0]))
s = "".join(k for k, _ in lst[:5000])
big = [bytes(range(i % 256)) for i in range(20000)]
print(len(d), len(lst), hashlib.sha256(s.encode()).hexdigest(), sum(map(len, big)))
'
mapped=$(LD_PRELOAD="$lib" /usr/bin/python3 -c 'print("libhakmem" in open("/proc/self/maps").read())' 2>&1)
[[ "$mapped" == True ]] || fail "python3 under LD_PRELOAD does not map libhakmem.so: $mapped"

# 5. our STL workload (4 threads).
compare stl_workload "$stl_workload"

# 6. Python threads sharing objects (frees on other threads than the allocating one).
compare python_threads /usr/bin/python3 -c '
import threading, queue
q = queue.Queue(maxsize=1000)
def produce(k):
    for i in range(50000):
        q.put({"k": k, "i": i, "s": "x" * (i % 300)})
    q.put(None)
total = [0]
def consume():
    done = 0
    while done < 4:
        item = q.get()
        if item is None:
            done += 1
            continue
        total[0] += len(item["s"]) + item["i"]
threads = [threading.Thread(target=produce, args=(k,)) for k in range(4)]
c = threading.Thread(target=consume)
for t in threads + [c]: t.start()
for t in threads + [c]: t.join()
print(total[0])
'

# 7. Unparsable HAKMEM_* values must not break a program (warnings on
# stderr are allowed; output must be unchanged).
want=$(sort "$work/input.txt" | cksum)
got=$(HAKMEM_SS_CACHE=lots HAKMEM_LARGE_CACHE_MB=-5 HAKMEM_SS_MEM_LEAN=maybe HAKMEM_SS_MEM_LEAN_DECOMMIT=bogus \
      HAKMEM_ON_CORRUPTION=explode LD_PRELOAD="$lib" sort "$work/input.txt" 2>"$work/bad_env.err" | cksum) \
  || fail "sort with unparsable HAKMEM_* values failed: $(head -c 2000 "$work/bad_env.err")"
[[ "$got" == "$want" ]] || fail "sort output changed with unparsable HAKMEM_* values"
echo "ok: unparsable HAKMEM_* values"

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "PASS"
