#!/bin/sh
# The command line as a user meets it: help texts, version, exit statuses, running
# from another directory, and an installed rgp that needs nothing from the build tree.
# Usage: tests/cli.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-cli.XXXXXX")
# rgp run's background cc fills a cache; each test that wants one names its own
# (under build/), and every other run here starts none
bgroot=$(dirname "$rgp")/test-cache/cli.$$
trap 'rm -rf "$work" "$bgroot"; rmdir "${bgroot%/*}" 2>/dev/null' EXIT
RGP_NO_BACKGROUND_CC=1
export RGP_NO_BACKGROUND_CC
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
grep -q "^libtcc [0-9]" "$work/out" && ok || bad "--version names the libtcc linked in"
grep -q "^cc cc (/[^)]*): ." "$work/out" && ok || bad "--version names the cc it will use, its path and version"
expect 0 "rgp --version with CC=sh" -- env CC=sh "$rgp" --version
grep -q "^cc sh (/[^)]*, from \$CC)" "$work/out" && ok || bad "--version names \$CC"
expect 0 "rgp --version with a missing CC" -- env CC=rgp-no-such-cc "$rgp" --version
grep -qx "cc rgp-no-such-cc: not found (rgp build and rgp run -O need it; set \$CC)" "$work/out" && ok || bad "--version says a missing cc is not found"
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
# exit statuses: in the binary's --help (with the causes --strict fails on) and in rgp help run
grep -q "^  3        with --strict" "$work/help" && grep -q "^           rejected, late, ahead, dropped_oldest, dropped_newest, unordered$" "$work/help" \
    && grep -q "^  130/143 " "$work/help" && ok || bad "built binary --help lacks the exit statuses"
"$rgp" help run | grep -q "3 with --strict" && ok || bad "rgp help run lacks exit status 3"

# every example runs on the data make_data.sh makes (or its own input beside it,
# examples/NAME.*), through rgp run and a built binary alike
for ex in "$root"/examples/*.rgp; do
    name=$(basename "$ex" .rgp)
    case $name in *.test) continue ;; esac   # a file of tests: tests/rgp_test.sh runs it
    grep -q '^source .*= *\(tcp\|udp\|nats\)(' "$ex" && continue   # it listens or needs a server: tests/syslog.sh runs syslog_tcp, tests/nats_partition.sh nats_partitioned
    cp "$root/examples/$name".* "$work/ex/"
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

# rgp run without -O: libtcc at once, and cc -O2 in a detached background process
# fills the -O cache, so the next run loads the optimised object. The cc here is a
# spy that logs its niceness, makes noise that must reach no one, and waits for
# a go file, so the test knows the run returned while cc was still at work.
printf 'schema R { k: str, v: f64 }\nsource rows = stdin as csv(R)\nstage g = rows | group by k { n: count(), mean: avg(v), hi: max(v) }\nsink out = stdout as csv <- g\n' >"$work/bg.rgp"
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "k%d,%d.%02d\n", i % 7, i * 37 % 1000, i % 100 }' >"$work/bg.in"
cat >"$work/slow-cc" <<SPY
#!/bin/sh
echo "called \$(nice)" >>"$work/bgcc.log"
echo "cc noise on stdout"; echo "cc noise on stderr" >&2
i=0; while [ ! -e "$work/bg.go" ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
exec cc "\$@"
SPY
chmod +x "$work/slow-cc"
# bg_wait DIR: until cc's object is in DIR and no builder holds it (bounded: 60 s)
bg_wait() {
    i=0
    while [ $i -lt 600 ]; do
        if ls "$1"/rgp/*.so >/dev/null 2>&1 && ! ls "$1"/rgp/.*.lock >/dev/null 2>&1; then return 0; fi
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
bg() { env -u RGP_NO_BACKGROUND_CC CC="$work/slow-cc" RGP_VERBOSE=1 XDG_CACHE_HOME="$1" "$rgp" run "$work/bg.rgp" <"$work/bg.in"; }
"$rgp" build "$work/bg.rgp" -o "$work/bg.bin" && "$work/bg.bin" <"$work/bg.in" >"$work/bg.want" 2>/dev/null \
    && [ -s "$work/bg.want" ] && ok || bad "background cc: rgp build of the test program"
c1=$bgroot/one
# three runs at once, while cc is held: one starts cc, the others see its lock
rm -f "$work/bg.go" "$work/bgcc.log"
out=$(bg "$c1" 2>"$work/bg1.err") && [ "$out" = "$(cat "$work/bg.want")" ] && ok || bad "background cc: first run's output"
grep -qx "rgp: tcc; cc -O2 started in background ($c1/rgp/[0-9a-f]*.so)" "$work/bg1.err" && ok \
    || bad "background cc: first run says: $(cat "$work/bg1.err")"
[ ! -e "$c1"/rgp/*.so ] && ok || bad "background cc: rgp run waited for cc"
bg "$c1" >"$work/bg2.out" 2>"$work/bg2.err" & p2=$!
bg "$c1" >"$work/bg3.out" 2>"$work/bg3.err" & p3=$!
wait $p2 && wait $p3 && cmp -s "$work/bg2.out" "$work/bg.want" && cmp -s "$work/bg3.out" "$work/bg.want" && ok \
    || bad "background cc: concurrent runs' output"
cat "$work/bg2.err" "$work/bg3.err" | grep -c "cc -O2 already running in background" | grep -qx 2 && ok \
    || bad "background cc: concurrent runs started another cc: $(cat "$work/bg2.err" "$work/bg3.err")"
touch "$work/bg.go"
bg_wait "$c1" && ok || bad "background cc: no cached object after 60 s"
[ "$(cat "$work/bgcc.log")" = "called 10" ] && ok || bad "background cc: cc ran as: $(cat "$work/bgcc.log")"
[ "$(wc -l <"$work/bg1.err")" = 1 ] && ok || bad "background cc wrote to the user's stderr: $(cat "$work/bg1.err")"
ls -a "$c1/rgp" | grep -v '^\.*$' | grep -qv '^[0-9a-f]*\.so$' && bad "background cc left behind: $(ls -a "$c1/rgp")" || ok
# the second run loads the object; its output is rgp build's, byte for byte
bg "$c1" >"$work/bg4.out" 2>"$work/bg4.err" && cmp -s "$work/bg4.out" "$work/bg.want" && ok || bad "background cc: cached run's output"
grep -qx "rgp: cached -O object $c1/rgp/[0-9a-f]*.so" "$work/bg4.err" && ok || bad "background cc: second run says: $(cat "$work/bg4.err")"
[ "$(wc -l <"$work/bgcc.log")" = 1 ] && ok || bad "background cc: cc ran $(wc -l <"$work/bgcc.log") times for one program"
# a truncated entry is not loaded: the run uses tcc and cc builds it again
so=$(ls "$c1"/rgp/*.so); size=$(wc -c <"$so")
head -c $((size / 2)) "$so" >"$work/half.so" && cat "$work/half.so" >"$so"
bg "$c1" >"$work/bg5.out" 2>"$work/bg5.err" && cmp -s "$work/bg5.out" "$work/bg.want" && ok || bad "background cc: run over a truncated entry: $(cat "$work/bg5.err")"
grep -q "^rgp: tcc; cc -O2 started in background" "$work/bg5.err" && ok || bad "background cc: truncated entry: $(cat "$work/bg5.err")"
bg_wait "$c1" && [ "$(wc -c <"$so")" = "$size" ] && ok || bad "background cc: the truncated entry was not rebuilt"
bg "$c1" 2>"$work/bg6.err" | cmp -s - "$work/bg.want" && grep -q "^rgp: cached -O object" "$work/bg6.err" && ok \
    || bad "background cc: rebuilt entry: $(cat "$work/bg6.err")"
# a whole shared object that is not the program (no rgp_program_main) is replaced too
lib=$(ldd "$rgp" | awk '/libm\.so/ { print $3 }')
cp "$lib" "$so" && bg "$c1" >"$work/bg9.out" 2>"$work/bg9.err" && cmp -s "$work/bg9.out" "$work/bg.want" \
    && grep -q "^rgp: cannot load $so: it has no rgp_program_main" "$work/bg9.err" && grep -q "^rgp: tcc; cc -O2 started in background" "$work/bg9.err" \
    && bg_wait "$c1" && [ "$(wc -c <"$so")" = "$size" ] && ok || bad "background cc: an entry that is not the program: $(cat "$work/bg9.err")"
# rgp run -O rebuilds a truncated entry itself
cat "$work/half.so" >"$so"
env CC="$work/slow-cc" RGP_VERBOSE=1 XDG_CACHE_HOME="$c1" "$rgp" run -O "$work/bg.rgp" <"$work/bg.in" >"$work/bg7.out" 2>"$work/bg7.err" \
    && cmp -s "$work/bg7.out" "$work/bg.want" && grep -q "^rgp: cc -O2 builds" "$work/bg7.err" && [ "$(wc -c <"$so")" = "$size" ] && ok \
    || bad "rgp run -O over a truncated entry: $(cat "$work/bg7.err")"
# RGP_NO_BACKGROUND_CC=1: tcc only, and no cache entry, not even the directory
c2=$bgroot/off
env CC="$work/slow-cc" RGP_NO_BACKGROUND_CC=1 RGP_VERBOSE=1 XDG_CACHE_HOME="$c2" "$rgp" run "$work/bg.rgp" <"$work/bg.in" >"$work/bg8.out" 2>"$work/bg8.err" \
    && cmp -s "$work/bg8.out" "$work/bg.want" && grep -q "^rgp: tcc; no background cc (RGP_NO_BACKGROUND_CC is set)" "$work/bg8.err" \
    && [ ! -e "$c2" ] && ok || bad "RGP_NO_BACKGROUND_CC=1: $(cat "$work/bg8.err"); $(ls -R "$c2" 2>&1)"
"$rgp" help run | grep -q "RGP_NO_BACKGROUND_CC" && ok || bad "rgp help run does not tell of the background cc"

# installed: works with the build tree out of sight
make -s -C "$root" install PREFIX="$work/prefix" >/dev/null && ok || bad "make install"
(cd / && env -i PATH=/usr/bin:/bin RGP_NO_BACKGROUND_CC=1 "$work/prefix/bin/rgp" run "$work/ex/sensors.rgp" >"$work/inst.out" 2>/dev/null) \
    && cmp -s "$work/run.out" "$work/inst.out" && ok || bad "installed rgp run"
(cd "$work" && env -i PATH=/usr/bin:/bin "$work/prefix/bin/rgp" build ex/sensors.rgp -o inst.bin) && ok || bad "installed rgp build"

# rgp check --json: the same diagnostics as a JSON array, for editors and CI
"$rgp" check --json "$root/tests/golden/type_errors.rgp" >"$work/j.out" 2>"$work/j.err"; [ $? = 1 ] && ok || bad "check --json exit status"
[ "$(grep -c '"severity": "error"' "$work/j.out")" = 3 ] && head -c 1 "$work/j.out" | grep -q '\[' && tail -c 2 "$work/j.out" | grep -q ']' \
    && grep -q '"line": 5, "column": 13, "length": 5' "$work/j.out" && [ ! -s "$work/j.err" ] && ok || bad "check --json output: $(cat "$work/j.out")"
"$rgp" check --json "$root/examples/sensors.rgp" >"$work/j.out" && [ "$(cat "$work/j.out")" = "[]" ] && ok || bad "check --json of a good file"

# rgp graph: the plan as DOT, every thread a cluster, rings between them
"$rgp" graph "$root/examples/sensors.rgp" >"$work/g.dot" && ok || bad "rgp graph failed"
grep -q '^digraph "sensors" {' "$work/g.dot" && grep -q '"readings" -> "valid";' "$work/g.dot" && grep -q '"ring:valid" -> "hot";' "$work/g.dot" \
    && grep -q '"hot" -> "alerts";' "$work/g.dot" && grep -q 'subgraph "cluster_valid_readers"' "$work/g.dot" && ok || bad "rgp graph output lacks the plan"
if command -v dot >/dev/null; then dot -Tsvg "$work/g.dot" >/dev/null && ok || bad "dot rejects rgp graph output"; fi
# a lookup table: drawn with a dotted edge to the stage that joins it
"$rgp" graph "$root/examples/enrich.rgp" >"$work/gt.dot" && grep -q '"table:customers" \[shape=cylinder' "$work/gt.dot" \
    && grep -q '"table:customers" -> "enriched" \[style=dotted, label="join or default"\];' "$work/gt.dot" && ok || bad "rgp graph lacks the table"
if command -v dot >/dev/null; then dot -Tsvg "$work/gt.dot" >/dev/null && ok || bad "dot rejects rgp graph output with a table"; fi

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
# --strict does not hide a stop by a signal: 130 comes before 3 (a row was rejected)
{ printf 'a,20\nb,x\n'; sleep 4; } | "$work/sig.bin" --strict >/dev/null 2>"$work/sig.err" &
pid=$!; sleep 0.5; kill -INT $pid; wait $pid; got=$?
[ "$got" = 130 ] && grep -q "^sig:   source 'events': 1 of 2 rejected" "$work/sig.err" && ok \
    || { bad "SIGINT under --strict with a rejected row: exit $got, expected 130"; cat "$work/sig.err"; }
# --stats prints every reader's lag while the pipeline runs
{ printf 'a,20\n'; sleep 0.5; printf 'b,30\n'; } | "$work/sig.bin" --stats=0.05 >/dev/null 2>"$work/stats.err" \
    && grep -q "^sig: stats: out.run .*ring slow .*lag .*backpressure .*dropped 0" "$work/stats.err" && ok \
    || bad "--stats printed no stats line: $(head -3 "$work/stats.err")"
# a filter its source's parser applies in place still counts what it received and passed
{ printf 'a,5\nb,30\n'; sleep 0.6; } | "$work/sig.bin" --stats=0.2 >/dev/null 2>"$work/stats.err" \
    && grep -q "^sig: stats: stage  slow  *in  *2  out  *1 " "$work/stats.err" && ok \
    || bad "--stats of a filter applied by the parser: $(grep slow "$work/stats.err" | head -3)"
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

# a sink that stalls with drop_oldest or drop_newest does not hold up the others, and
# its drops are counted and reported: received + dropped = published; under --strict
# the drops make the exit status 3
yes 'h,50' | head -n 200000 >"$work/stall.csv"
mkfifo "$work/slow.fifo"
for run in drop_oldest:0: drop_newest:3:--strict; do
policy=${run%%:*} want=${run#*:}; strict=${want#*:}; want=${want%%:*}
cat >"$work/stall.rgp" <<EOS
schema E { host: str, ms: i64 }
source events = stdin as csv(E)
sink fast = file("fast.csv") as csv(header: false) <- events
sink slow = file("slow.csv") as csv(header: false) <- events with { policy: $policy(256) }
EOS
# open the fifo read-write (so opening never blocks) and fill its pipe: the slow
# sink's first write blocks, and stays blocked until we drain it
exec 3<>"$work/slow.fifo"
yes p | head -c 65536 >&3
rm -f "$work/fast.out"
"$rgp" run "$work/stall.rgp" events="$work/stall.csv" fast="$work/fast.out" slow="$work/slow.fifo" $strict 2>"$work/stall.err" &
pid=$!
for i in $(seq 100); do [ "$(cat "$work/fast.out" 2>/dev/null | wc -l)" = 200000 ] && break; sleep 0.1; done
[ "$(cat "$work/fast.out" | wc -l)" = 200000 ] && ok || bad "fast sink held up by a stalled $policy sink"
kill -0 $pid 2>/dev/null && ok || bad "the slow sink should still be stalled ($policy)"
timeout 5 cat <&3 >"$work/slow.out" &   # drain; ends by timeout, since fd 3 is also a writer
wait $pid; got=$?
[ $got = "$want" ] && ok || bad "stall pipeline ($policy $strict) exit status $got, expected $want"
wait
exec 3>&-
received=$(( $(grep -c '^h,50$' "$work/slow.out") ))
dropped=$(sed -n "s/^stall:   sink 'slow': \([0-9]*\) of 200000 dropped_${policy#drop_} .*/\1/p" "$work/stall.err")
[ -n "$dropped" ] && [ $((received + dropped)) = 200000 ] && [ "$dropped" -gt 0 ] && ok \
    || { bad "slow sink ($policy): received $received + dropped '$dropped' != 200000"; cat "$work/stall.err"; }
done

# a ring slot keeps at most 64 KiB of strings once a long record has passed: one
# line in 7 is 128 KiB, so the 512 slots see long lines in turn; kept for good,
# as before, they would hold 64 MiB (peak RSS was 70 MB), now about one lap's
# worth of long lines is alive (12 MB)
if [ -x /usr/bin/time ]; then
    cat >"$work/long.rgp" <<'EOS'
options { ring: 512 }
schema Line { text: str }
source lines = stdin as lines(Line)
stage sizes = lines | select { n: len(text) }
sink out = stdout as csv <- sizes
EOS
    head -c 131072 /dev/zero | tr '\0' x >"$work/long.line" && echo >>"$work/long.line"
    awk 'NR == 1 { long = $0 } END { for (i = 0; i < 4096; i++) print (i % 7 ? "short line " i : long) }' "$work/long.line" >"$work/long.txt"
    "$rgp" build "$work/long.rgp" -o "$work/long.bin" && /usr/bin/time -f %M -o "$work/long.rss" "$work/long.bin" <"$work/long.txt" >"$work/long.out" \
        && [ "$(sed 1d "$work/long.out" | awk '$1 == 131072 { n++ } END { print n }')" = 586 ] && [ "$(cat "$work/long.rss")" -lt 40000 ] && ok \
        || bad "long lines: peak RSS $(cat "$work/long.rss") KiB, expected under 40000 (or output wrong)"
fi

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

# a window over a merge: an input that ends stops holding the merged watermark
# back, and one quiet for longer than its source's idle option does too, so
# windows close while the other input is still open
seq 0 1000 5000 | sed 's/^/a,/' >"$work/early.csv"
cat >"$work/ended.rgp" <<EOF
schema E { src: str, ts: time }
source a = file("$work/early.csv") as csv(E)
source b = stdin as csv(E)
stage all = merge(a, b)
stage per = all | window ts every 10 s { n: count() }
sink out = stdout as csv <- per
EOF
"$rgp" build "$work/ended.rgp" -o "$work/ended.bin" && ok || bad "build ended.rgp"
{ printf 'b,0\nb,30000\n'; sleep 3; printf 'b,31000\n'; } | "$work/ended.bin" >"$work/ended.out" &
sleep 2
[ "$(cat "$work/ended.out")" = "$(printf 'window_start,window_end,n\n0,10000,7')" ] && ok \
    || bad "an input that ended still held the merged watermark back: $(cat "$work/ended.out")"
wait
[ "$(sed 1d "$work/ended.out" | awk -F, '{ n += $3 } END { print n }')" = 9 ] && ok || bad "merge lost records: $(cat "$work/ended.out")"
seq 0 1000 59000 | sed 's/^/a,/' >"$work/long.csv"
sed -e "s|early.csv|long.csv|" -e 's|source b = stdin as csv(E)|source b = stdin as csv(E) with { idle: 300 ms }|' \
    "$work/ended.rgp" >"$work/idle.rgp"
"$rgp" build "$work/idle.rgp" -o "$work/idle.bin" && ok || bad "build idle.rgp"
{ printf 'b,0\n'; sleep 3; printf 'b,70000\n'; } | "$work/idle.bin" >"$work/idle.out" &
sleep 2
[ "$(sed 1d "$work/idle.out" | wc -l)" = 5 ] && ok || bad "an idle input held the merged watermark back: $(cat "$work/idle.out")"
wait
[ "$(sed 1d "$work/idle.out" | awk -F, '{ n += $3 } END { print n }')" = 62 ] && ok || bad "idle merge lost records: $(cat "$work/idle.out")"

# a built binary resolves the .rgp file's relative paths against its own directory:
# moved with its files, and run from a third directory, it finds them; rgp run
# resolves them against the .rgp file's directory
mkdir -p "$work/mv/src/data" "$work/mv/dest" "$work/mv/cwd"
printf 'schema E { host: str, ms: i64 }\nsource events = file("data/in.csv") as csv(E)\nsink out = file("data/out.csv") as csv <- events\n' \
    >"$work/mv/src/moved.rgp"
printf 'a,1\nb,2\n' >"$work/mv/src/data/in.csv"
(cd "$work/mv/src" && "$rgp" build moved.rgp -o moved.bin) && mv "$work/mv/src/moved.bin" "$work/mv/dest/" \
    && mv "$work/mv/src/data" "$work/mv/dest/" && ok || bad "build moved.rgp"
(cd "$work/mv/cwd" && "$work/mv/dest/moved.bin" 2>"$work/mv.err") && printf 'host,ms\na,1\nb,2\n' | cmp -s - "$work/mv/dest/data/out.csv" \
    && [ ! -e "$work/mv/cwd/data" ] && ok || bad "a moved binary did not find its files beside it: $(cat "$work/mv.err")"
"$work/mv/dest/moved.bin" --help | grep -q "directory that holds this binary" && ok || bad "binary --help does not say where relative paths resolve"
mkdir -p "$work/mv/src/data" && printf 'c,3\n' >"$work/mv/src/data/in.csv"
(cd "$work/mv/cwd" && "$rgp" run "$work/mv/src/moved.rgp") && printf 'host,ms\nc,3\n' | cmp -s - "$work/mv/src/data/out.csv" \
    && ok || bad "rgp run did not resolve against the .rgp file's directory"
"$rgp" help run | grep -q "resolve against the .rgp file's directory" && "$rgp" help build | grep -q "directory that holds the binary" \
    && ok || bad "rgp help run/build do not give the path rules"

# a sink on the file a source reads is refused before anything is opened for
# writing: under the same name, or a hard link; the input is left whole
printf '%s\n' 'schema E { host: str, ms: i64 }' 'source readings = file("in.csv") as csv(E)' \
    'sink copy = file("copy.csv") as csv(header: false) <- readings' 'sink archive = file("archive.jsonl") as jsonl <- readings' >"$work/copy.rgp"
yes 'h,50' | head -n 1000 >"$work/in.csv"
"$rgp" build "$work/copy.rgp" -o "$work/copy.bin" || bad "build copy.rgp"
cp "$work/in.csv" "$work/same.csv" && ln -f "$work/same.csv" "$work/link.csv"
for sink in copy=same.csv archive=./link.csv; do
    (cd "$work" && ./copy.bin readings=same.csv "$sink" 2>"$work/copy.err" >/dev/null); got=$?
    [ $got = 1 ] && cmp -s "$work/in.csv" "$work/same.csv" \
        && grep -q "^copy: .*copy.rgp:[34]:6: error: sink '${sink%%=*}' would overwrite ${sink#*=}, which source 'readings' (.*copy.rgp:2:8) reads" "$work/copy.err" \
        && ok || bad "sink $sink on the source's file: exit $got, $(cat "$work/copy.err")"
done
# run-time errors name the declaration
(cd "$work" && ./copy.bin readings=nope.csv 2>"$work/copy.err"); [ $? = 1 ] \
    && grep -qx "copy: $work/copy.rgp:2:8: error: cannot read source 'readings': nope.csv: No such file or directory" "$work/copy.err" \
    && ok || bad "missing input: $(cat "$work/copy.err")"

# records longer than a writer's buffer, from two threads into one file: whole lines
printf '%s\n' 'schema L { text: str }' 'source lines = stdin as lines(L)' 'stage a = lines | where len(text) % 2 == 0' \
    'stage b = lines | where len(text) % 2 == 1' 'sink x = file("x") as csv(header: false) <- a' \
    'sink y = file("y") as csv(header: false) <- b' >"$work/long.rgp"
awk 'BEGIN { a = "a"; while (length(a) < 40 * 9001) a = a a; for (i = 1; i <= 40; i++) print i substr(a, 1, i * 9001) }' >"$work/long.in"   # doubling: s = s "a" is quadratic in mawk
"$rgp" run "$work/long.rgp" x="$work/long.out" y="$work/./long.out" <"$work/long.in" && sort "$work/long.in" >"$work/long.want" \
    && sort "$work/long.out" | cmp -s - "$work/long.want" && ok || bad "long records from two threads into one file were spliced"

# a sink whose reader goes away (| head): the sources stop, the other sink gets
# every row read, the summary is printed, and the status is 141
yes 'h,50' | head -n 3000000 >"$work/big.csv"
for mode in build run; do
    if [ $mode = build ]; then set -- "$work/copy.bin"; else set -- "$rgp" run "$work/copy.rgp"; fi
    "$@" readings="$work/big.csv" archive=- copy="$work/pipe.csv" 2>"$work/pipe.err" | head -1 >"$work/head.out"
    got=$(sed -n "s/^copy: source 'readings': stopped after \([0-9]*\) rows .*: a sink's reader went away$/\1/p" "$work/pipe.err")
    [ -n "$got" ] && [ "$got" -lt 3000000 ] && [ "$(wc -l <"$work/pipe.csv")" = "$got" ] \
        && grep -q "sink 'archive': the reader of stdout went away" "$work/pipe.err" \
        && [ "$(cat "$work/head.out")" = '{"host":"h","ms":50}' ] && ok || bad "$mode | head -1: $(cat "$work/pipe.err")"
    ( "$@" readings="$work/big.csv" archive=- copy="$work/pipe.csv" 2>/dev/null; echo $? >"$work/pipe.status" ) | head -1 >/dev/null
    [ "$(cat "$work/pipe.status")" = 141 ] && ok || bad "$mode | head -1: exit $(cat "$work/pipe.status"), expected 141"
done

# a reader that went away before the last flush: the status is 141 even when the
# closed pipe is found only at exit, and the other sink has every row read
printf 'h,50\nh,51\nh,52\n' >"$work/small.csv"
( "$work/copy.bin" readings="$work/small.csv" archive=- copy="$work/small.out" 2>"$work/small.err"; echo $? >"$work/small.status" ) | true
[ "$(cat "$work/small.status")" = 141 ] || [ "$(cat "$work/small.status")" = 0 ] && ok || bad "small | true: exit $(cat "$work/small.status")"
if grep -q "went away" "$work/small.err"; then
    [ "$(cat "$work/small.status")" = 141 ] && ok || bad "a closed pipe found at exit gave status $(cat "$work/small.status"), expected 141"
fi
got=$(sed -n "s/^copy: source 'readings': stopped after \([0-9]*\) rows .*/\1/p" "$work/small.err")
[ "$(wc -l <"$work/small.out")" = "${got:-3}" ] && ok || bad "small | true: the file sink lost rows: $(cat "$work/small.err")"

# a sink that cannot be written says so when it happens and stops the pipeline
# (exit 1) while the input is still open; with a drop policy only it loses records
{ yes 'h,50' | head -n 200000; sleep 6; } | "$work/sig.bin" out=/dev/full 2>"$work/full.err" &
pid=$!
sleep 3
kill -0 $pid 2>/dev/null && bad "a sink on /dev/full did not stop the pipeline" || ok
wait $pid; got=$?
[ $got = 1 ] && grep -q "^sig: .*sig.rgp:4:6: error: cannot write sink 'out': /dev/full: No space left on device; stopping the sources" "$work/full.err" \
    && [ "$(grep -c "cannot write" "$work/full.err")" = 1 ] && ok || bad "/dev/full: exit $got, $(cat "$work/full.err")"
printf '%s\n' 'schema E { host: str, ms: i64 }' 'source events = stdin as csv(E)' \
    'sink lossy = file("/dev/full") as csv <- events with { policy: drop_oldest(1024) }' \
    'sink kept = stdout as csv(header: false) <- events' >"$work/full.rgp"
yes 'h,50' | head -n 200000 | "$rgp" run "$work/full.rgp" >"$work/full.out" 2>"$work/full.err"; got=$?
[ $got = 1 ] && [ "$(wc -l <"$work/full.out")" = 200000 ] && grep -q "cannot write sink 'lossy': /dev/full: .*its records are dropped from now on" "$work/full.err" \
    && ok || bad "/dev/full with drop_oldest: exit $got, $(wc -l <"$work/full.out") rows kept, $(cat "$work/full.err")"

# a signal in the middle of a big input: every row counted as read reaches the
# sink (the row read at the stop used to be counted and lost)
for mode in build run; do
    if [ $mode = build ]; then set -- "$work/copy.bin"; else set -- "$rgp" run "$work/copy.rgp"; fi
    "$@" readings="$work/big.csv" archive=/dev/null copy=- 2>"$work/mid.err" | { sleep 1.5; cat >"$work/mid.out"; } &
    sleep 1; pkill -INT -f "$work/copy.(bin|rgp) readings=$work/big.csv"; wait
    got=$(sed -n "s/^copy: source 'readings': stopped after \([0-9]*\) rows .*: SIGINT$/\1/p" "$work/mid.err")
    [ -n "$got" ] && [ "$got" -lt 3000000 ] && [ "$(wc -l <"$work/mid.out")" = "$got" ] && ok \
        || bad "$mode: SIGINT mid-way: $(wc -l <"$work/mid.out") rows written, $(cat "$work/mid.err")"
done

# a signal that comes before the pipeline is up (here: while it waits to open a
# fifo; for rgp run, after the compile too) waits for it and then stops it cleanly
mkfifo "$work/early.fifo"
for mode in build run; do
    if [ $mode = build ]; then set -- "$work/sig.bin"; else set -- "$rgp" run "$work/sig.rgp"; fi
    "$@" events="$work/early.fifo" >"$work/early.out" 2>"$work/early.err" &
    pid=$!
    sleep 0.5; kill -TERM $pid; sleep 0.2
    timeout 5 sh -c 'printf "a,20\n" >"$1"' sh "$work/early.fifo"
    wait $pid; got=$?
    [ $got = 143 ] && grep -q "^sig: source 'events': stopped after 0 rows .*: SIGTERM$" "$work/early.err" && [ "$(cat "$work/early.out")" = "host,ms" ] \
        && ok || bad "$mode: SIGTERM before the pipeline was up: exit $got, $(cat "$work/early.err")"
done
# rgp run, stopped while it reads and compiles the .rgp file (here a fifo, so it waits there)
mkfifo "$work/early.rgp"
"$rgp" run "$work/early.rgp" events="$work/early.fifo" >"$work/early.out" 2>"$work/early.err" &
pid=$!
sleep 0.5; kill -TERM $pid; sleep 0.2
timeout 5 sh -c 'cat "$2" >"$1"' sh "$work/early.rgp" "$work/sig.rgp"
timeout 5 sh -c 'printf "a,20\n" >"$1"' sh "$work/early.fifo"
wait $pid; got=$?
[ $got = 143 ] && grep -q "^early: source 'events': stopped after 0 rows .*: SIGTERM$" "$work/early.err" \
    && ok || bad "rgp run: SIGTERM during the compile: exit $got, $(cat "$work/early.err")"

echo "cli: $passed passed, $failed failed"
[ $failed = 0 ]
