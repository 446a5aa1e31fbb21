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
# run_bench.sh's CSV: benchmark,contender,status,median_s,min_s,max_s,
# records_per_s,peak_rss_kb,time_vs_rgp_build,note,records,rounds; its title
# is the first line of its .md.
csv_fields() { # a CSV line's fields (quoted ones hold no commas or quotes here) as tab-separated
    sed 's/"\([^",]*\)"/\1/g' | tr ',' '\t'
}
throughput_md() {
    say "## Throughput"
    say
    say "Each benchmark's contenders on the same data, outputs checked byte for byte against rgp's, median wall time of interleaved rounds (start-up included), records per second from it, the largest peak RSS, and the median time over the \`rgp build\` binary's (below 1 is faster than rgp)."
    say
    say "| benchmark | contender | median s | M records/s | peak RSS MB | time vs rgp build | note |"
    say "|---|---|--:|--:|--:|--:|---|"
    for b in $THROUGHPUT; do
        if [ ! -s "$OUT/$b.csv" ]; then
            say "| $b | (no results: run \`make bench-$b\`) | | | | | |"
            continue
        fi
        title=$(head -n 1 "$OUT/$b.md" | sed 's/^## //; s/, median of.*//')
        tail -n +2 "$OUT/$b.csv" | csv_fields | awk -F '\t' -v t="$title" '{
            if ($3 == "ok")
                printf "| %s | %s | %.3f | %.2f | %.1f | %.2fx | %s |\n", (NR == 1 ? t : ""), $2, $4, $7 / 1e6, $8 / 1024, $9, $10
            else
                printf "| %s | %s | - | - | - | - | %s |\n", (NR == 1 ? t : ""), $2, $3
        }'
        tail -n +2 "$OUT/$b.csv" | csv_fields | awk -F '\t' -v OFS=, '{
            print "throughput", $1, $2, ($3 == "ok" ? "ok" : "\"" $3 "\""), $4, $7, $8, $9, "\"" $10 "\"" }' >>"$CSV"
        awk -F '\t' -v rgp="$RGP_BLUE" -v peer="$PEER_GREY" '$3 == "ok" {
            printf "%s\t%.4f\t%s\n", $2, $7 / 1e6, ($2 ~ /^rgp/ ? rgp : peer) }' <<EOF >"$W/$b.tsv"
$(tail -n +2 "$OUT/$b.csv" | csv_fields)
EOF
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
    set -- "$@" "$(head -n 1 "$OUT/$b.md" | sed 's/^## //; s/, median of.*//')" "million records per second (higher is better)" "$W/$b.tsv"
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
