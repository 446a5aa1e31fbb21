#!/bin/sh
# summary.sh - the last step of `make bench`: one table from the results the
# benchmarks left in build/bench/ (sensors, logs and windows .csv from
# run_bench.sh, latency.csv from run_latency.sh, ring.md from run_ring.sh),
# printed and written as summary.md, summary.csv and summary.png. A benchmark
# without results is named as missing. Always exits 0.
# Usage: sh bench/summary.sh [SIZE=small|large]   (SIZE only labels the table)
# shellcheck disable=SC1091 # lib.sh is sourced from the tree
set -u

cd "$(dirname "$0")/.." || exit 0
. bench/lib.sh
# shellcheck disable=SC2034 # lib.sh's messages name the script by BENCH
BENCH=summary
bench_options "$@" || exit 0
OUT=build/bench
W=$OUT/summary
THROUGHPUT="sensors logs windows"
mkdir -p "$W" || exit 0
machine_info

# The CSV is long: one row per figure. section is throughput, latency or ring.
CSV=$OUT/summary.csv
say "section,benchmark,contender,status,median_s,records_per_s,peak_rss_kb,ratio,note" >"$CSV"

# ---- throughput: every contender of every benchmark ----------------------------
# From run_bench.sh's build/bench/NAME/sorted.tsv (label, status, median s,
# min s, max s, records/s, peak RSS KB, time / rgp build's, note) and the
# title on the first line of its NAME.md.
title_of() { head -n 1 "$OUT/$1.md" | sed 's/^## //; s/, median of.*//'; }
has_results() { [ -s "$OUT/$1/sorted.tsv" ] && [ -s "$OUT/$1.md" ]; }

# At a glance: a contender per row, a benchmark per column, each cell its
# records/s and its time over rgp build's; rgp's paths and the C first.
glance_md() {
    say "## At a glance"
    say
    say "Million records per second, and in brackets the median time over the \`rgp build\` binary's (below 1 is faster than rgp)."
    say
    head="| contender |" rule="|---|"
    for b in $THROUGHPUT; do has_results "$b" && { head="$head $b |"; rule="$rule--:|"; }; done
    say "$head"
    say "$rule"
    for b in $THROUGHPUT; do has_results "$b" && awk -F '\t' -v b="$b" '{ print b "\t" $0 }' "$OUT/$b/sorted.tsv"; done |
        awk -F '\t' -v benches="$THROUGHPUT" '
            BEGIN { n = split("rgp build|rgp run -O|rgp run|hand-written C (practical limit)|hand-written C (simple)", first, "|"); for (i = 1; i <= n; i++) { order[++k] = first[i]; known[first[i]] = 1 } }
            { if (!($2 in known)) { known[$2] = 1; order[++k] = $2 }
              cell[$2, $1] = $3 == "ok" ? sprintf("%.2f", $7 / 1e6) ($9 == "" ? "" : sprintf(" (%.2fx)", $9)) : $3 ~ /^missing/ ? "missing" : $3 ~ /^differs/ ? "differs" : "failed"
              seen[$1] = 1 }
            END {
                nb = split(benches, bl, " ")
                for (i = 1; i <= k; i++) {
                    line = "| " order[i] " |"; any = 0
                    for (j = 1; j <= nb; j++) if (bl[j] in seen) { c = cell[order[i], bl[j]]; any += c != ""; line = line " " (c == "" ? "" : c) " |" }
                    if (any) print line
                }
            }'
}

throughput_md() {
    say "## Throughput"
    say
    say "Each benchmark's contenders on the same data, outputs checked byte for byte against rgp's, median wall time of interleaved rounds (start-up included), records per second from it, the largest peak RSS, and the median time over the \`rgp build\` binary's (below 1 is faster than rgp)."
    say
    say "| benchmark | contender | median s | M records/s | peak RSS MB | time vs rgp build | note |"
    say "|---|---|--:|--:|--:|--:|---|"
    for b in $THROUGHPUT; do
        if ! has_results "$b"; then
            say "| $b | (no results: run \`make bench-$b\`) | | | | | |"
            continue
        fi
        awk -F '\t' -v t="$(title_of "$b")" '{
            if ($2 == "ok")
                printf "| %s | %s | %.3f | %.2f | %s | %s | %s |\n", (NR == 1 ? t : ""), $1, $3, $6 / 1e6, ($7 == "-" ? "-" : sprintf("%.1f", $7 / 1024)), ($8 == "" ? "-" : sprintf("%.2fx", $8)), $9
            else
                printf "| %s | %s | - | - | - | - | %s |\n", (NR == 1 ? t : ""), $1, $2
        }' "$OUT/$b/sorted.tsv"
        awk -F '\t' -v OFS=, -v b="$b" '{ gsub(/"/, "\"\"")
            print "throughput", b, $1, "\"" $2 "\"", $3, $6, $7, $8, "\"" $9 "\"" }' "$OUT/$b/sorted.tsv" >>"$CSV"
        awk -F '\t' -v rgp="$RGP_BLUE" -v peer="$PEER_GREY" '$2 == "ok" {
            printf "%s\t%.4f\t%s\n", $1, $6 / 1e6, ($1 ~ /^rgp/ ? rgp : peer) }' "$OUT/$b/sorted.tsv" >"$W/$b.tsv"
    done
    say
    for b in $THROUGHPUT; do
        has_results "$b" && say "$b: $(sed -n 's/.*\(CPUs busy with other work: .*after\)\.$/\1/p' "$OUT/$b.md")."
    done
}

# ---- compile latency --------------------------------------------------------------
latency_md() {
    say "## Compile latency"
    say
    if [ ! -s "$OUT/latency.csv" ]; then say "No results: run \`make bench-latency\`."; return; fi
    sed -n '5,$p' "$OUT/latency.md" | sed '/^Machine:/d'
    tail -n +2 "$OUT/latency.csv" | awk -F, -v OFS=, '{
        split("rgp run,rgp run -O,rgp emit,rgp build,cc -O2", ph, ",")
        for (i = 1; i <= 5; i++) print "latency", $1 ".rgp", ph[i], ($(i + 1) == "FAILED" ? "FAILED" : "ok"), ($(i + 1) == "FAILED" ? "" : $(i + 1) / 1000), "", "", "", ""
    }' >>"$CSV"
    tail -n +2 "$OUT/latency.csv" | awk -F, -v c="$RGP_BLUE" '$2 != "FAILED" { printf "%s.rgp\t%s\t%s\n", $1, $2, c }' >"$W/latency.tsv"
}

# ---- ring shapes: re-printed from run_ring.sh's tables -------------------------
# From each "## shape: details" section of ring.md, its ratio rows (bold
# labels): the headline figure (the first bold cell after the label: the
# median of per-round ratios, or of the mean for latency shapes) and target.
ring_md() {
    say "## Ring shapes (from bench-ring)"
    say
    if [ ! -s "$OUT/ring.md" ]; then say "No results: run \`make bench-ring\`."; return; fi
    say "$(sed -n '3p' "$OUT/ring.md") Full tables: \`build/bench/ring.md\`."
    say
    say "| shape | ratio | median | target |"
    say "|---|---|--:|---|"
    awk -F '|' '
        /^## / { shape = substr($0, 4); sub(/:.*/, "", shape); better = $0 ~ /lower is better/ ? " (lower is better)" : ""; first = 1; next }
        /^\| \*\*/ {
            for (i = 1; i <= NF; i++) { gsub(/^ +| +$/, "", $i) }
            lab = $2; gsub(/\*/, "", lab)
            head = ""
            for (i = 3; i < NF; i++) if ($i ~ /^\*\*.*\*\*$/) { head = $i; gsub(/\*/, "", head); break }
            printf "| %s | %s | %s | %s |\n", (first ? shape better : ""), lab, head, $(NF - 1)
            first = 0
        }' "$OUT/ring.md"
}
ring_csv() {
    awk -F '\t' -v OFS=, '{ sub(/x$/, "", $3); print "ring", "\"" $1 "\"", "\"" $2 "\"", "ok", "", "", "", $3, "\"" $4 "\"" }'
}

SUMMARY=$OUT/summary.md
{
    say "# make bench: rgp against the tools users would pick instead"
    say
    say "Machine: $MACHINE. Summary made $WHEN from the results in build/bench/ (\`make bench SIZE=$SIZE\`)."
    say
    glance_md
    say
    throughput_md
    say
    latency_md
    say
    ring_md
} >"$SUMMARY"
# the ring rows into the CSV, from the table just written
sed -n '/^## Ring shapes/,$p' "$SUMMARY" | awk -F '|' '/^\| / && !/^\| shape|^\|---/ {
    for (i = 2; i < NF; i++) gsub(/^ +| +$/, "", $i)
    if ($2 != "") shape = $2
    printf "%s\t%s\t%s\t%s\n", shape, $3, $4, $5 }' | ring_csv >>"$CSV"

echo
cat "$SUMMARY"
echo
say "wrote $SUMMARY and $CSV"

# ---- chart: one panel per benchmark --------------------------------------------------
set --
for b in $THROUGHPUT; do
    [ -s "$W/$b.tsv" ] || continue
    set -- "$@" "$(title_of "$b")" "million records per second (higher is better)" "$W/$b.tsv"
done
[ -s "$W/latency.tsv" ] && set -- "$@" "rgp run: start to first record through, per example" "milliseconds (lower is better)" "$W/latency.tsv"
if [ $# = 0 ]; then
    say "no chart: no results"
elif ! have gnuplot; then
    say "no chart: gnuplot is missing (apt-get install gnuplot-nox)"
elif bar_chart "$OUT/summary.png" "$@"; then
    say "wrote $OUT/summary.png"
else
    say "no chart: gnuplot failed; see $W/gnuplot.err"
fi
exit 0
