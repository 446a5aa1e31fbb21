#!/bin/sh
# Aligned barriers at a merge: two file sources merged (arrival order) into
# keyed state and a group -> journals, killed with -9 at KILLS random moments
# (default 10) and restarted, through `rgp run` and a built binary; the output
# journals, sorted (a merge's arrival order differs from run to run), equal an
# uninterrupted run's: a record counted twice or lost changes a key's n or sum.
# Keys of a are < 1000 and b's >= 1000, so each key's sequence is one input's.
# Usage: checkpoint_merge.sh RGP [KILLS]
set -u
RGP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
KILLS=${2:-10}
D=$(pwd)/build/checkpoint_merge
rm -rf "$D" && mkdir -p "$D" && cd "$D" || exit 1
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$D/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
fail() { echo "checkpoint_merge: FAIL: $*" >&2; exit 1; }
awk 'BEGIN { srand(3); for (i = 0; i < 400000; i++) printf "%d,%d\n", int(rand() * 1000), i % 97 }' > a.csv
awk 'BEGIN { srand(5); for (i = 0; i < 400000; i++) printf "%d,%d\n", 1000 + int(rand() * 1000), i % 89 }' > b.csv
cat > m.rgp <<'R'
options { checkpoint: "ck", every: 10 ms }
schema Ev { k: u32, v: i64 }
source a = file("a.csv") as csv(Ev)
source b = file("b.csv") as csv(Ev)
stage m = merge(a, b)
stage s = m | by k state { n: u64 = 0, sum: i64 = 0 } {
    n += 1
    sum += v
    emit { k, n, sum }
}
sink o = journal("out") <- s
stage g = m | group by k { c: count(), t: sum(v) }
sink go = journal("gout") <- g
R
"$RGP" build m.rgp -o m.bin 2>err || fail "build: $(cat err)"
./m.bin --checkpoint "$D/ref.ck" o=ref go=gref 2>err || fail "the uninterrupted run: $(cat err)"
"$RGP" journal dump ref | sed "s/\"offset\":[0-9]*,//" | sort > ref.jsonl || fail "dump of the reference"
"$RGP" journal dump gref | sed "s/\"offset\":[0-9]*,//" | sort > gref.jsonl || fail "dump of the reference's groups"
[ "$(wc -l < ref.jsonl)" -eq 800000 ] || fail "the reference has $(wc -l < ref.jsonl) records, not 800000"
[ "$(wc -l < gref.jsonl)" -eq 2000 ] || fail "the reference has $(wc -l < gref.jsonl) groups, not 2000"
same() {
    "$RGP" journal dump out | sed "s/\"offset\":[0-9]*,//" | sort > out.jsonl || fail "$1: dump"
    cmp -s ref.jsonl out.jsonl || fail "$1: the output differs from the uninterrupted run's: $(diff ref.jsonl out.jsonl | head -5)"
    "$RGP" journal dump gout | sed "s/\"offset\":[0-9]*,//" | sort > gout.jsonl || fail "$1: dump of the groups"
    cmp -s gref.jsonl gout.jsonl || fail "$1: the groups differ: $(diff gref.jsonl gout.jsonl | head -5)"
}
kills=0 resumed=0 runs=0
for how in run build; do
    rm -rf out gout ck
    i=0
    while [ $i -lt "$KILLS" ]; do
        i=$((i + 1))
        if [ $how = run ]; then "$RGP" run m.rgp 2>>err.log & else ./m.bin 2>>err.log & fi
        pid=$!
        sleep "0.$(awk -v s=$i 'BEGIN { srand(s * 31 + 7); printf "%02d", 1 + int(rand() * 20) }')"
        kill -9 $pid 2>/dev/null && kills=$((kills + 1))
        wait $pid 2>/dev/null
    done
    if [ $how = run ]; then "$RGP" run m.rgp 2>>err.log; else ./m.bin 2>>err.log; fi || fail "$how: the last run: $(tail -3 err.log)"
    runs=$((runs + 1))
    same "$how after $KILLS kills"
done
resumed=$(grep -c "resuming from checkpoint" err.log)
[ "$resumed" -gt 0 ] || fail "no run resumed from a checkpoint"
[ "$kills" -gt 0 ] || fail "no run was killed"
echo "checkpoint_merge: ok ($kills kills -9, $resumed resumed runs, rgp run and rgp build, outputs equal an uninterrupted run's)"
