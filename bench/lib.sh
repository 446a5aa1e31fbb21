# lib.sh - what the benchmark drivers share (sourced by run_bench.sh,
# run_latency.sh and summary.sh): options, the machine and how busy it is,
# contenders timed in interleaved rounds with their outputs checked, medians,
# tables and bar charts. POSIX sh; every function returns 0 unless it says
# otherwise, because benchmarks never fail the build.
# shellcheck shell=sh disable=SC2034,SC1091 # variables are read by the sourcing script
# shellcheck disable=SC2086,SC2046 # lists of times are word lists

say() { printf '%s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
set_var() { eval "$1=\$2"; }
get_var() { eval "printf '%s' \"\${$1:-}\""; }
apt_hint() { printf 'missing: %s (apt-get install %s)' "$1" "$2"; }

# bench_options ARG...: SIZE=small|large, ROWS=N and ROUNDS=N, given as
# arguments or in the environment. Returns 1 (after saying why) on a bad one.
bench_options() {
    for arg in "$@"; do
        case $arg in
        SIZE=*) SIZE=${arg#SIZE=} ;;
        ROWS=*) ROWS=${arg#ROWS=} ;;
        ROUNDS=*) ROUNDS=${arg#ROUNDS=} ;;
        small|large) SIZE=$arg ;;
        *) say "bench: unknown argument '$arg' (expected SIZE=small|large, ROWS=N or ROUNDS=N)"; return 1 ;;
        esac
    done
    SIZE=${SIZE:-small}
    case $SIZE in
    small|large) ;;
    *) say "bench: unknown SIZE '$SIZE' (expected small or large)"; return 1 ;;
    esac
    for n in "${ROWS:-1}" "${ROUNDS:-1}"; do
        case $n in ''|*[!0-9]*|0) say "bench: ROWS and ROUNDS must be positive integers, not '$n'"; return 1 ;; esac
    done
    return 0
}

# ---- the machine ---------------------------------------------------------------

# busy_cpus: how many CPUs other processes kept busy over the next half
# second (from /proc/stat), to say when the timings are noisy.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
busy_cpus() {
    [ -r /proc/stat ] || { echo '?'; return 0; }
    a=$(cpu_ticks); sleep 0.5; b=$(cpu_ticks)
    echo "$a $b" | awk -v n="$(nproc)" '{ t = $4 - $2; printf "%.1f", (t > 0 ? n * ($3 - $1) / t : 0) }'
}
# warn_busy BUSY WHEN: a warning when BUSY (from busy_cpus) is 0.3 CPUs or more.
warn_busy() {
    if awk -v b="$1" 'BEGIN { exit !(b + 0 >= 0.3) }'; then
        say "$BENCH: warning: other processes keep $1 of $(nproc) CPUs busy $2; the timings will be noisy"
    fi
    return 0
}

# machine_info: sets MACHINE (CPU, count, OS) and WHEN (now, UTC).
machine_info() {
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    os=$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-}")
    MACHINE="${cpu:-unknown CPU}, $(nproc) CPUs, ${os:-unknown OS}"
    WHEN=$(date -u '+%Y-%m-%d %H:%M UTC')
}

# median_of "NS NS ...": median, min and max of nanoseconds, in seconds, tab-separated.
median_of() {
    printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.6f\t%.6f\t%.6f", m / 1e9, v[1] / 1e9, v[NR] / 1e9 }'
}

# ---- contenders ------------------------------------------------------------------
# A contender has an id, a label, a command (eval'd with $DATA and $OUTF set,
# and $OUTF2 when the spec names a SECOND_OUTPUT: a job with two outputs
# writes both, and both are checked) and a status: ok, or why it is not
# timed (missing, failed, differs).

IDS=""
# contender ID LABEL COMMAND [TOOL PACKAGE]: registers a contender; when TOOL
# is not on the PATH it is reported as missing, with the package to install.
contender() {
    IDS="$IDS $1"
    set_var "LABEL_$1" "$2"
    set_var "CMD_$1" "$3"
    set_var "STATUS_$1" ok
    if [ $# -ge 5 ] && ! have "$4"; then set_var "STATUS_$1" "$(apt_hint "$4" "$5")"; fi
    return 0
}
# duckdb_contender ID LABEL COMMAND: a contender run by node with DuckDB's
# Node client, which `scripts/deps.sh bench` installs into build/duckdb.
DUCKDB_CLIENT=build/duckdb/node_modules/@duckdb/node-api
duckdb_contender() {
    contender "$1" "$2" "$3" node nodejs
    if ok "$1" && [ ! -f "$DUCKDB_CLIENT/package.json" ]; then
        set_var "STATUS_$1" "missing: DuckDB's Node client in build/duckdb (run scripts/deps.sh bench)"
    fi
    return 0
}
# part_of ID OUTPUT NOTE: the contender does only part of the job: only
# OUTPUT (a suffix, as outputs prints) is written and checked, and the
# table's note says NOTE.
part_of() { set_var "ONLY_$1" "$2"; set_var "PART_$1" "$3"; }
duckdb_version() {
    sed -n 's/.*"version": *"\([^"]*\)".*/DuckDB @duckdb\/node-api \1/p' "$DUCKDB_CLIENT/package.json" 2>/dev/null | head -n 1
}
ok() { [ "$(get_var "STATUS_$1")" = ok ]; }
label() { get_var "LABEL_$1"; }

# outputs [ID]: the suffixes of a contender's checked files in $W (all of
# them without ID, the reference's).
outputs() {
    only=$( [ -n "${1:-}" ] && get_var "ONLY_$1")
    if [ -n "$only" ]; then printf '%s' "$only"; else printf 'out %s' "${SECOND_OUTPUT:+$SECOND_OUTPUT.out}"; fi
}

TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

# run_one ID: runs a contender once on $DATA into $W/ID.out (and
# $W/ID.SECOND_OUTPUT.out); sets NS (wall nanoseconds, from outside the
# process: start-up included), KB (peak RSS) and RC (exit status).
run_one() {
    OUTF=$W/$1.out OUTF2=$W/$1.${SECOND_OUTPUT:-second}.out
    rm -f "$OUTF" "$OUTF2"
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

# check ID: the contender's outputs against the reference's; demotes it to
# failed or differs. Returns 0 while it is still ok.
check() {
    if [ "$RC" != 0 ]; then
        set_var "STATUS_$1" "failed: exit $RC: $(head -n 1 "$W/$1.err")"
        return 1
    fi
    for o in $(outputs "$1"); do
        cmp -s "$W/reference.$o" "$W/$1.$o" && continue
        at=$(cmp "$W/reference.$o" "$W/$1.$o" 2>&1 | sed -n 's/.*differ: .*line \([0-9]*\).*/ at line \1/p; s/.*EOF on [^ ]*\/\([^ /]*\).*/: \1 ends early/p')
        set_var "STATUS_$1" "differs from rgp's output$at (see $W/$1.$o)"
        return 1
    done
    return 0
}

# keep_reference ID: the contender's outputs become the reference's.
keep_reference() {
    for o in $(outputs); do cp "$W/$1.$o" "$W/reference.$o" || return 1; done
}

# contest REFS: the contenders' check round, then ROUNDS timed rounds,
# interleaved (one run of each per round: the machine is noisy). The
# reference output is that of the first of REFS (ids) that runs. The check
# round warms the page cache and is not timed, except for a contender slower
# than SLOW seconds there (SIZE=small only, SLOW defaults to 2): that run is
# its one timed run, so that Miller's seconds do not blow the time budget.
# Sets REF, LOAD, NS_id / KB_id (lists over the rounds) and NOTE_id.
# Returns 1 when no reference could be made.
contest() {
    REF=
    for id in $1; do
        ok "$id" || continue
        run_one "$id"
        if [ "$RC" = 0 ] && keep_reference "$id"; then REF=$id; break; fi
        check "$id"
    done
    if [ -z "$REF" ]; then
        say "$BENCH: no rgp output to compare with:"
        for id in $1; do say "  $(label "$id"): $(get_var "STATUS_$id")"; done
        return 1
    fi
    busy_before=$(busy_cpus)
    warn_busy "$busy_before" "before the run"

    # Round 0 warms the page cache and checks every output; it is not timed.
    printf '%s: checking outputs:' "$BENCH"
    for id in $IDS; do
        ok "$id" || continue
        [ "$id" = "$REF" ] || run_one "$id"
        if ! check "$id"; then printf ' %s NOT OK;' "$(label "$id")"; continue; fi
        printf ' %s ok;' "$(label "$id")"
        if [ "$SIZE" = small ] && [ "$NS" -gt $((${SLOW:-2} * 1000000000)) ]; then
            set_var "NS_$id" "$NS"
            set_var "KB_$id" "$KB"
            set_var "NOTE_$id" "timed once: slower than ${SLOW:-2} s"
        fi
    done
    echo
    r=1
    while [ "$r" -le "$ROUNDS" ]; do
        printf '%s: round %d:' "$BENCH" "$r"
        for id in $IDS; do
            if ! ok "$id" || [ -n "$(get_var "NOTE_$id")" ]; then continue; fi
            run_one "$id"
            check "$id" || { printf ' %s %s;' "$(label "$id")" "$(get_var "STATUS_$id" | cut -d: -f1)"; continue; }
            set_var "NS_$id" "$(get_var "NS_$id") $NS"
            set_var "KB_$id" "$(get_var "KB_$id") $KB"
            awk -v l="$(label "$id")" -v ns="$NS" 'BEGIN { printf " %s %.3f s;", l, ns / 1e9 }'
        done
        echo
        r=$((r + 1))
    done
    busy_after=$(busy_cpus)
    warn_busy "$busy_after" "after the run"
    LOAD="CPUs busy with other work: $busy_before before the run, $busy_after after"
    return 0
}

# results RECORDS BASE_ID: writes $W/sorted.tsv, one line per contender,
# fastest first, the untimed ones last: label, status, median s, min s,
# max s, records/s, peak RSS KB (the largest over the rounds), time / BASE's,
# note.
results() {
    : >"$W/results.tsv"
    for id in $IDS; do
        if ok "$id"; then
            set -- "$1" "$2" $(median_of "$(get_var "NS_$id")")
            kb=$(printf '%s\n' $(get_var "KB_$id") | sort -n | tail -n 1)
            note=$(get_var "PART_$id") timing=$(get_var "NOTE_$id")
            [ -n "$note" ] && [ -n "$timing" ] && note="$note; "
            note=$note$timing
            printf '%s\t%s\tok\t%s\t%s\t%s\t%.0f\t%s\t%s\n' "$id" "$(label "$id")" "$3" "$4" "$5" \
                "$(awk -v n="$1" -v s="$3" 'BEGIN { printf "%.0f", n / s }')" "$kb" "$note" >>"$W/results.tsv"
        else
            printf '%s\t%s\t%s\t\t\t\t\t\t\n' "$id" "$(label "$id")" "$(get_var "STATUS_$id")" >>"$W/results.tsv"
        fi
    done
    base=$(awk -F '\t' -v b="$2" '$1 == b && $3 == "ok" { print $4 }' "$W/results.tsv")
    { awk -F '\t' '$3 == "ok"' "$W/results.tsv" | sort -t "$(printf '\t')" -k4,4g
      awk -F '\t' '$3 != "ok"' "$W/results.tsv"; } |
        awk -F '\t' -v OFS='\t' -v base="$base" '{
            ratio = $3 == "ok" && base != "" ? sprintf("%.4f", $4 / base) : ""
            print $2, $3, $4, $5, $6, $7, $8, ratio, $9 }' >"$W/sorted.tsv"
}

# fmt_rows FORMAT: the results in $W/sorted.tsv as rows of FORMAT's
# seven columns: label, median s, M records/s, peak RSS MB, ratio, range s,
# note; - for what an untimed contender lacks, whose note says why.
fmt_rows() {
    awk -F '\t' -v fmt="$1" '{
        if ($2 == "ok") {
            rss = $7 == "-" ? "-" : sprintf("%.1f", $7 / 1024)
            ratio = $8 == "" ? "-" : sprintf("%.2fx", $8)
            printf fmt, $1, sprintf("%.3f", $3), sprintf("%.2f", $6 / 1e6), rss, ratio, sprintf("%.3f-%.3f", $4, $5), $9
        } else
            printf fmt, $1, "-", "-", "-", "-", "-", $2
    }' "$W/sorted.tsv"
}

# ---- charts -----------------------------------------------------------------------

# bar_panel TSV TITLE XLABEL ORIGIN SIZE: gnuplot commands for one panel of
# horizontal bars from TSV (label, value, colour as an integer), first row at
# the top, placed at ORIGIN (0..1 from the bottom) with height SIZE.
bar_panel() {
    n=$(wc -l <"$1")
    max=$(awk -F '\t' 'NR == 1 || $2 > m { m = $2 } END { print (m > 0 ? m : 1) }' "$1")
    cat <<EOF
set origin 0,$4
set size 1,$5
set title "$2"
set xlabel "$3"
set xrange [0:$max * 1.25]
set yrange [$n - 0.4:-0.6]
plot '$1' using (0):0:(0):2:(\$0 - 0.32):(\$0 + 0.32):3:ytic(1) with boxxyerror lc rgb variable, \\
     '' using 2:0:(sprintf(" %.2f", \$2)) with labels left
EOF
}

# bar_chart PNG TITLE XLABEL TSV [TITLE XLABEL TSV ...]: one PNG with gnuplot:
# a panel of horizontal bars per TSV, stacked, each as tall as its rows need.
# rgp's bars are blue (the colours below). Returns 1 when gnuplot is missing
# or fails (its messages go to $W/gnuplot.err).
RGP_BLUE=2055103 PEER_GREY=10132122
bar_chart() {
    have gnuplot || return 1
    png=$1; shift
    # a panel takes its bars plus 3 rows for its title and axis
    total=0 i=0
    for a in "$@"; do i=$((i + 1)); [ $((i % 3)) = 0 ] && total=$((total + $(wc -l <"$a") + 3)); done
    term="pngcairo noenhanced size 900,$((34 * total)) font 'DejaVu Sans,10'"
    gnuplot -e "set terminal pngcairo" >/dev/null 2>&1 </dev/null || term="png noenhanced size 900,$((34 * total))"
    {
        say "set terminal $term"
        say "set output '$png'"
        say 'set datafile separator "\t"'
        say 'set grid xtics; set xtics nomirror; set ytics nomirror; unset key'
        say 'set style fill solid 0.9 noborder'
        say 'set lmargin 18'   # the panels' bars line up
        say 'set multiplot'
        top=1
        while [ $# -ge 3 ]; do
            h=$(awk -v n="$(wc -l <"$3")" -v t="$total" 'BEGIN { printf "%.4f", (n + 3) / t }')
            top=$(awk -v a="$top" -v b="$h" 'BEGIN { printf "%.4f", a - b }')
            bar_panel "$3" "$1" "$2" "$top" "$h"
            shift 3
        done
        say 'unset multiplot'
    } | gnuplot >"$W/gnuplot.err" 2>&1
}

# chart_rows: $W/sorted.tsv's timed contenders as bar_panel rows: label,
# M records/s, colour.
chart_rows() {
    awk -F '\t' -v rgp="$RGP_BLUE" -v peer="$PEER_GREY" \
        '$2 == "ok" { printf "%s\t%.4f\t%s\n", $1, $6 / 1e6, ($1 ~ /^rgp/ ? rgp : peer) }' "$W/sorted.tsv"
}
