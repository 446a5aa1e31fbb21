#!/bin/sh
# run_keys.sh - what a key costs: every stateful operator runs the same
# records over few keys and over many, and the table gives both times, both
# instruction counts (callgrind: stable on a noisy machine) and their
# ratios, against the goal that many keys cost at most 3 times what few keys
# do. Then the memory each operator holds per key, for u64 and str keys.
# Prints numbers; always exits 0.
#
# Usage: sh bench/keys/run_keys.sh [RECORDS=N] [FEW=N] [MANY=N] [ROUNDS=N] [CALLGRIND=0|1] [MEM=N]
#   RECORDS=300000  records per run, 1 ms of event time apart, keys at random
#   FEW=1000 MANY=150000  the two key counts
#   ROUNDS=5        timed rounds, few and many interleaved
#   CALLGRIND=1     count instructions with valgrind --tool=callgrind (0: skip)
#   MEM=1000000     records (and keys) of the memory runs; 0 skips them
#   CC=cc RGP=build/rgp
# Writes build/bench/keys.md and keys.csv; data, programs and outputs go to
# build/bench/keys/.
# shellcheck disable=SC2086,SC2059 # lists of times are word lists; $FMT is a printf format
set -u

cd "$(dirname "$0")/../.." || exit 0
. bench/lib.sh
BENCH=keys
RECORDS=300000 FEW=1000 MANY=150000 ROUNDS=5 CALLGRIND=1 MEM=1000000
for arg in "$@"; do
    case $arg in
    RECORDS=* | FEW=* | MANY=* | ROUNDS=* | CALLGRIND=* | MEM=*) eval "${arg%%=*}=\${arg#*=}" ;;
    *) say "run_keys.sh: unknown argument '$arg' (expected RECORDS=, FEW=, MANY=, ROUNDS=, CALLGRIND=, MEM=)"; exit 0 ;;
    esac
done
for n in "$RECORDS" "$FEW" "$MANY" "$ROUNDS" "$MEM" "$CALLGRIND"; do
    case $n in '' | *[!0-9]*) say "run_keys.sh: the options take whole numbers, not '$n'"; exit 0 ;; esac
done
CC=${CC:-cc}
RGP=${RGP:-build/rgp}
OUT=build/bench
W=$OUT/keys
LC_ALL=C
export LC_ALL
mkdir -p "$W" || exit 0
[ -x "$RGP" ] || { say "keys: $RGP is missing (run make)"; exit 0; }

# ---- the operators: one source of truth ---------------------------------------
# OPS: the operators, each an id; op_stage ID prints its stage's operator,
# op_label ID its name in the table. `throttle_merge` reads a merge of two
# sources (the records split alternately), the others one source.
OPS="state delta dedup dedup_within group tumbling sliding session count throttle throttle_merge"
op_stage() {
    case $1 in
    state) say 'by k state { n: u64 = 0, sum: f64 = 0.0 } { n += 1
          sum += v
          if v > 98.0 { emit { k, n, sum } } }' ;;
    delta) say 'delta by k { if has_prev and v - prev.v > 90.0 { emit { k, ts, from: prev.v, to: v } } }' ;;
    dedup) say 'dedup by k on v' ;;
    dedup_within) say 'dedup by k on v within 10 s of ts' ;;
    group) say 'group by k { n: count(), mean: avg(v), hi: max(v) }' ;;
    tumbling) say 'window ts every 10 s by k { n: count(), mean: avg(v) }' ;;
    sliding) say 'window ts every 60 s slide 10 s by k { n: count(), mean: avg(v) }' ;;
    session) say 'window ts gap 10 s by k { n: count(), mean: avg(v) }' ;;
    count) say 'window count 100 by k { n: count(), mean: avg(v) }' ;;
    throttle | throttle_merge) say 'throttle 2 every 10 s by k on ts' ;;
    esac
}
op_label() {
    case $1 in
    state) say 'keyed state: by k state' ;;
    delta) say 'delta by k' ;;
    dedup) say 'dedup by k on v' ;;
    dedup_within) say 'dedup by k on v within 10 s of ts' ;;
    group) say 'group by k' ;;
    tumbling) say 'window: tumbling, every 10 s' ;;
    sliding) say 'window: sliding, every 60 s slide 10 s' ;;
    session) say 'window: session, gap 10 s' ;;
    count) say 'window: count 100' ;;
    throttle) say 'throttle 2 every 10 s by k on ts' ;;
    throttle_merge) say 'throttle ... on ts over a merge' ;;
    esac
}
# op_program ID KEYTYPE: the program, reading src (and src2) and writing o.
op_program() {
    say "# $1 over $2 keys: written by bench/keys/run_keys.sh"
    say "schema E { ts: time, k: $2, v: f64 }"
    say 'source src = file("in.csv") as csv(E, header: true)'
    if [ "$1" = throttle_merge ]; then
        say 'source src2 = file("in2.csv") as csv(E, header: true)'
        say 'stage both = merge(src, src2)'
        say "stage out = both | $(op_stage "$1")"
    else
        say "stage out = src | $(op_stage "$1")"
    fi
    say 'sink o = file("out.csv") as csv <- out'
}

# ---- data and binaries (not timed) --------------------------------------------
if ! $CC -O2 -std=c11 -o "$W/gen" bench/keys/gen.c 2>"$W/gen.err"; then
    say "keys: cannot build the data generator with $CC; see $W/gen.err"; exit 0
fi
# data NAME ARGS...: $W/NAME.csv from gen ARGS, made once.
data() {
    f=$W/$1.csv; shift
    [ -s "$f" ] && [ -z "$(find bench/keys/gen.c -newer "$f")" ] && return 0
    "$W/gen" "$@" >"$f.tmp" && mv "$f.tmp" "$f"
}
for n in "$FEW" "$MANY"; do
    data "t-$RECORDS-$n" "$RECORDS" "$n" random "$RECORDS" u64
    data "t-$RECORDS-$n-p0" "$RECORDS" "$n" random "$RECORDS" u64 0 2
    data "t-$RECORDS-$n-p1" "$RECORDS" "$n" random "$RECORDS" u64 1 2
done
BUILT=""
for op in $OPS; do
    for kt in u64 str; do
        op_program "$op" "$kt" >"$W/$op-$kt.rgp"
        if "$RGP" build "$W/$op-$kt.rgp" -o "$W/$op-$kt" >"$W/$op-$kt.build.err" 2>&1; then
            BUILT="$BUILT $op-$kt"
        else
            say "keys: rgp build failed for $op ($kt keys); see $W/$op-$kt.build.err"
        fi
    done
done
built() { case " $BUILT " in *" $1 "*) return 0 ;; esac; return 1; }

# args OP DATA: the binary's file arguments for input DATA (its two halves
# for the merge).
args() {
    if [ "$1" = throttle_merge ]; then
        printf 'src=%s src2=%s' "$W/$2-p0.csv" "$W/$2-p1.csv"
    else
        printf 'src=%s' "$W/$2.csv"
    fi
}
# run OP KEYS: the u64 binary on the timing data; sets NS (wall, start-up
# included) and RC; its output goes to $W/OP-KEYS.out.
run() {
    t0=$(date +%s%N)
    # shellcheck disable=SC2046 # args prints words
    "$W/$1-u64" $(args "$1" "t-$RECORDS-$2") o="$W/$1-$2.out" 2>"$W/$1-$2.err"
    RC=$?
    t1=$(date +%s%N)
    NS=$((t1 - t0))
}

# ---- time: few and many keys interleaved ----------------------------------------
busy_before=$(busy_cpus)
warn_busy "$busy_before" "before the run"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    printf 'keys: round %d:' "$r"
    for op in $OPS; do
        built "$op-u64" || continue
        for n in "$FEW" "$MANY"; do
            run "$op" "$n"
            if [ "$RC" != 0 ]; then
                set_var "FAIL_$op" "exit $RC with $n keys: $(head -n 1 "$W/$op-$n.err")"
                continue
            fi
            set_var "NS_${op}_$n" "$(get_var "NS_${op}_$n") $NS"
        done
        printf ' %s' "$op"
    done
    echo
    r=$((r + 1))
done
busy_after=$(busy_cpus)
warn_busy "$busy_after" "after the run"

# ---- instructions: callgrind, every thread ---------------------------------------
# instr OP KEYS: instructions executed by the u64 binary, or -.
instr() {
    # shellcheck disable=SC2046 # args prints words
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$W/$1-u64" $(args "$1" "t-$RECORDS-$2") \
        o="$W/$1-$2.cg.out" >/dev/null 2>"$W/$1-$2.cg.err" &&
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$W/$1-$2.cg.err" | tail -n 1 | grep . || echo -
}
if [ "$CALLGRIND" = 1 ] && have valgrind; then
    printf 'keys: callgrind:'
    for op in $OPS; do
        built "$op-u64" || continue
        for n in "$FEW" "$MANY"; do set_var "IR_${op}_$n" "$(instr "$op" "$n")"; done
        printf ' %s' "$op"
    done
    echo
elif [ "$CALLGRIND" = 1 ]; then
    say "keys: no instruction counts: $(apt_hint valgrind valgrind)"
fi

# ---- memory: peak RSS with MEM keys minus with one, over MEM records -------------
# The MEM records span one second of event time, so every window, session
# and throttle span is still open at the end: what is measured is a key's
# entry with its open windows. Input i has key i (cycle), or key 0.
# mem OP KEYTYPE: bytes per key, or -.
mem() {
    if [ -z "$TIME" ] || ! built "$1-$2"; then echo -; return 0; fi
    for n in 1 "$MEM"; do
        # shellcheck disable=SC2046 # args prints words
        "$TIME" -f %M -o "$W/$1-$2-$n.rss" "$W/$1-$2" $(args "$1" "m-$MEM-$n-$2") o=/dev/null 2>/dev/null ||
            { echo -; return 0; }
    done
    awk -v one="$(tail -n 1 "$W/$1-$2-1.rss")" -v all="$(tail -n 1 "$W/$1-$2-$MEM.rss")" -v n="$MEM" \
        'BEGIN { printf "%.0f", (all - one) * 1024 / n }'
}
if [ "$MEM" -gt 0 ]; then
    for kt in u64 str; do
        for n in 1 "$MEM"; do
            data "m-$MEM-$n-$kt" "$MEM" "$n" cycle 1000 "$kt"
            data "m-$MEM-$n-$kt-p0" "$MEM" "$n" cycle 1000 "$kt" 0 2
            data "m-$MEM-$n-$kt-p1" "$MEM" "$n" cycle 1000 "$kt" 1 2
        done
    done
    printf 'keys: memory:'
    for op in $OPS; do
        for kt in u64 str; do set_var "MEM_${op}_$kt" "$(mem "$op" "$kt")"; done
        printf ' %s' "$op"
    done
    echo
fi

# ---- the table ------------------------------------------------------------------
machine_info
LOAD="CPUs busy with other work: $busy_before before the run, $busy_after after"
rows() {
    for op in $OPS; do
        few=$(median_of "$(get_var "NS_${op}_$FEW")" | cut -f 1)
        many=$(median_of "$(get_var "NS_${op}_$MANY")" | cut -f 1)
        irf=$(get_var "IR_${op}_$FEW") irm=$(get_var "IR_${op}_$MANY")
        of=$( [ -f "$W/$op-$FEW.out" ] && echo $(($(wc -l <"$W/$op-$FEW.out") - 1)))
        om=$( [ -f "$W/$op-$MANY.out" ] && echo $(($(wc -l <"$W/$op-$MANY.out") - 1)))
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$op" "$(op_label "$op")" "${few:--}" "${many:--}" \
            "${irf:--}" "${irm:--}" "${of:--}" "${om:--}" "$(get_var "MEM_${op}_u64")" "$(get_var "MEM_${op}_str")"
    done
}
rows >"$W/rows.tsv"
# fmt FORMAT: the rows as FORMAT's 11 columns: label, few ms, many ms, ratio,
# few instructions, many, ratio, goal met, output rows few / many, B per
# u64 key, B per str key.
fmt() {
    awk -F '\t' -v fmt="$1" -v mem="$MEM" '
        function ms(s) { return s == "-" ? "-" : sprintf("%.0f", s * 1000) }
        function mi(n) { return n == "-" || n == "" ? "-" : sprintf("%.1fM", n / 1e6) }
        function ratio(a, b) { return a == "-" || b == "-" || a == "" || b == "" || a == 0 ? "-" : sprintf("%.2fx", b / a) }
        function b(x) { return mem == 0 || x == "" || x == "-" ? "-" : x }
        {
            rt = ratio($3, $4); ri = ratio($5, $6)
            judge = ri != "-" ? ri : rt
            goal = judge == "-" ? "-" : (judge + 0 <= 3 ? "yes" : "NO")
            printf fmt, $2, ms($3), ms($4), rt, mi($5), mi($6), ri, goal, $7 " / " $8, b($9), b($10)
        }' "$W/rows.tsv"
}
HEAD="Key cost: $RECORDS records 1 ms apart, $FEW keys against $MANY, rgp build binaries, median of $ROUNDS interleaved rounds"
echo
say "$HEAD"
say "$MACHINE; $WHEN; $LOAD"
echo
FMT='%-38s %8s %8s %7s %9s %9s %7s %5s %17s %7s %7s\n'
printf "$FMT" operator "ms few" "ms many" ratio "Ir few" "Ir many" ratio "<=3x" "rows out few/many" "B/u64" "B/str"
fmt "$FMT"
echo
say "ratio: many keys over few (time, then instructions); <=3x judges the instruction ratio (the"
say "time's when callgrind did not run). B/u64, B/str: peak RSS with $MEM keys minus with 1, per key."
for op in $OPS; do
    f=$(get_var "FAIL_$op"); [ -n "$f" ] && say "keys: $op failed: $f"
done
{
    say "## $HEAD"
    say
    say "Machine: $MACHINE. Run: $WHEN, \`sh bench/keys/run_keys.sh\` (RECORDS=$RECORDS FEW=$FEW MANY=$MANY ROUNDS=$ROUNDS MEM=$MEM). $LOAD."
    say
    say "| operator | ms, $FEW keys | ms, $MANY keys | time ratio | instructions, $FEW keys | instructions, $MANY keys | instruction ratio | within 3x | output rows | bytes per u64 key | bytes per str key |"
    say "|---|--:|--:|--:|--:|--:|--:|:-:|--:|--:|--:|"
    fmt '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n'
} >"$OUT/keys.md"
{
    say "operator,ms_few,ms_many,instructions_few,instructions_many,rows_few,rows_many,bytes_per_u64_key,bytes_per_str_key,records,few,many,rounds"
    awk -F '\t' -v OFS=, -v r="$RECORDS" -v f="$FEW" -v m="$MANY" -v rounds="$ROUNDS" '{
        print $1, ($3 == "-" ? "" : $3 * 1000), ($4 == "-" ? "" : $4 * 1000), $5, $6, $7, $8, $9, $10, r, f, m, rounds }' "$W/rows.tsv" |
        sed 's/,-,/,,/g; s/,-,/,,/g'
} >"$OUT/keys.csv"
say "wrote $OUT/keys.md and $OUT/keys.csv"
exit 0
