#!/bin/sh
# run_bench.sh - `make bench`: the sensor-alerts benchmark (issue 5, benchmark 1)
# with rgp (libtcc JIT and a cc -O2 binary) against a hand-written C program,
# mawk, gawk, Python 3 and Miller, all on the same generated data. Checks that
# every contender writes byte-identical output, times them interleaved, prints
# a table. Prints numbers; always exits 0, saying why a contender is missing.
#
# Usage: sh bench/run_bench.sh [SIZE=small|large]   (or SIZE in the environment)
#   SIZE=small   2,000,000 rows (default; about a minute on 2 CPUs)
#   SIZE=large   10,000,000 rows
#   ROWS=N       any other number of rows
#   ROUNDS=N     timed rounds of every contender, interleaved (default 3)
#   CC=cc        compiler for the hand-written C program and the data generator
#   RGP=P        the rgp to measure (default build/rgp)
#   PYTHON=P     the Python 3 to measure (default /usr/bin/python3, else python3)
# Writes build/bench/sensors.md, sensors.csv and (with gnuplot) sensors.png;
# data, outputs and logs go to build/bench/sensors/.
# shellcheck disable=SC2086,SC2046 # $CC_FLAGS and the lists of times are word lists
# shellcheck disable=SC2016,SC2034 # CMD_* are eval'd by run_one, at run time
# shellcheck disable=SC2059,SC1091 # $FMT is a printf format; os-release is optional
set -u

cd "$(dirname "$0")/.." || exit 0
for arg in "$@"; do
    case $arg in
    SIZE=*) SIZE=${arg#SIZE=} ;;
    ROWS=*) ROWS=${arg#ROWS=} ;;
    ROUNDS=*) ROUNDS=${arg#ROUNDS=} ;;
    small|large) SIZE=$arg ;;
    *) echo "run_bench.sh: unknown argument '$arg' (expected SIZE=small or SIZE=large)"; exit 0 ;;
    esac
done
SIZE=${SIZE:-small}
case $SIZE in
small) ROWS=${ROWS:-2000000} ;;
large) ROWS=${ROWS:-10000000} ;;
*) echo "run_bench.sh: unknown SIZE '$SIZE' (expected small or large)"; exit 0 ;;
esac
ROUNDS=${ROUNDS:-3}
CC=${CC:-cc}
CC_FLAGS="-O2 -std=c11 -D_GNU_SOURCE"
RGP=${RGP:-build/rgp}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
OUT=build/bench
W=$OUT/sensors
DATA=$W/readings-$ROWS.csv
# Every contender parses and prints numbers the same way in every locale.
LC_ALL=C
export LC_ALL

mkdir -p "$W" || exit 0
say() { printf '%s\n' "$*"; }

# busy_cpus: how many CPUs were busy over the next second (from /proc/stat),
# to say when other processes make the timings noisy.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
busy_cpus() {
    [ -r /proc/stat ] || { echo '?'; return; }
    a=$(cpu_ticks); sleep 1; b=$(cpu_ticks)
    echo "$a $b" | awk -v n="$(nproc)" '{ t = $4 - $2; printf "%.1f", (t > 0 ? n * ($3 - $1) / t : 0) }'
}
warn_busy() {
    awk -v b="$1" 'BEGIN { exit !(b + 0 >= 0.3) }' &&
        say "sensors: warning: other processes keep $1 of $(nproc) CPUs busy $2; the timings will be noisy"
}

# ---- data: deterministic (fixed seed), made once per row count ------------
if [ ! -s "$DATA" ] || [ -n "$(find bench/sensors/gen.c -newer "$DATA")" ]; then
    if ! $CC $CC_FLAGS -o "$W/gen" bench/sensors/gen.c 2>"$W/gen.err"; then
        say "sensors: cannot build the data generator with $CC; see $W/gen.err"
        exit 0
    fi
    say "sensors: writing $DATA ($ROWS rows)"
    if ! "$W/gen" "$ROWS" >"$DATA.tmp" || ! mv "$DATA.tmp" "$DATA"; then
        say "sensors: the data generator failed"; rm -f "$DATA.tmp"; exit 0
    fi
fi

# ---- contenders ------------------------------------------------------------
# Each has an id, a label, a command (eval'd; $DATA and $OUTF set per run) and
# a status: ok, or why it is not timed (missing, failed, differs).
IDS="rgp_build rgp_run handwritten mawk gawk python mlr"
set_var() { eval "$1=\$2"; }
get_var() { eval "printf '%s' \"\${$1:-}\""; }

set_var LABEL_rgp_build "rgp build"
set_var LABEL_rgp_run "rgp run"
set_var LABEL_handwritten "hand-written C"
set_var LABEL_mawk "mawk"
set_var LABEL_gawk "gawk"
set_var LABEL_python "python3"
set_var LABEL_mlr "mlr"

CMD_rgp_build='"$W/sensors-rgp" readings="$DATA" alerts="$OUTF"'
CMD_rgp_run='"$RGP" run bench/sensors/sensors.rgp readings="$DATA" alerts="$OUTF"'
CMD_handwritten='"$W/handwritten" "$DATA" "$OUTF"'
CMD_mawk='mawk -f bench/sensors/sensors.awk "$DATA" >"$OUTF"'
CMD_gawk='gawk -f bench/sensors/sensors.awk "$DATA" >"$OUTF"'
CMD_python='"$PYTHON" bench/sensors/sensors.py "$DATA" "$OUTF"'
# Miller keeps a field's input text until it is assigned, so value + 0.0 makes
# it print 101.9 for 101.90 (its floats print as the shortest round trip).
CMD_mlr='mlr --icsv --ocsv filter '\''$value >= -40.0 && $value <= 125.0'\'' \
    then filter '\''$value > 80.0'\'' \
    then put '\''$over = $value - 80.0; $value = $value + 0.0'\'' \
    then cut -o -f ts,sensor_id,site,value,over "$DATA" >"$OUTF"'

for id in $IDS; do set_var "STATUS_$id" ok; done
have() { command -v "$1" >/dev/null 2>&1; }
apt_hint() { printf 'missing: %s (apt-get install %s)' "$1" "$2"; }

if [ -x "$RGP" ]; then
    if ! "$RGP" build bench/sensors/sensors.rgp -o "$W/sensors-rgp" >"$W/rgp_build.build.err" 2>&1; then
        set_var STATUS_rgp_build "failed: rgp build (see $W/rgp_build.build.err)"
    fi
else
    set_var STATUS_rgp_run "missing: $RGP (run make)"
    set_var STATUS_rgp_build "missing: $RGP (run make)"
fi
if ! $CC $CC_FLAGS -o "$W/handwritten" bench/sensors/handwritten.c 2>"$W/handwritten.build.err"; then
    set_var STATUS_handwritten "failed: $CC (see $W/handwritten.build.err)"
fi
have mawk || set_var STATUS_mawk "$(apt_hint mawk mawk)"
have gawk || set_var STATUS_gawk "$(apt_hint gawk gawk)"
have mlr || set_var STATUS_mlr "$(apt_hint mlr miller)"
have "$PYTHON" || set_var STATUS_python "$(apt_hint "$PYTHON" python3)"
TIME=/usr/bin/time
[ -x "$TIME" ] || { TIME=; say "sensors: /usr/bin/time is missing (apt-get install time): no peak RSS"; }

# run_one ID: runs a contender once on $DATA into $W/ID.csv; sets NS (wall
# nanoseconds), KB (peak RSS) and RC (exit status).
run_one() {
    OUTF=$W/$1.csv
    rm -f "$OUTF"
    cmd=$(get_var "CMD_$1")
    t0=$(date +%s%N)
    if [ -n "$TIME" ]; then
        eval "\"\$TIME\" -f %M -o \"\$W/\$1.rss\" $cmd" 2>"$W/$1.err"
    else
        eval "$cmd" 2>"$W/$1.err"
    fi
    RC=$?
    t1=$(date +%s%N)
    NS=$((t1 - t0))
    KB=$( [ -n "$TIME" ] && tail -n 1 "$W/$1.rss" 2>/dev/null)
    case $KB in ''|*[!0-9]*) KB=- ;; esac
}

# check ID: the contender's output against the reference (rgp's first
# output); demotes it to failed or differs. Returns 0 while it is still ok.
check() {
    if [ "$RC" != 0 ]; then
        set_var "STATUS_$1" "failed: exit $RC: $(head -n 1 "$W/$1.err")"
        return 1
    fi
    if ! cmp -s "$W/reference.csv" "$W/$1.csv"; then
        at=$(cmp "$W/reference.csv" "$W/$1.csv" 2>&1 | sed -n 's/.*differ: .*line \([0-9]*\).*/ at line \1/p; s/.*EOF on [^ ]*\/\([^ /]*\).*/: \1 ends early/p')
        set_var "STATUS_$1" "differs from rgp's output$at (see $W/$1.csv)"
        return 1
    fi
    return 0
}

ok() { [ "$(get_var "STATUS_$1")" = ok ]; }

# The reference output is rgp's: the binary's, else the JIT's.
REF=
for id in rgp_build rgp_run; do
    if ok $id; then
        run_one $id
        if [ "$RC" = 0 ] && cp "$W/$id.csv" "$W/reference.csv"; then REF=$id; break; fi
        check $id
    fi
done
if [ -z "$REF" ]; then
    say "sensors: no rgp output to compare with:"
    for id in rgp_build rgp_run; do say "  $(get_var "LABEL_$id"): $(get_var "STATUS_$id")"; done
    exit 0
fi

MB=$(du -m "$DATA" | cut -f 1)
ALERTS=$(($(wc -l <"$W/reference.csv") - 1))
say "sensors: $ROWS rows ($MB MB) -> $ALERTS alerts; rounds: $ROUNDS; contenders: $(for id in $IDS; do ok $id && printf '%s, ' "$(get_var "LABEL_$id")"; done | sed 's/, $//')"

BUSY_BEFORE=$(busy_cpus)
warn_busy "$BUSY_BEFORE" "before the run"

# Round 0 warms the page cache and checks every output; it is not timed.
printf 'sensors: checking outputs:'
for id in $IDS; do
    ok $id || continue
    [ "$id" = "$REF" ] || run_one $id
    if check $id; then printf ' %s ok;' "$(get_var "LABEL_$id")"; else printf ' %s NOT OK;' "$(get_var "LABEL_$id")"; fi
done
echo

r=1
while [ "$r" -le "$ROUNDS" ]; do
    printf 'sensors: round %d:' "$r"
    for id in $IDS; do
        ok $id || continue
        run_one $id
        check $id || { printf ' %s %s;' "$(get_var "LABEL_$id")" "$(get_var "STATUS_$id" | cut -d: -f1)"; continue; }
        set_var "NS_$id" "$(get_var "NS_$id") $NS"
        set_var "KB_$id" "$(get_var "KB_$id") $KB"
        awk -v l="$(get_var "LABEL_$id")" -v ns="$NS" 'BEGIN { printf " %s %.3f s;", l, ns / 1e9 }'
    done
    echo
    r=$((r + 1))
done
BUSY_AFTER=$(busy_cpus)
warn_busy "$BUSY_AFTER" "after the run"
LOAD="CPUs busy with other work: $BUSY_BEFORE before the run, $BUSY_AFTER after"

# ---- results -----------------------------------------------------------------
# One tab-separated line per contender: label, status, median s, min s, max s,
# records/s, peak RSS KB (largest over the rounds); then sorted, fastest first.
median_of() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) exit; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.6f\t%.6f\t%.6f", m / 1e9, v[1] / 1e9, v[NR] / 1e9 }'; }
RES=$W/results.tsv
: >"$RES"
for id in $IDS; do
    label=$(get_var "LABEL_$id")
    status=$(get_var "STATUS_$id")
    if [ "$status" = ok ]; then
        set -- $(median_of "$(get_var "NS_$id")")
        kb=$(printf '%s\n' $(get_var "KB_$id") | sort -n | tail -n 1)
        printf '%s\tok\t%s\t%s\t%s\t%.0f\t%s\n' "$label" "$1" "$2" "$3" \
            "$(awk -v n="$ROWS" -v s="$1" 'BEGIN { printf "%.0f", n / s }')" "$kb" >>"$RES"
    else
        printf '%s\t%s\t\t\t\t\t\n' "$label" "$status" >>"$RES"
    fi
done
BASE=$(awk -F '\t' '$1 == "rgp build" && $2 == "ok" { print $3 }' "$RES")
SORTED=$W/sorted.tsv
{ awk -F '\t' '$2 == "ok"' "$RES" | sort -t "$(printf '\t')" -k3,3g
  awk -F '\t' '$2 != "ok"' "$RES"; } >"$SORTED"

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
OS=$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-}")
WHEN=$(date -u '+%Y-%m-%d %H:%M UTC')
MACHINE="${CPU:-unknown CPU}, $(nproc) CPUs, ${OS:-unknown OS}"
versions() {
    printf '%s; ' "$($CC --version 2>/dev/null | head -n 1)"
    have mawk && printf '%s; ' "$(mawk -W version 2>&1 | head -n 1 | cut -d' ' -f1-3)"
    have gawk && printf '%s; ' "$(gawk --version | head -n 1 | cut -d, -f1)"
    have "$PYTHON" && printf '%s; ' "$("$PYTHON" --version 2>&1)"
    have mlr && printf '%s' "$(mlr --version)"
}
VERSIONS=$(versions | sed 's/; $//')

# fmt_rows FORMAT: the sorted results as rows of FORMAT's columns, with
# - for what an untimed contender lacks; the note is the status when not ok.
fmt_rows() {
    awk -F '\t' -v base="$BASE" -v fmt="$1" '{
        if ($2 == "ok") {
            ratio = base != "" ? sprintf("%.2fx", $3 / base) : "-"
            rss = $7 == "-" ? "-" : sprintf("%.1f", $7 / 1024)
            printf fmt, $1, sprintf("%.3f", $3), sprintf("%.2f", $6 / 1e6), rss, ratio, sprintf("%.3f-%.3f", $4, $5), ""
        } else
            printf fmt, $1, "-", "-", "-", "-", "-", $2
    }' "$SORTED"
}

TITLE="Sensor alerts: $ROWS rows ($MB MB CSV) -> $ALERTS alerts, median of $ROUNDS interleaved rounds"
echo
say "$TITLE"
say "$MACHINE; $WHEN; $LOAD"
echo
FMT='%-15s %9s %10s %9s %10s %14s  %s\n'
printf "$FMT" contender "median s" "M rec/s" "RSS MB" "vs rgp bld" "range s" ""
fmt_rows "$FMT"
echo
say "vs rgp bld: median time / the rgp build binary's median (lower is faster)."

{
    say "## $TITLE"
    say
    say "Machine: $MACHINE. Run: $WHEN, \`make bench SIZE=$SIZE\` (ROWS=$ROWS ROUNDS=$ROUNDS)."
    say
    say "| contender | median s | M records/s | peak RSS MB | time vs rgp build | range s | note |"
    say "|---|--:|--:|--:|--:|--:|---|"
    fmt_rows '| %s | %s | %s | %s | %s | %s | %s |\n'
    say
    say "Versions: $VERSIONS. $LOAD."
} >"$OUT/sensors.md"
{
    say "contender,status,median_s,min_s,max_s,records_per_s,peak_rss_kb,time_vs_rgp_build,rows,rounds"
    awk -F '\t' -v base="$BASE" -v rows="$ROWS" -v rounds="$ROUNDS" '{
        gsub(/"/, "\"\"", $2)
        ratio = ($2 == "ok" && base != "") ? sprintf("%.4f", $3 / base) : ""
        printf "%s,\"%s\",%s,%s,%s,%s,%s,%s,%s,%s\n", $1, $2, $3, $4, $5, $6, $7, ratio, rows, rounds
    }' "$SORTED"
} >"$OUT/sensors.csv"
say "wrote $OUT/sensors.md and $OUT/sensors.csv"

# ---- chart -------------------------------------------------------------------
if ! have gnuplot; then
    say "no chart: gnuplot is missing (apt-get install gnuplot-nox)"
    exit 0
fi
PLOT=$W/plot.tsv
# Fastest at the top: gnuplot counts rows from the bottom. rgp's bars in blue.
awk -F '\t' '$2 == "ok" { printf "%s\t%.4f\t%s\n", $1, $6 / 1e6, ($1 ~ /^rgp/ ? 2055103 : 10132122) }' "$SORTED" |
    awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' >"$PLOT"
N=$(wc -l <"$PLOT")
MAX=$(awk -F '\t' 'NR == 1 || $2 > m { m = $2 } END { print m }' "$PLOT")
TERM_LINE="pngcairo noenhanced size 900,$((130 + 42 * N)) font 'DejaVu Sans,11'"
gnuplot -e "set terminal pngcairo" >/dev/null 2>&1 </dev/null || TERM_LINE="png noenhanced size 900,$((130 + 42 * N))"
if gnuplot >"$W/gnuplot.err" 2>&1 <<EOF
set terminal $TERM_LINE
set output '$OUT/sensors.png'
set datafile separator "\t"
set title "Sensor alerts, $ROWS CSV rows: throughput (higher is better)\n$MACHINE; median of $ROUNDS rounds"
set xlabel "million records per second"
set xrange [0:$MAX * 1.22]
set yrange [-0.6:$N - 0.4]
set grid xtics
set xtics nomirror
set ytics nomirror
set style fill solid 0.9 noborder
unset key
plot '$PLOT' using (0):0:(0):2:(\$0 - 0.32):(\$0 + 0.32):3:ytic(1) with boxxyerror lc rgb variable, \
     '' using 2:0:(sprintf(" %.2f", \$2)) with labels left
EOF
then
    say "wrote $OUT/sensors.png"
else
    say "no chart: gnuplot failed; see $W/gnuplot.err"
fi
exit 0
