#!/bin/sh
# run_latency.sh - compile latency (issue 5, benchmark 5): for every example
# in examples/*.rgp, how long a user waits for rgp to start and to build.
#   rgp run      from the start of `rgp run` until it has exited after a
#                one-record input (every source's first record) went through
#                every stage to every sink: an upper bound on the time from
#                start to the first record flowing (libtcc compiles it all)
#   rgp run -O   the same, loading the object `rgp run -O` cached in the warm-up
#   rgp emit     rgp's own share of both: parse, check, plan and print the C
#   rgp build    the wall time of `rgp build` (emit, then cc -O2 and link)
#   cc -O2       cc alone on the same C (`rgp emit --standalone`), with the flags
#                rgp build uses
# Every phase of every example runs once per round, interleaved; the tables
# give medians. rgp build and cc -O2 take a second each, so at SIZE=small
# they run in the first round only. Prints numbers; always exits 0.
#
# Usage: sh bench/run_latency.sh [SIZE=small|large] [ROUNDS=N]
#   ROUNDS=N        rounds (default 5 for SIZE=small, 7 for SIZE=large)
#   BUILD_ROUNDS=N  of which rgp build and cc -O2 run in the first N (default
#                   1 for SIZE=small, all for SIZE=large)
#   CC=cc      the C compiler (as for rgp build)
#   RGP=P      the rgp to measure (default build/rgp)
# Writes build/bench/latency.md and latency.csv; inputs and outputs go to
# build/bench/latency/.
# shellcheck disable=SC2086,SC2059 # $CC and commands are word lists; $FMT a printf format
# shellcheck disable=SC1091 # lib.sh is sourced from the tree
set -u

cd "$(dirname "$0")/.." || exit 0
. bench/lib.sh
# shellcheck disable=SC2034 # lib.sh's messages name the script by BENCH
BENCH=latency
bench_options "$@" || exit 0
case $SIZE in
small) ROUNDS=${ROUNDS:-5} BUILD_ROUNDS=${BUILD_ROUNDS:-1} ;;
large) ROUNDS=${ROUNDS:-7} BUILD_ROUNDS=${BUILD_ROUNDS:-$ROUNDS} ;;
esac
CC=${CC:-cc}
RGP=${RGP:-build/rgp}
OUT=build/bench
W=$OUT/latency
TARGET_MS=50
LC_ALL=C
export LC_ALL
XDG_CACHE_HOME=$(pwd)/$OUT/cache
export XDG_CACHE_HOME
# The flags of compiler/aot.c's program build: cc -O2 measured alone.
CC_FLAGS="-std=c11 -O2 -ffp-contract=off -pthread"

mkdir -p "$W/data" "$W/out" "$W/bin" || exit 0
if [ ! -x "$RGP" ]; then
    say "latency: $RGP is missing (run make); nothing measured"
    exit 0
fi
sh examples/make_data.sh "$W/data" 20 2>/dev/null || { say "latency: examples/make_data.sh failed"; exit 0; }

# endpoints EXAMPLE: its sources and sinks, from `rgp run EXAMPLE --help`, as
# lines "source|sink NAME PATH FORMAT".
endpoints() {
    "$RGP" run "$1" --help 2>/dev/null | awk '
        /^Sources:/ { kind = "source"; next }
        /^Sinks:/ { kind = "sink"; next }
        /^[^ ]/ || NF == 0 { kind = "" }
        kind != "" && /^  [^ ]/ { name = $1; path = $2; $1 = $2 = ""; sub(/^ +/, ""); print kind, name, path, $0 }'
}

# For each example: ARGS_x, the NAME=PATH arguments that give every source a
# one-record input (its header too, if it has one) and send every sink to a
# file; then its C for cc alone.
EXAMPLES=""
for rgp in examples/*.rgp; do
    x=$(basename "$rgp" .rgp)
    args=""
    while read -r kind name path format; do
        if [ "$kind" = source ]; then
            keep=1
            case $format in *"header: true"*) keep=2 ;; esac
            head -n "$keep" "$W/data/$(basename "$path")" >"$W/out/$x.$name.in" 2>/dev/null
            args="$args $name=$W/out/$x.$name.in"
        else
            args="$args $name=$W/out/$x.$name.out"
        fi
    done <<EOF
$(endpoints "$rgp")
EOF
    if [ -z "$args" ]; then say "latency: $rgp: cannot list its sources and sinks; skipped"; continue; fi
    if ! "$RGP" emit --standalone "$rgp" >"$W/$x.c" 2>"$W/$x.emit.err"; then
        say "latency: $rgp: rgp emit failed (see $W/$x.emit.err); skipped"; continue
    fi
    EXAMPLES="$EXAMPLES $x"
    set_var "ARGS_$x" "$args"
    set_var "RGP_$x" "$rgp"
done
[ -n "$EXAMPLES" ] || { say "latency: no example to measure"; exit 0; }

PHASES="run runO emit build cc"
# phase_cmd PHASE EXAMPLE: the command line of one phase of one example.
phase_cmd() {
    rgp=$(get_var "RGP_$2") args=$(get_var "ARGS_$2")
    case $1 in
    # a first run: libtcc, no cached object, no background cc (later runs are runO's)
    run) printf 'env RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=%s/tcc-cache %s run %s %s' "$W" "$RGP" "$rgp" "$args" ;;
    runO) printf '%s run -O %s %s' "$RGP" "$rgp" "$args" ;;
    emit) printf '%s emit %s' "$RGP" "$rgp" ;;
    build) printf '%s build %s -o %s' "$RGP" "$rgp" "$W/bin/$2" ;;
    cc) printf '%s %s -x c %s -o %s -lm' "$CC" "$CC_FLAGS" "$W/$2.c" "$W/bin/$2.cc" ;;
    spawn) printf '/bin/true' ;;
    esac
}
# time_phase PHASE EXAMPLE: runs it once; sets NS, and FAILED_PHASE_EXAMPLE when it fails.
time_phase() {
    cmd=$(phase_cmd "$1" "$2")
    t0=$(date +%s%N)
    $cmd >"$W/out/$2.$1.stdout" 2>"$W/out/$2.$1.err" </dev/null
    rc=$?
    t1=$(date +%s%N)
    NS=$((t1 - t0))
    [ $rc = 0 ] || set_var "FAILED_$1_$2" "exit $rc: $(head -n 1 "$W/out/$2.$1.err")"
}

say "latency: examples:$EXAMPLES; rounds: $ROUNDS (rgp build and cc -O2: $BUILD_ROUNDS)"
busy_before=$(busy_cpus)
warn_busy "$busy_before" "before the run"
# Warm-up, not timed: the page cache, and rgp run -O's cached object.
for x in $EXAMPLES; do time_phase run "$x"; time_phase runO "$x"; done
r=1
while [ $r -le "$ROUNDS" ]; do
    printf 'latency: round %d:' $r
    for x in $EXAMPLES; do
        for p in $PHASES; do
            case $p in build|cc) [ $r -le "$BUILD_ROUNDS" ] || continue ;; esac
            time_phase "$p" "$x"
            set_var "NS_${p}_$x" "$(get_var "NS_${p}_$x") $NS"
        done
        printf ' %s' "$x"
    done
    echo
    # the floor under every figure: starting a process that does nothing
    time_phase spawn -
    SPAWN_NS="${SPAWN_NS:-} $NS"
    r=$((r + 1))
done
SPAWN_MS=$(median_of "$SPAWN_NS" | awk '{ printf "%.1f", $1 * 1000 }')
busy_after=$(busy_cpus)
warn_busy "$busy_after" "after the run"
LOAD="CPUs busy with other work: $busy_before before the run, $busy_after after"

# ---- results -------------------------------------------------------------------
# $W/results.tsv: example, then per phase its median in ms, or FAILED.
: >"$W/results.tsv"
for x in $EXAMPLES; do
    line=$x
    for p in $PHASES; do
        if [ -n "$(get_var "FAILED_${p}_$x")" ]; then
            line="$line	FAILED"
            say "latency: $x: $p failed: $(get_var "FAILED_${p}_$x")"
        else
            line="$line	$(median_of "$(get_var "NS_${p}_$x")" | awk '{ printf "%.1f", $1 * 1000 }')"
        fi
    done
    printf '%s\n' "$line" >>"$W/results.tsv"
done
machine_info
HEAD="Compile latency: examples/*.rgp, median of $ROUNDS interleaved rounds ($BUILD_ROUNDS for rgp build and cc -O2)"
# rows FORMAT: the results as FORMAT's seven columns, times in ms or s.
rows() {
    awk -F '\t' -v fmt="$1" -v target="$TARGET_MS" '
        function ms(v) { return v == "FAILED" ? v : sprintf("%.0f", v) }
        function s(v) { return v == "FAILED" ? v : sprintf("%.2f", v / 1000) }
        { printf fmt, $1 ".rgp", ms($2), ms($3), ms($4), s($5), s($6),
              $2 == "FAILED" ? "" : ($2 + 0 < target ? "met" : "MISSED") }' "$W/results.tsv"
}
echo
say "$HEAD"
say "$MACHINE; $WHEN; $LOAD"
echo
FMT='%-14s %12s %14s %12s %13s %9s  %s\n'
printf "$FMT" example "rgp run ms" "rgp run -O ms" "rgp emit ms" "rgp build s" "cc -O2 s" "run < ${TARGET_MS} ms"
rows "$FMT"
echo
say "rgp run: from start until it exits after every source's first record reached every sink."
say "/bin/true, a process that does nothing, takes $SPAWN_MS ms here, measured the same way."
{
    say "## $HEAD"
    say
    say "Machine: $MACHINE. Run: $WHEN, \`sh bench/run_latency.sh SIZE=$SIZE\` (ROUNDS=$ROUNDS BUILD_ROUNDS=$BUILD_ROUNDS)."
    say
    say "| example | rgp run, to first record through, ms | rgp run -O (cached), ms | rgp emit, ms | rgp build, s | cc -O2 alone, s | rgp run under $TARGET_MS ms |"
    say "|---|--:|--:|--:|--:|--:|---|"
    rows '| %s | %s | %s | %s | %s | %s | %s |\n'
    say
    say "rgp run: from process start until it has exited after every source's one-record input went through every stage to every sink (an upper bound on the time to the first record); on this machine, \`/bin/true\`, a process that does nothing, measured the same way takes $SPAWN_MS ms. rgp emit: parsing, checking, planning and printing the C, rgp's own share. cc -O2 alone: \`$CC $CC_FLAGS\` on \`rgp emit --standalone\`'s C, as rgp build runs it. $($CC --version 2>/dev/null | head -n 1). $LOAD."
} >"$OUT/latency.md"
{
    say "example,rgp_run_ms,rgp_run_O_ms,rgp_emit_ms,rgp_build_ms,cc_O2_ms,rounds,build_rounds"
    awk -F '\t' -v OFS=, -v rounds="$ROUNDS" -v br="$BUILD_ROUNDS" '{ print $1, $2, $3, $4, $5, $6, rounds, br }' "$W/results.tsv"
} >"$OUT/latency.csv"
say "wrote $OUT/latency.md and $OUT/latency.csv"
exit 0
