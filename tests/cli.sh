#!/bin/sh
# The command line as a user meets it: help texts, version, exit statuses, running
# from another directory, and an installed rgp that needs nothing from the build tree.
# Usage: tests/cli.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL cli: $1"; failed=$((failed + 1)); }

# expect STATUS DESCRIPTION -- COMMAND...: the exit status must match
expect() {
    want=$1; what=$2; shift 3
    "$@" >"$work/out" 2>"$work/err"; got=$?
    if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, expected $want"; cat "$work/err"; fi
}

expect 0 "rgp --help" -- "$rgp" --help
grep -q "^  run " "$work/out" && ok || bad "--help lists run"
expect 0 "rgp --version" -- "$rgp" --version
grep -qx "rgp [0-9.]*" "$work/out" && ok || bad "--version prints 'rgp X.Y.Z'"
expect 1 "no command" -- "$rgp"
expect 1 "unknown command" -- "$rgp" frobnicate
grep -q "unknown command 'frobnicate'" "$work/err" && ok || bad "unknown command is named"
for cmd in build check emit run help version; do
    "$rgp" help "$cmd" >"$work/a" 2>&1 && "$rgp" "$cmd" --help >"$work/b" 2>&1
    if cmp -s "$work/a" "$work/b" && [ -s "$work/a" ]; then ok; else bad "rgp help $cmd differs from rgp $cmd --help"; fi
done
expect 1 "check of a missing file" -- "$rgp" check "$work/nope.rgp"
grep -q "cannot read '$work/nope.rgp'" "$work/err" && ok || bad "missing .rgp file is named"
expect 1 "build with an unknown option" -- "$rgp" build --fast x.rgp

# from another directory: paths in the file resolve against the file
sh "$root/examples/make_data.sh" "$work/ex/data" 300 2>/dev/null
cp "$root/examples/sensors.rgp" "$work/ex/"
(cd / && "$rgp" run "$work/ex/sensors.rgp" >"$work/run.out" 2>"$work/run.err") && ok || bad "run from / failed"
[ -s "$work/ex/data/hot.jsonl" ] && ok || bad "file sink written next to the .rgp file"
(cd "$work" && "$rgp" build ex/sensors.rgp -o ex/sensors.bin && cd / && "$work/ex/sensors.bin" >"$work/aot.out" 2>"$work/aot.err") \
    && ok || bad "build and run from / failed"
cmp -s "$work/run.out" "$work/aot.out" && cmp -s "$work/run.err" "$work/aot.err" && ok || bad "run and build differ"
"$work/ex/sensors.bin" --help >"$work/help" && grep -q "readings" "$work/help" && grep -q "archive" "$work/help" \
    && ok || bad "built binary --help lists sources and sinks"

# every example runs on the data make_data.sh makes, through rgp run and a built binary alike
for ex in "$root"/examples/*.rgp; do
    name=$(basename "$ex" .rgp)
    cp "$ex" "$work/ex/"
    (cd "$work/ex" && "$rgp" run "$name.rgp" 2>/dev/null | sort >"$work/$name.jit" && "$rgp" build "$name.rgp" -o "$work/ex/$name.bin" \
        && "$work/ex/$name.bin" 2>/dev/null | sort >"$work/$name.aot") && [ -s "$work/$name.jit" ] \
        && cmp -s "$work/$name.jit" "$work/$name.aot" && ok || bad "example $name: run and build disagree or fail"
done

# rgp run -O: built by cc into a cached shared object; the second run needs no compiler
printf '#!/bin/sh\necho called >>"%s/cc.log"\nexec cc "$@"\n' "$work" >"$work/cc-spy" && chmod +x "$work/cc-spy"
for round in 1 2; do
    (cd "$work/ex" && CC="$work/cc-spy" XDG_CACHE_HOME="$work/cache" "$rgp" run -O sensors.rgp 2>/dev/null | sort >"$work/O$round") \
        && cmp -s "$work/O$round" "$work/sensors.jit" && ok || bad "rgp run -O output differs from rgp run (round $round)"
done
ls "$work/cache/rgp/"*.so >/dev/null 2>&1 && ok || bad "rgp run -O left no cached object"
[ "$(wc -l <"$work/cc.log")" = 1 ] && ok || bad "rgp run -O ran cc $(wc -l <"$work/cc.log") times for one program; the cache should serve the second run"

# installed: works with the build tree out of sight
make -s -C "$root" install PREFIX="$work/prefix" >/dev/null && ok || bad "make install"
(cd / && env -i PATH=/usr/bin:/bin "$work/prefix/bin/rgp" run "$work/ex/sensors.rgp" >"$work/inst.out" 2>/dev/null) \
    && cmp -s "$work/run.out" "$work/inst.out" && ok || bad "installed rgp run"
(cd "$work" && env -i PATH=/usr/bin:/bin "$work/prefix/bin/rgp" build ex/sensors.rgp -o inst.bin) && ok || bad "installed rgp build"

# rgp check --json: the same diagnostics as a JSON array, for editors and CI
"$rgp" check --json "$root/tests/golden/type_errors.rgp" >"$work/j.out" 2>"$work/j.err"; [ $? = 1 ] && ok || bad "check --json exit status"
[ "$(grep -c '"severity": "error"' "$work/j.out")" = 3 ] && head -c 1 "$work/j.out" | grep -q '\[' && tail -c 2 "$work/j.out" | grep -q ']' \
    && grep -q '"line": 5, "column": 13, "length": 5' "$work/j.out" && [ ! -s "$work/j.err" ] && ok || bad "check --json output: $(cat "$work/j.out")"
"$rgp" check --json "$root/examples/sensors.rgp" >"$work/j.out" && [ "$(cat "$work/j.out")" = "[]" ] && ok || bad "check --json of a good file"

# rgp graph: the plan as DOT, every thread a cluster, rings between them
"$rgp" graph "$root/examples/sensors.rgp" >"$work/g.dot" && ok || bad "rgp graph failed"
grep -q '^digraph "sensors" {' "$work/g.dot" && grep -q '"ring:hot" -> "alerts";' "$work/g.dot" \
    && grep -q 'subgraph "cluster_valid_run"' "$work/g.dot" && ok || bad "rgp graph output lacks the plan"
if command -v dot >/dev/null; then dot -Tsvg "$work/g.dot" >/dev/null && ok || bad "dot rejects rgp graph output"; fi

# SIGINT / SIGTERM: the source stops, what was read still reaches the sink, and
# the status is 130 / 143; a second SIGINT exits at once even if draining is stuck
cat >"$work/sig.rgp" <<'EOS'
schema E { host: str, ms: i64 }
source events = stdin as csv(E)
stage slow = events | where ms > 10
sink out = stdout as csv <- slow
EOS
"$rgp" build "$work/sig.rgp" -o "$work/sig.bin" || bad "build sig.rgp"
for s in INT:130 TERM:143; do
    sig=${s%:*} want=${s#*:}
    { printf 'a,20\nb,5\nc,30\n'; sleep 4; printf 'd,99\n'; } | "$work/sig.bin" >"$work/sig.out" 2>"$work/sig.err" &
    sleep 0.5; pkill -"$sig" -f "$work/sig.bin"; wait $!; got=$?
    [ "$got" = "$want" ] && ok || bad "SIG$sig: exit $got, expected $want"
    printf 'host,ms\na,20\nc,30\n' | cmp -s - "$work/sig.out" && ok || bad "SIG$sig: records read before the signal were not all written"
done
# --stats prints every reader's lag while the pipeline runs
{ printf 'a,20\n'; sleep 0.5; printf 'b,30\n'; } | "$work/sig.bin" --stats=0.05 >/dev/null 2>"$work/stats.err" \
    && grep -q "^sig: stats: slow.run .*ring events .*lag .*backpressure .*dropped 0" "$work/stats.err" && ok \
    || bad "--stats printed no stats line: $(head -3 "$work/stats.err")"
"$work/sig.bin" --stats=soon </dev/null 2>"$work/stats.err"; [ $? = 1 ] && grep -q "expected --stats or --stats=SECONDS" "$work/stats.err" \
    && ok || bad "--stats=soon should be a usage error"

# a consumer stuck writing to a pipe nobody reads: the first SIGINT cannot finish, the second must
yes 'h,50' | head -n 400000 >"$work/many.csv"
"$work/sig.bin" events="$work/many.csv" | sleep 3 &
sleep 0.5; pkill -INT -f "$work/sig.bin"; sleep 0.3
pgrep -f "$work/sig.bin" >/dev/null && ok || bad "first SIGINT while stuck should wait for the drain"
pkill -INT -f "$work/sig.bin"; sleep 0.3
pgrep -f "$work/sig.bin" >/dev/null && bad "second SIGINT did not exit at once" || ok
wait

# a sink that stalls with drop_oldest does not hold up the others, and its drops are
# counted and reported: received + dropped = published
cat >"$work/stall.rgp" <<'EOS'
schema E { host: str, ms: i64 }
source events = stdin as csv(E)
sink fast = file("fast.csv") as csv(header: false) <- events
sink slow = file("slow.csv") as csv(header: false) <- events with { policy: drop_oldest(256) }
EOS
yes 'h,50' | head -n 200000 >"$work/stall.csv"
mkfifo "$work/slow.fifo"
# open the fifo read-write (so opening never blocks) and fill its pipe: the slow
# sink's first write blocks, and stays blocked until we drain it
exec 3<>"$work/slow.fifo"
yes p | head -c 65536 >&3
"$rgp" run "$work/stall.rgp" events="$work/stall.csv" fast="$work/fast.out" slow="$work/slow.fifo" 2>"$work/stall.err" &
pid=$!
for i in $(seq 100); do [ "$(cat "$work/fast.out" 2>/dev/null | wc -l)" = 200000 ] && break; sleep 0.1; done
[ "$(cat "$work/fast.out" | wc -l)" = 200000 ] && ok || bad "fast sink held up by a stalled drop_oldest sink"
kill -0 $pid 2>/dev/null && ok || bad "the slow sink should still be stalled"
timeout 5 cat <&3 >"$work/slow.out" &   # drain; ends by timeout, since fd 3 is also a writer
wait $pid && ok || bad "stall pipeline exit status"
wait
exec 3>&-
received=$(( $(grep -c '^h,50$' "$work/slow.out") ))
dropped=$(sed -n "s/.*sink 'slow' dropped \([0-9]*\) of 200000 records.*/\1/p" "$work/stall.err")
[ -n "$dropped" ] && [ $((received + dropped)) = 200000 ] && [ "$dropped" -gt 0 ] && ok \
    || { bad "slow sink: received $received + dropped '$dropped' != 200000"; cat "$work/stall.err"; }

# processing-time windows close on the clock: a window's record comes out while
# the input is still open and quiet, and nothing is lost or counted twice
cat >"$work/clock.rgp" <<'EOF'
schema Ev { k: str, v: i64 }
source evs = stdin as csv(Ev)
stage per_sec = evs | window now every 1 s { n: count(), total: sum(v) } | select { n, total }
sink out = stdout as csv <- per_sec
EOF
"$rgp" build "$work/clock.rgp" -o "$work/clock.bin" && ok || bad "build clock.rgp"
{ printf 'a,1\na,2\n'; sleep 3; printf 'a,5\n'; } | "$work/clock.bin" >"$work/clock.out" &
sleep 2.5
[ "$(sed 1d "$work/clock.out" | wc -l)" -ge 1 ] && ok || bad "processing-time window did not close on the clock: $(cat "$work/clock.out")"
wait
[ "$(sed 1d "$work/clock.out" | awk -F, '{ n += $1; t += $2 } END { print n "," t }')" = "3,8" ] && ok \
    || bad "processing-time windows lost or repeated records: $(cat "$work/clock.out")"

echo "cli: $passed passed, $failed failed"
[ $failed = 0 ]
