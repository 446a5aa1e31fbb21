#!/bin/sh
# run_ring.sh - `make bench-ring`: the LMAX Disruptor perf-test shapes on rgp's
# runtime, on the real LMAX Disruptor (Java) and on two hand-written C floors,
# run interleaved in rounds and reported as per-round ratios. Prints numbers;
# always exits 0, saying why when a contender is missing or fails.
#
# Usage: sh bench/run_ring.sh [OUT_DIR]        (OUT_DIR defaults to build/bench)
#   SIZE=small|large|quick|smoke  small (default) takes a few minutes on a
#                     quiet machine; large uses the LMAX perf tests' counts (100M
#                     events, 20M for 3P->1C, 3M round trips) and takes about
#                     half an hour; quick (what `make bench` runs) about half a
#                     minute, with less settled numbers; smoke only checks
#                     that everything runs
#   ROUNDS=N          rounds of every contender on every shape (default 5 small, 3 large and quick)
#   WARMUP=N          untimed passes before the timed one, every contender (default 3, quick 1)
#   PAUSE_NS=N        pause between pings, as LMAX's ping-pong test (default 1000)
#   CC=cc             C compiler for rgp's contender and the floors (same flags for both)
#   QUIET_WAIT=S      before each shape, wait up to S seconds (default 60, quick 1) for other
#                     processes to leave the CPUs; a shape run on a busy machine is
#                     flagged in the tables
#   DISTURBED=F       a run during which other processes used more than F CPUs on
#                     average (default 0.25) is marked * and left out of medians
#   DISRUPTOR_JAR=P   the LMAX jar (default /usr/share/java/disruptor.jar)
# Writes OUT_DIR/ring.md (the tables) and OUT_DIR/ring.log (every raw result line).
# shellcheck disable=SC2086 # $CC, $BENCH_CFLAGS and the commands are word lists
set -u

cd "$(dirname "$0")/.." || exit 0
OUT=${1:-build/bench}
SIZE=${SIZE:-small}
CC=${CC:-cc}
PAUSE_NS=${PAUSE_NS:-1000}
# The same flags for every C contender: the floors get nothing rgp does not.
BENCH_CFLAGS="-O2 -std=c11 -D_GNU_SOURCE -pthread"
DISRUPTOR_JAR=${DISRUPTOR_JAR:-/usr/share/java/disruptor.jar}
APT_LINE="apt-get install -y default-jdk-headless libdisruptor-java"

case $SIZE in
smoke) N_1P1C=1000000 N_1P3C=1000000 N_PIPE=1000000 N_3P1C=300000
       N_PING=20000 N_BLOCK=20000 ROUNDS=${ROUNDS:-2} TMO=60 ;;
quick) N_1P1C=20000000 N_1P3C=10000000 N_PIPE=10000000 N_3P1C=3000000
       N_PING=20000 N_BLOCK=5000 ROUNDS=${ROUNDS:-3} WARMUP=${WARMUP:-1} QUIET_WAIT=${QUIET_WAIT:-1} TMO=120 ;;
small) N_1P1C=50000000 N_1P3C=20000000 N_PIPE=20000000 N_3P1C=6000000
       N_PING=100000 N_BLOCK=50000 ROUNDS=${ROUNDS:-5} TMO=180 ;;
large) N_1P1C=100000000 N_1P3C=100000000 N_PIPE=100000000 N_3P1C=20000000
       N_PING=3000000 N_BLOCK=3000000 ROUNDS=${ROUNDS:-3} TMO=900 ;;
*) echo "bench-ring: unknown SIZE '$SIZE', expected smoke, quick, small or large; nothing run"; exit 0 ;;
esac
WARMUP=${WARMUP:-3}
QUIET_WAIT=${QUIET_WAIT:-60}
case $ROUNDS in ''|*[!0-9]*|0) echo "bench-ring: ROUNDS must be a positive integer, got '$ROUNDS'"; exit 0 ;; esac

mkdir -p "$OUT" || { echo "bench-ring: cannot create $OUT; nothing run"; exit 0; }
SPEC=$OUT/ring.spec LOG=$OUT/ring.log MD=$OUT/ring.md
: >"$LOG"
notes=""
note() { notes="$notes$1
"; echo "bench-ring: $1"; }

# ---- build --------------------------------------------------------------------

have_floor=0 have_rgp=0 have_lmax=0
if $CC $BENCH_CFLAGS -Wall -Wextra -o "$OUT/floors" bench/floors.c 2>"$OUT/floors.err"; then
    have_floor=1
else
    note "floor contenders skipped: bench/floors.c did not build ($CC $BENCH_CFLAGS); see $OUT/floors.err"
fi
if $CC $BENCH_CFLAGS -Wall -Wextra -Iruntime -o "$OUT/ring_bench" bench/ring_bench.c 2>"$OUT/ring_bench.err"; then
    have_rgp=1
else
    note "rgp contenders skipped: bench/ring_bench.c did not build ($CC $BENCH_CFLAGS); see $OUT/ring_bench.err"
fi
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
    note "LMAX contender skipped: java/javac not found. Install with:  $APT_LINE"
elif [ ! -r "$DISRUPTOR_JAR" ]; then
    note "LMAX contender skipped: $DISRUPTOR_JAR not found (Debian's libdisruptor-java). Install with:  $APT_LINE"
else
    rm -rf "$OUT/lmax" && mkdir -p "$OUT/lmax"
    if javac -nowarn -cp "$DISRUPTOR_JAR" -d "$OUT/lmax" bench/lmax/LmaxBench.java 2>"$OUT/lmax.err"; then
        have_lmax=1
    else
        note "LMAX contender skipped: bench/lmax/LmaxBench.java did not compile; see $OUT/lmax.err"
    fi
fi
JAVA="java -cp $OUT/lmax:$DISRUPTOR_JAR LmaxBench"
RGP=$OUT/ring_bench FLOOR=$OUT/floors

# ---- the shapes ------------------------------------------------------------------
# One line each, tab-separated:
#   S shape kind title                      kind: tp (throughput) or lat (latency)
#   C shape id label command                a contender; rows print in this order
#   R shape num den op target label         ratio num/den per round; op >= or <=
T='	'
seq() { [ $have_rgp = 1 ]; }
{
    echo "S${T}1p1c${T}tp${T}1P->1C: ring 65536, $N_1P1C events, Mops/s (higher is better)"
    seq && echo "C${T}1p1c${T}rgp${T}rgp sequencer.h, yield${T}$RGP 1p1c yield $N_1P1C $WARMUP"
    seq && echo "C${T}1p1c${T}rgpadapt${T}rgp sequencer.h, adaptive (default)${T}$RGP 1p1c adaptive $N_1P1C $WARMUP"
    [ $have_rgp = 1 ] &&
    [ $have_lmax = 1 ] &&
    echo "C${T}1p1c${T}lmax${T}LMAX YieldingWaitStrategy${T}$JAVA 1p1c yield $N_1P1C $WARMUP"
    [ $have_floor = 1 ] &&
    echo "C${T}1p1c${T}floor${T}floor: minimal C SPSC ring, spin (yields after 1000 pauses)${T}$FLOOR 1p1c spin $N_1P1C $WARMUP"
    echo "R${T}1p1c${T}rgp${T}lmax${T}>=${T}5${T}rgp yield / LMAX"
    echo "R${T}1p1c${T}rgp${T}floor${T}>=${T}0.8${T}rgp yield / floor"
    echo "R${T}1p1c${T}rgpadapt${T}lmax${T}${T}${T}rgp adaptive / LMAX"

    echo "S${T}1p3c${T}tp${T}1P->3C multicast: ring 8192, $N_1P3C events, Mops/s (higher is better)"
    seq && echo "C${T}1p3c${T}rgp${T}rgp sequencer.h, yield${T}$RGP 1p3c yield $N_1P3C $WARMUP"
    seq && echo "C${T}1p3c${T}rgpadapt${T}rgp sequencer.h, adaptive (default)${T}$RGP 1p3c adaptive $N_1P3C $WARMUP"
    [ $have_lmax = 1 ] &&
    echo "C${T}1p3c${T}lmax${T}LMAX YieldingWaitStrategy${T}$JAVA 1p3c yield $N_1P3C $WARMUP"
    echo "R${T}1p3c${T}rgp${T}lmax${T}>=${T}3${T}rgp yield / LMAX"
    echo "R${T}1p3c${T}rgpadapt${T}lmax${T}${T}${T}rgp adaptive / LMAX"

    echo "S${T}pipeline${T}tp${T}3-stage pipeline: ring 8192, $N_PIPE events, Mops/s (higher is better)"
    seq && echo "C${T}pipeline${T}rgp${T}rgp sequencer.h, yield${T}$RGP pipeline yield $N_PIPE $WARMUP"
    seq && echo "C${T}pipeline${T}rgpadapt${T}rgp sequencer.h, adaptive (default)${T}$RGP pipeline adaptive $N_PIPE $WARMUP"
    [ $have_lmax = 1 ] &&
    echo "C${T}pipeline${T}lmax${T}LMAX YieldingWaitStrategy${T}$JAVA pipeline yield $N_PIPE $WARMUP"
    echo "R${T}pipeline${T}rgp${T}lmax${T}>=${T}3${T}rgp yield / LMAX"
    echo "R${T}pipeline${T}rgpadapt${T}lmax${T}${T}${T}rgp adaptive / LMAX"

    echo "S${T}3p1c${T}tp${T}3P->1C: ring 65536, $N_3P1C events, Mops/s (higher is better); LMAX's test uses BusySpin (4 threads on 2 vCPUs), yield shown too"
    seq && echo "C${T}3p1c${T}rgpspin${T}rgp sequencer.h, spin${T}$RGP 3p1c spin $N_3P1C $WARMUP"
    [ $have_lmax = 1 ] &&
    echo "C${T}3p1c${T}lmaxspin${T}LMAX BusySpinWaitStrategy${T}$JAVA 3p1c busyspin $N_3P1C $WARMUP"
    seq && echo "C${T}3p1c${T}rgpyield${T}rgp sequencer.h, yield${T}$RGP 3p1c yield $N_3P1C $WARMUP"
    [ $have_lmax = 1 ] &&
    echo "C${T}3p1c${T}lmaxyield${T}LMAX YieldingWaitStrategy${T}$JAVA 3p1c yield $N_3P1C $WARMUP"
    echo "R${T}3p1c${T}rgpspin${T}lmaxspin${T}${T}${T}rgp / LMAX, spin"
    echo "R${T}3p1c${T}rgpyield${T}lmaxyield${T}${T}${T}rgp / LMAX, yield"

    echo "S${T}pingspin${T}lat${T}ping-pong, spinning: round trip ns over 2 rings of 1024, $N_PING round trips, ${PAUSE_NS} ns pause (lower is better)"
    seq && echo "C${T}pingspin${T}rgp${T}rgp sequencer.h, spin${T}$RGP pingpong spin $N_PING $WARMUP $PAUSE_NS"
    [ $have_rgp = 1 ] &&
    [ $have_lmax = 1 ] &&
    echo "C${T}pingspin${T}lmax${T}LMAX BusySpinWaitStrategy${T}$JAVA pingpong busyspin $N_PING $WARMUP $PAUSE_NS"
    [ $have_floor = 1 ] &&
    echo "C${T}pingspin${T}floor${T}floor: two padded flags, spin (yields after 1000 pauses)${T}$FLOOR pingpong spin $N_PING $WARMUP $PAUSE_NS"
    [ $have_floor = 1 ] &&
    echo "C${T}pingspin${T}ringfloor${T}for reference: two minimal C rings, spin (a hop moves cursor + slot)${T}$FLOOR ring-pingpong spin $N_PING $WARMUP $PAUSE_NS"
    echo "R${T}pingspin${T}rgp${T}floor${T}<=${T}1.1${T}rgp spin / floor"
    echo "R${T}pingspin${T}rgp${T}lmax${T}${T}${T}rgp spin / LMAX"
    echo "R${T}pingspin${T}rgp${T}ringfloor${T}${T}${T}rgp spin / two C rings"
    echo "R${T}pingspin${T}ringfloor${T}floor${T}${T}${T}two C rings / floor"

    echo "S${T}pingblock${T}lat${T}ping-pong, blocking: round trip ns over 2 rings of 1024, $N_BLOCK round trips, ${PAUSE_NS} ns pause (lower is better)"
    seq && echo "C${T}pingblock${T}rgp${T}rgp sequencer.h, block${T}$RGP pingpong block $N_BLOCK $WARMUP $PAUSE_NS"
    seq && echo "C${T}pingblock${T}rgpadapt${T}rgp sequencer.h, adaptive (default)${T}$RGP pingpong adaptive $N_BLOCK $WARMUP $PAUSE_NS"
    [ $have_lmax = 1 ] &&
    echo "C${T}pingblock${T}lmax${T}LMAX BlockingWaitStrategy${T}$JAVA pingpong blocking $N_BLOCK $WARMUP $PAUSE_NS"
    [ $have_floor = 1 ] &&
    echo "C${T}pingblock${T}futexfloor${T}for reference: two futex words, FUTEX_WAIT / FUTEX_WAKE every hop${T}$FLOOR futex-pingpong block $N_BLOCK $WARMUP $PAUSE_NS"
    echo "R${T}pingblock${T}rgp${T}lmax${T}<=${T}0.5${T}rgp block / LMAX"
    echo "R${T}pingblock${T}rgpadapt${T}lmax${T}${T}${T}rgp adaptive / LMAX"
    echo "R${T}pingblock${T}rgp${T}futexfloor${T}${T}${T}rgp block / raw futex round trip"
    echo "R${T}pingblock${T}futexfloor${T}lmax${T}${T}${T}raw futex round trip / LMAX"
} >"$SPEC"

# Percent of both CPUs busy over 0.3 s, from /proc/stat (0 when unreadable).
cpu_busy() {
    { head -n 1 /proc/stat; sleep 0.3; head -n 1 /proc/stat; } 2>/dev/null | awk '
        { idle = $5 + $6; tot = 0; for (i = 2; i <= NF; i++) tot += $i }
        NR == 1 { i0 = idle; t0 = tot }
        NR == 2 { print (tot > t0 ? int(100 * (1 - (idle - i0) / (tot - t0))) : 0) }
        END { if (NR < 2) print 0 }'
}

# Waits (up to QUIET_WAIT seconds) until no other process keeps the CPUs busy;
# prints the busy percentage it ended with.
await_quiet() {
    waited=0
    busy=$(cpu_busy)
    while [ "$busy" -gt 20 ] && [ $waited -lt "$QUIET_WAIT" ]; do
        [ $waited = 0 ] && echo "  (CPUs ${busy}% busy with other work: waiting up to ${QUIET_WAIT}s)" >&2
        sleep 2
        waited=$((waited + 2))
        busy=$(cpu_busy)
    done
    echo "$busy"
}

# A snapshot for disturbance accounting: the CPU line of /proc/stat, the CPU
# time of this shell's finished children (`times`, redirected so that it runs
# in this shell and not in a subshell) and the clock. disturbance() turns two
# snapshots into how many CPUs other processes (or the hypervisor's steal)
# used on average between them: what the machine spent minus what our child
# spent, over the wall time.
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
snap() {
    head -n 1 /proc/stat >"$OUT/ring.snap$1" 2>/dev/null
    times >>"$OUT/ring.snap$1"
    date +%s%N >>"$OUT/ring.snap$1"
}
disturbance() {
    cat "$OUT/ring.snap0" "$OUT/ring.snap1" 2>/dev/null | awk -v hz="$HZ" '
        function sec(t,    m) { m = index(t, "m"); return substr(t, 1, m - 1) * 60 + substr(t, m + 1, length(t) - m - 1) }
        $1 == "cpu" { k++; busy[k] = 0; for (i = 2; i <= 9; i++) if (i != 5 && i != 6) busy[k] += $i; next }
        NF == 2 && /m/ { if (++tl % 2 == 0) ch[k] = sec($1) + sec($2); next }
        NF == 1 { ns[k] = $1 }
        END {
            wall = (ns[2] - ns[1]) / 1e9
            if (k != 2 || wall <= 0) { print "0.00"; exit }
            o = ((busy[2] - busy[1]) / hz - (ch[2] - ch[1])) / wall
            printf "%.2f", o < 0 ? 0 : o
        }'
}

# ---- run: every round runs every shape, and each shape's contenders back to
# back, in an order that rotates from round to round -------------------------------

echo "bench-ring: SIZE=$SIZE ROUNDS=$ROUNDS WARMUP=$WARMUP, C flags: $BENCH_CFLAGS"
shapes=$(awk -F"$T" '$1 == "S" { print $2 }' "$SPEC")
r=1
while [ $r -le "$ROUNDS" ]; do
    for shape in $shapes; do
        busy=$(await_quiet)
        [ "$busy" -gt 20 ] && echo "round=$r shape=$shape id=- BUSY $busy" >>"$LOG"
        awk -F"$T" -v s="$shape" -v r="$r" '
            $1 == "C" && $2 == s { line[n++] = $3 "\t" $5 }
            END { for (i = 0; i < n; i++) print line[(i + r - 1) % n] }' "$SPEC" >"$OUT/ring.round"
        while IFS="$T" read -r id cmd; do
            snap 0
            timeout "$TMO" $cmd >"$OUT/ring.out" 2>"$OUT/ring.err" </dev/null
            rc=$?
            snap 1
            other=$(disturbance)
            res=$(grep -E '^(rgp|lmax|floor) ' "$OUT/ring.out" | head -n 1)
            if [ $rc = 0 ] && [ -n "$res" ]; then
                echo "round=$r shape=$shape id=$id $res other_cpus=$other" >>"$LOG"
                printf '  round %s  %-9s %-10s %s other_cpus=%s\n' "$r" "$shape" "$id" "$(echo "$res" | cut -d' ' -f4-)" "$other"
            else
                why="exit status $rc"; [ $rc = 124 ] && why="timed out after ${TMO}s"
                echo "round=$r shape=$shape id=$id FAILED $why" >>"$LOG"
                printf '  round %s  %-9s %-10s FAILED (%s): %s\n' "$r" "$shape" "$id" "$why" \
                    "$(tail -n 3 "$OUT/ring.err" | tr '\n' ' ')"
            fi
        done <"$OUT/ring.round"
    done
    r=$((r + 1))
done
rm -f "$OUT/ring.round" "$OUT/ring.out" "$OUT/ring.err" "$OUT/ring.snap0" "$OUT/ring.snap1"

# ---- report: medians across rounds, ratios taken within each round --------------

# A run during which other processes used more than DISTURBED CPUs on average
# is marked * and left out of the medians (unless every round of it is marked).
DISTURBED=${DISTURBED:-0.25}
MACHINE="$(grep -m 1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), $(nproc 2>/dev/null) CPUs, Linux $(uname -r)"
MACHINE="$MACHINE; $($CC --version 2>/dev/null | head -n 1)"
[ $have_lmax = 1 ] && MACHINE="$MACHINE; $(java -version 2>&1 | head -n 1); libdisruptor-java $(dpkg-query -W -f='${Version}' libdisruptor-java 2>/dev/null || echo '?')"

MACHINE=$MACHINE NOTES=$notes STAMP=$(date -u '+%Y-%m-%d %H:%M UTC') awk -F"$T" \
    -v rounds="$ROUNDS" -v size="$SIZE" -v cflags="$BENCH_CFLAGS" -v dlim="$DISTURBED" \
    -v warmup="$WARMUP" '
function sortn(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
}
function median(a, n) {
    if (n == 0) return ""
    sortn(a, n)
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# The median of the undisturbed values, or of all when every one is disturbed.
function med2(clean, nclean, all, nall) { return nclean ? median(clean, nclean) : median(all, nall) }
function mops(v) { return v == "" ? "-" : sprintf("%.1f", v / 1e6) }
function ns(v) { return v == "" ? "-" : sprintf("%.0f", v) }
function rx(v) { return v == "" ? "-" : sprintf("%.2fx", v) }
function verdict(m, op, tg) {
    if (op == "" || m == "") return ""
    return (op == ">=" ? m >= tg : m <= tg) ? " met" : " MISSED"
}
# the value of metric k from contender id in round r of shape s, or ""
function val(s, id, r, k) { return ((s SUBSEP id SUBSEP r SUBSEP k) in V) ? V[s, id, r, k] : "" }
function dist(s, id, r,    o) { o = val(s, id, r, "other_cpus"); return o != "" && o > dlim + 0 }
function star(d) { return d ? "*" : "" }

FILENAME ~ /spec$/ {
    if ($1 == "S") { nshape++; S[nshape] = $2; kind[$2] = $3; title[$2] = $4 }
    if ($1 == "C") { nc[$2]++; cid[$2, nc[$2]] = $3; clabel[$2, $3] = $4; has[$2, $3] = 1 }
    if ($1 == "R") { nr[$2]++; k = nr[$2]; rnum[$2, k] = $3; rden[$2, k] = $4; rop[$2, k] = $5; rtg[$2, k] = $6; rlabel[$2, k] = $7 }
    next
}
{   # ring.log: round=R shape=S id=ID WHO SHAPE STRAT key=value ...
    split($0, w, " "); r = substr(w[1], 7); s = substr(w[2], 7); id = substr(w[3], 4)
    if (w[4] == "FAILED") { failed[s, id]++; next }
    if (w[4] == "BUSY") { busyr[s] = busyr[s] (busyr[s] == "" ? "" : ", ") r " (" w[5] "% busy)"; next }
    for (i = 7; i in w; i++) { split(w[i], kv, "="); V[s, id, r, kv[1]] = kv[2] + 0 }
    if (dist(s, id, r)) ndist[s]++
}
END {
    print "# make bench-ring: rgp vs the LMAX Disruptor vs C floors"
    print ""
    print "SIZE=" size ", " rounds " rounds, " warmup " untimed warm-up passes per run, " ENVIRON["STAMP"] ". " ENVIRON["MACHINE"] "."
    print ""
    print "Every round runs every shape, and each shape'"'"'s contenders back to back (the order rotates each round). Ratios are taken within a round and their median is shown: cross-core latency on this machine moves with vCPU placement, so absolute figures are only for orientation. C contenders are built with `" cflags "`. rgp is driven as generated code drives it: producers claim and publish 256 slots at a time, consumers take what is available (at most 1024) and release it with one store; the LMAX perf tests claim and publish one event at a time. A `*` marks a run during which other processes used more than " dlim " CPUs on average; such runs are left out of the medians."
    notes = ENVIRON["NOTES"]
    if (notes != "") { print ""; n = split(notes, nl, "\n"); for (i = 1; i <= n; i++) if (nl[i] != "") print "- " nl[i] }
    for (q = 1; q <= nshape; q++) {
        s = S[q]; print ""; print "## " title[s]; print ""
        if (busyr[s] != "") { print "The CPUs were still busy with other work when round(s) " busyr[s] " began."; print "" }
        if (kind[s] == "tp") {
            h = "| contender |"; sep = "|---|"
            for (r = 1; r <= rounds; r++) { h = h " round " r " |"; sep = sep "---:|" }
            print h " median | target |"; print sep "---:|---|"
            for (c = 1; c <= nc[s]; c++) {
                id = cid[s, c]; line = "| " clabel[s, id] " |"; mc = ma = 0
                for (r = 1; r <= rounds; r++) {
                    v = val(s, id, r, "ops_per_sec"); d = dist(s, id, r)
                    line = line " " mops(v) star(d) " |"
                    if (v != "") { all[++ma] = v; if (!d) clean[++mc] = v }
                }
                f = failed[s, id] ? " (" failed[s, id] " failed)" : ""
                print line " " mops(med2(clean, mc, all, ma)) f " | |"; delete clean; delete all
            }
            for (k = 1; k <= nr[s]; k++) {
                nu = rnum[s, k]; de = rden[s, k]
                if (!has[s, nu] || !has[s, de]) continue
                line = "| **" rlabel[s, k] "** |"; mc = ma = 0
                for (r = 1; r <= rounds; r++) {
                    x = val(s, nu, r, "ops_per_sec"); y = val(s, de, r, "ops_per_sec")
                    d = dist(s, nu, r) || dist(s, de, r)
                    if (x != "" && y != "" && y > 0) {
                        all[++ma] = x / y; if (!d) clean[++mc] = x / y
                        line = line " " rx(x / y) star(d) " |"
                    } else line = line " - |"
                }
                med = med2(clean, mc, all, ma); delete clean; delete all
                tg = rop[s, k] == "" ? "" : rop[s, k] " " rtg[s, k] "x" verdict(med, rop[s, k], rtg[s, k])
                print line " **" rx(med) "** | " tg " |"
            }
        } else {
            print "| contender | mean | p50 | p99 | p99.9 | mean by round | target |"
            print "|---|---:|---:|---:|---:|---|---|"
            split("mean_ns p50_ns p99_ns p999_ns", mk, " ")
            for (c = 1; c <= nc[s]; c++) {
                id = cid[s, c]; line = "| " clabel[s, id] " |"
                for (j = 1; j <= 4; j++) {
                    mc = ma = 0
                    for (r = 1; r <= rounds; r++) {
                        v = val(s, id, r, mk[j])
                        if (v != "") { all[++ma] = v; if (!dist(s, id, r)) clean[++mc] = v }
                    }
                    line = line " " ns(med2(clean, mc, all, ma)) " |"; delete clean; delete all
                }
                byr = ""
                for (r = 1; r <= rounds; r++) byr = byr (r > 1 ? " / " : "") ns(val(s, id, r, "mean_ns")) star(dist(s, id, r))
                if (failed[s, id]) byr = byr " (" failed[s, id] " failed)"
                print line " " byr " | |"
            }
            for (k = 1; k <= nr[s]; k++) {
                nu = rnum[s, k]; de = rden[s, k]
                if (!has[s, nu] || !has[s, de]) continue
                line = "| **" rlabel[s, k] "** |"
                for (j = 1; j <= 4; j++) {
                    mc = ma = 0
                    for (r = 1; r <= rounds; r++) {
                        x = val(s, nu, r, mk[j]); y = val(s, de, r, mk[j])
                        if (x != "" && y != "" && y > 0) {
                            all[++ma] = x / y; if (!(dist(s, nu, r) || dist(s, de, r))) clean[++mc] = x / y
                        }
                    }
                    med = med2(clean, mc, all, ma); delete clean; delete all
                    if (j == 1) medmean = med
                    line = line " " (j == 1 ? "**" rx(med) "**" : rx(med)) " |"
                }
                byr = ""
                for (r = 1; r <= rounds; r++) {
                    x = val(s, nu, r, "mean_ns"); y = val(s, de, r, "mean_ns")
                    byr = byr (r > 1 ? " / " : "") (x != "" && y != "" && y > 0 ? rx(x / y) star(dist(s, nu, r) || dist(s, de, r)) : "-")
                }
                tg = rop[s, k] == "" ? "" : "mean " rop[s, k] " " rtg[s, k] "x" verdict(medmean, rop[s, k], rtg[s, k])
                print line " " byr " | " tg " |"
            }
        }
    }
}' "$SPEC" "$LOG" >"$MD"

rm -f "$SPEC"
for f in "$OUT/floors.err" "$OUT/ring_bench.err" "$OUT/lmax.err"; do [ -s "$f" ] || rm -f "$f"; done
echo
cat "$MD"
echo
echo "bench-ring: tables in $MD, raw lines in $LOG"
exit 0
