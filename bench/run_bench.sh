#!/bin/sh
# run_bench.sh - one benchmark of `make bench`: rgp (a `rgp build` binary,
# `rgp run` with libtcc, `rgp run -O` from its cache) against a hand-written C
# program and the tools users would pick instead, all on the same generated
# data. Checks that every contender writes byte-identical output, times them
# interleaved, prints a table. Prints numbers; always exits 0, saying why a
# contender is missing.
#
# Usage: sh bench/run_bench.sh NAME [SIZE=small|large] [ROWS=N] [ROUNDS=N]
#   NAME         sensors, logs or windows: bench/NAME/ holds spec.sh (sizes,
#                files, the peers' commands), gen.c (the data), NAME.rgp and
#                handwritten.c
#   SIZE=small   the spec's small record count (default), SIZE=large its large one
#   ROWS=N       any other number of input records
#   ROUNDS=N     timed rounds of every contender, interleaved (default 3)
#   CC=cc        compiler for the hand-written C program and the data generator
#   RGP=P        the rgp to measure (default build/rgp)
# Writes build/bench/NAME.md, NAME.csv and (with gnuplot) NAME.png; data,
# outputs and logs go to build/bench/NAME/.
# shellcheck disable=SC2086,SC2059 # $CC_FLAGS is a word list; $FMT a printf format
# shellcheck disable=SC2016,SC1090,SC1091 # commands are eval'd at run time; sourced files vary
set -u

cd "$(dirname "$0")/.." || exit 0
. bench/lib.sh
BENCH=${1:-}
if [ -z "$BENCH" ] || [ ! -f "bench/$BENCH/spec.sh" ]; then
    known=$(for f in bench/*/spec.sh; do f=${f%/spec.sh}; printf '%s ' "${f#bench/}"; done)
    say "run_bench.sh: unknown benchmark '$BENCH' (expected one of: $known)"
    exit 0
fi
shift
bench_options "$@" || exit 0
. "bench/$BENCH/spec.sh"
case $SIZE in
small) ROWS=${ROWS:-$SMALL} ;;
large) ROWS=${ROWS:-$LARGE} ;;
esac
ROUNDS=${ROUNDS:-3}
CC=${CC:-cc}
CC_FLAGS="-O2 -std=c11 -D_GNU_SOURCE"
RGP=${RGP:-build/rgp}
OUT=build/bench
W=$OUT/$BENCH
DATA=$W/${DATA_FILE%.*}-$ROWS.${DATA_FILE##*.}
# Every contender parses and prints numbers the same way in every locale.
LC_ALL=C
export LC_ALL
# rgp run -O caches its shared objects here, not in the user's cache.
XDG_CACHE_HOME=$(pwd)/$OUT/cache
export XDG_CACHE_HOME

mkdir -p "$W" || exit 0

# ---- data: deterministic (fixed seed), made once per record count -------------
if [ ! -s "$DATA" ] || [ -n "$(find "bench/$BENCH/gen.c" -newer "$DATA")" ]; then
    if ! $CC $CC_FLAGS -o "$W/gen" "bench/$BENCH/gen.c" 2>"$W/gen.err"; then
        say "$BENCH: cannot build the data generator with $CC; see $W/gen.err"
        exit 0
    fi
    say "$BENCH: writing $DATA ($ROWS $RECORDS)"
    if ! "$W/gen" "$ROWS" >"$DATA.tmp" || ! mv "$DATA.tmp" "$DATA"; then
        say "$BENCH: the data generator failed"; rm -f "$DATA.tmp"; exit 0
    fi
fi

# ---- contenders: rgp's three paths and the hand-written C, then the spec's ----
contender rgp_build "rgp build" "\"\$W/$BENCH-rgp\" $RGP_ARGS"
# rgp run as on its first run of a program: libtcc, with no cached object to find
# and no background cc to make one (later runs load what rgp run -O loads)
contender rgp_run "rgp run" "env RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=\"\$W/tcc-cache\" \"\$RGP\" run bench/$BENCH/$BENCH.rgp $RGP_ARGS"
contender rgp_run_O "rgp run -O" "\"\$RGP\" run -O bench/$BENCH/$BENCH.rgp $RGP_ARGS"
contender fast "hand-written C (practical limit)" "\"\$W/fast\" \"\$DATA\" \"\$OUTF\"${SECOND_OUTPUT:+ \"\$OUTF2\"}"
contender handwritten "hand-written C (simple)" "\"\$W/handwritten\" \"\$DATA\" \"\$OUTF\"${SECOND_OUTPUT:+ \"\$OUTF2\"}"
peers

# Building is not timed: the compile-latency benchmark (run_latency.sh) times it.
if [ -x "$RGP" ]; then
    if ! "$RGP" build "bench/$BENCH/$BENCH.rgp" -o "$W/$BENCH-rgp" >"$W/rgp_build.build.err" 2>&1; then
        set_var STATUS_rgp_build "failed: rgp build (see $W/rgp_build.build.err)"
    fi
else
    for id in rgp_build rgp_run rgp_run_O; do set_var "STATUS_$id" "missing: $RGP (run make)"; done
fi
for c in fast handwritten; do
    if ! $CC $CC_FLAGS -o "$W/$c" "bench/$BENCH/$c.c" 2>"$W/$c.build.err"; then
        set_var "STATUS_$c" "failed: $CC (see $W/$c.build.err)"
    fi
done
[ -n "$TIME" ] || say "$BENCH: /usr/bin/time is missing (apt-get install time): no peak RSS"

# rgp run -O's first run builds its cached object (cc -O2, a second or
# more). It runs here, untimed, so that the check round, which keeps the run
# of a contender slower than SLOW as its one timed run, loads the object as
# the timed rounds do.
if ok rgp_run_O; then run_one rgp_run_O; fi

# The reference output is rgp's: the binary's, else the JIT's.
contest "rgp_build rgp_run" || exit 0

# ---- results -----------------------------------------------------------------
MB=$(du -m "$DATA" | cut -f 1)
NOUT=$(($(wc -l <"$W/reference.out") - OUTPUT_HEADER))
results "$ROWS" rgp_build
machine_info
versions() {
    printf '%s; ' "$($CC --version 2>/dev/null | head -n 1)"
    have mawk && printf '%s; ' "$(mawk -W version 2>&1 | head -n 1 | cut -d' ' -f1-3)"
    have gawk && printf '%s; ' "$(gawk --version | head -n 1 | cut -d, -f1)"
    have "${PYTHON:-python3}" && printf '%s; ' "$("${PYTHON:-python3}" --version 2>&1)"
    have jq && printf '%s; ' "$(jq --version)"
    have mlr && printf '%s; ' "$(mlr --version)"
    have node && printf 'node %s; %s' "$(node --version)" "$(duckdb_version)"
}
VERSIONS=$(versions | sed 's/; $//')

HEAD="$TITLE: $ROWS $RECORDS ($MB MB) -> $NOUT $OUTPUT, median of $ROUNDS interleaved rounds"
echo
say "$HEAD"
say "$MACHINE; $WHEN; $LOAD"
echo
FMT='%-32s %9s %10s %9s %10s %14s  %s\n'
printf "$FMT" contender "median s" "M rec/s" "RSS MB" "vs rgp bld" "range s" ""
fmt_rows "$FMT"
echo
say "vs rgp bld: median time / the rgp build binary's median (lower is faster)."

{
    say "## $HEAD"
    say
    say "Machine: $MACHINE. Run: $WHEN, \`sh bench/run_bench.sh $BENCH SIZE=$SIZE\` (ROWS=$ROWS ROUNDS=$ROUNDS)."
    say
    say "| contender | median s | M $RECORDS/s | peak RSS MB | time vs rgp build | range s | note |"
    say "|---|--:|--:|--:|--:|--:|---|"
    fmt_rows '| %s | %s | %s | %s | %s | %s | %s |\n'
    say
    say "Versions: $VERSIONS. $LOAD."
} >"$OUT/$BENCH.md"
{
    say "benchmark,contender,status,median_s,min_s,max_s,records_per_s,peak_rss_kb,time_vs_rgp_build,note,records,rounds"
    awk -F '\t' -v b="$BENCH" -v rows="$ROWS" -v rounds="$ROUNDS" '{
        gsub(/"/, "\"\"", $2)
        printf "%s,%s,\"%s\",%s,%s,%s,%s,%s,%s,\"%s\",%s,%s\n", b, $1, $2, $3, $4, $5, $6, $7, $8, $9, rows, rounds
    }' "$W/sorted.tsv"
} >"$OUT/$BENCH.csv"
say "wrote $OUT/$BENCH.md and $OUT/$BENCH.csv"

chart_rows >"$W/plot.tsv"
if ! have gnuplot; then
    say "no chart: gnuplot is missing (apt-get install gnuplot-nox)"
elif bar_chart "$OUT/$BENCH.png" "$TITLE, $ROWS $RECORDS: throughput, median of $ROUNDS rounds\n$MACHINE" \
    "million $RECORDS per second (higher is better)" "$W/plot.tsv"; then
    say "wrote $OUT/$BENCH.png"
else
    say "no chart: gnuplot failed; see $W/gnuplot.err"
fi
exit 0
