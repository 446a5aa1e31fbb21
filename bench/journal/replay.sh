#!/bin/sh
# make bench-journal, part two: replaying a journal against reading the same
# records from CSV, both through `rgp build` binaries running the same summary
# (count, sum, max), outputs checked equal, interleaved rounds, medians.
# Prints numbers only. Usage: replay.sh BUILD_DIR [RECORDS] [ROUNDS]
B=$(cd "${1:-build}" && pwd)
N=${2:-2000000}
ROUNDS=${3:-3}
RGP=$B/rgp
D=$B/bench/journal/replay
rm -rf "$D" && mkdir -p "$D" && cd "$D" || exit 0
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "%d,%d.%02d,sensor-%d\n", i, i % 1000, i % 97, i % 5000 }' > in.csv
schema='schema S { id: u64, v: f64, name: str }'
summary='stage t = r | group { n: count(), s: sum(v), m: max(id) }
sink o = stdout as csv <- t'
printf '%s\nsource r = file("in.csv") as csv(S)\nsink j = journal("j", sync: never) <- r\n' "$schema" > load.rgp
printf '%s\nsource r = file("in.csv") as csv(S)\n%s\n' "$schema" "$summary" > csv.rgp
printf '%s\nsource r = journal("j", follow: false) as S\n%s\n' "$schema" "$summary" > journal.rgp
for p in load csv journal; do "$RGP" build $p.rgp -o $p 2>"$p.err" || { echo "replay: rgp build $p.rgp failed: $(cat $p.err)"; exit 0; }; done
./load || { echo "replay: loading the journal failed"; exit 0; }
MB=$(du -m in.csv | cut -f1)
echo "replay: $N records ($MB MB of CSV), one summary over each, rgp build, interleaved"
ms() { t0=$(date +%s%N); ./"$1" > "$1.out"; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
csv_t="" jr_t=""
for r in $(seq "$ROUNDS"); do
    c=$(ms csv); j=$(ms journal)
    cmp -s csv.out journal.out || { echo "replay: the journal's summary differs from the CSV's"; exit 0; }
    echo "round $r: csv $c ms, journal $j ms"
    csv_t="$csv_t $c" jr_t="$jr_t $j"
done
median() { printf '%s\n' $1 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
mc=$(median "$csv_t") mj=$(median "$jr_t")
awk -v c="$mc" -v j="$mj" -v n="$N" 'BEGIN { printf "replay: medians csv %d ms (%.1f M records/s), journal %d ms (%.1f M records/s): the journal takes %.2fx the time of CSV\n", c, n / c / 1000, j, n / j / 1000, j / c }'
cd .. && rm -rf "$D"
