#!/bin/sh
# make bench-journal: the journal sink's write rate against dd conv=fdatasync on
# the same disk (build/), interleaved, and its replay rate. Prints numbers only.
# Usage: run.sh BUILD_DIR [RECORDS] [ROUNDS]
B=${1:-build}
N=${2:-5000000}
ROUNDS=${3:-3}
PAYLOAD=40
D=$B/bench/journal
mkdir -p "$D"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Iruntime -I"$B/gen" -o "$D/journal_bench" bench/journal/journal_bench.c || exit 0
MB=$(( N * (PAYLOAD + 16) / 1000000 ))
echo "journal: $N records of $PAYLOAD bytes ($MB MB of frames), sync every 100 ms; dd writes the same bytes, conv=fdatasync"
for r in $(seq "$ROUNDS"); do
    rm -rf "$D/j" "$D/dd.out"
    "$D/journal_bench" "$D/j" "$N" $PAYLOAD | sed "s/^/round $r: journal /"
    t0=$(date +%s%N)
    dd if=/dev/zero of="$D/dd.out" bs=1M count="$MB" conv=fdatasync 2>/dev/null
    t1=$(date +%s%N)
    awk -v mb="$MB" -v ns=$((t1 - t0)) -v r="$r" 'BEGIN { printf "round %d: dd %d MB in %.3f s: %.0f MB/s\n", r, mb, ns / 1e9, mb / (ns / 1e9) }'
done
rm -rf "$D/j" "$D/dd.out"
