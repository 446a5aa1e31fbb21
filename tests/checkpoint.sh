#!/bin/sh
# Checkpoints (options { checkpoint: ... }): a journal -> keyed state, dedup, a
# tumbling window, a group, delta, throttle and sample -> journals pipeline,
# killed with -9 at KILLS random moments (default 20; make soak: 200) and
# restarted, writes the same journals, byte for byte, as a run never interrupted. Also: SIGTERM takes a final
# checkpoint that a follow: false run resumes from; a cc build and `rgp run`
# (libtcc) resume each other's checkpoints; a checkpoint of another program is
# refused, naming the change, unless --fresh; a damaged one is refused and kept;
# a torn temporary file is ignored. Usage: checkpoint.sh RGP [KILLS]
set -u
RGP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
KILLS=${2:-20}
D=$(pwd)/build/checkpoint
rm -rf "$D" && mkdir -p "$D" && cd "$D" || exit 1
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$D/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
fail() { echo "checkpoint: FAIL: $*" >&2; exit 1; }
n=0

cat > mk.rgp <<'R'
schema Ev { k: u32, name: str, v: f64, t: time }
source c = file("in.csv") as csv(Ev)
sink j = journal("in") <- c
R
awk 'BEGIN { srand(7); for (i = 0; i < 150000; i++)
    printf "%d,%s,%.1f,%d\n", int(rand() * 3000), substr("abc", int(rand() * 3) + 1, 1), int(rand() * 1000) / 10, i * 7 }' > in.csv
"$RGP" run mk.rgp 2>err || fail "writing the input journal: $(cat err)"

# the pipeline under test; follow.rgp is the same program reading the journal live
pipeline() {
    cat <<R
options { checkpoint: "ck", every: 20 ms }
schema Ev { k: u32, name: str, v: f64, t: time }
source r = journal("in", follow: $1) as Ev
stage s = r | by k state { n: u64 = 0, sum: f64 = 0.0, last: str = "" } {
    n += 1
    sum += v
    last = name
    emit { k, n, sum, last, t }
}
stage d = s | dedup by k on last with { thread: own }   # a second ring: the barrier is passed on
stage w = d | window t every 10 s by k { c: count(), total: sum(sum), hi: max(n) }
sink o = journal("out") <- w
stage g = s | group by k { c: count(), top: max(sum) }
sink go = journal("gout") <- g
stage dl = r | delta by k {
    if has_prev { emit { k, name, was: prev.name, dv: v - prev.v, t } }
}
stage th = dl | throttle 2 every 1 s by k on t | sample 0.5 seed 7
sink to = journal("tout") <- th
R
}
pipeline false > pipe.rgp
pipeline true > follow.rgp
"$RGP" build pipe.rgp -o pipe.bin 2>err || fail "build pipe.rgp: $(cat err)"

# the reference: one run, never interrupted
n=$((n + 1)); ./pipe.bin --checkpoint "$D/ref.ck" o=ref go=gref to=tref 2>err || fail "the uninterrupted run: $(cat err)"
"$RGP" journal dump ref > ref.jsonl || fail "dump of the reference"
"$RGP" journal dump gref > gref.jsonl || fail "dump of the reference's groups"
"$RGP" journal dump tref > tref.jsonl || fail "dump of the reference's throttled deltas"
[ "$(wc -l < tref.jsonl)" -gt 1000 ] || fail "the reference has only $(wc -l < tref.jsonl) throttled deltas"
[ "$(wc -l < gref.jsonl)" -eq 3000 ] || fail "the reference has $(wc -l < gref.jsonl) groups, not 3000"
[ "$(wc -l < ref.jsonl)" -gt 10000 ] || fail "the reference has only $(wc -l < ref.jsonl) records"

# same: the output journal equals the reference, byte for byte (as JSON lines and as frames)
same() {
    "$RGP" journal verify out >/dev/null 2>&1 || fail "$1: the output journal does not verify: $("$RGP" journal verify out 2>&1 | head -3)"
    "$RGP" journal dump out > out.jsonl || fail "$1: dump"
    cmp -s ref.jsonl out.jsonl || fail "$1: the output differs from the uninterrupted run's: $(diff ref.jsonl out.jsonl | head -5)"
    cmp -s ref/00000000000000000000.seg out/00000000000000000000.seg || fail "$1: the segment's bytes differ"
    "$RGP" journal dump gout > gout.jsonl || fail "$1: dump of the groups"
    cmp -s gref.jsonl gout.jsonl || fail "$1: the groups differ from the uninterrupted run's: $(diff gref.jsonl gout.jsonl | head -5)"
    "$RGP" journal dump tout > tout.jsonl || fail "$1: dump of the throttled deltas"
    cmp -s tref.jsonl tout.jsonl || fail "$1: the throttled deltas differ from the uninterrupted run's: $(diff tref.jsonl tout.jsonl | head -5)"
}

# kill -9 at random moments; a run that ends by itself is compared, and the next starts afresh
kills=0 runs=0 ended=0
rm -rf out gout tout ck
while [ "$kills" -lt "$KILLS" ]; do
    ./pipe.bin 2>>runs.err &
    pid=$!
    sleep "$(awk -v s="$runs" 'BEGIN { srand(1000 + s); printf "%.3f", 0.01 + rand() * 0.2 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null   # not the shell's "Killed"
    rc=$?
    runs=$((runs + 1))
    [ "$runs" -le $((KILLS * 10)) ] || fail "$runs runs for $KILLS kills"
    if [ "$rc" -eq 137 ]; then
        kills=$((kills + 1))
    elif [ "$rc" -eq 0 ]; then
        n=$((n + 1)); same "after $kills kills"
        ended=$((ended + 1))
        rm -rf out gout tout ck
    else
        fail "run $runs exited $rc: $(tail -3 runs.err)"
    fi
done
n=$((n + 1)); ./pipe.bin 2>>runs.err || fail "the last run: $(tail -3 runs.err)"
same "after $kills kills"
grep -q "resuming from checkpoint $D/ck/checkpoint (number [1-9]" runs.err || fail "no run resumed from a checkpoint past 0"

# SIGTERM: the final checkpoint, after draining; the same program with follow: false resumes from it
rm -rf out gout tout ck
"$RGP" run follow.rgp 2>follow.err &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
n=$((n + 1)); [ "$rc" -eq 143 ] || fail "SIGTERM: exit $rc, expected 143: $(cat follow.err)"
n=$((n + 1)); ./pipe.bin 2>err || fail "resuming after SIGTERM: $(cat err)"
grep -q "resuming from checkpoint" err || fail "the run after SIGTERM did not resume: $(cat err)"
same "after SIGTERM"

# a cc build killed, then rgp run (libtcc) resumes; and the other way round
for first in build run; do
    rm -rf out gout tout ck
    if [ "$first" = build ]; then ./pipe.bin 2>err & else "$RGP" run pipe.rgp 2>err & fi
    pid=$!
    sleep 0.4
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ "$first" = build ]; then n=$((n + 1)); "$RGP" run pipe.rgp 2>err || fail "rgp run resuming: $(cat err)"
    else n=$((n + 1)); ./pipe.bin 2>err || fail "the build resuming: $(cat err)"; fi
    same "$first killed, then the other"
done

# another program: refused, naming what changed, unless --fresh
sed 's/last: str = "" }/last: str = "", m: f64 = 0.0 }/' pipe.rgp > other.rgp
cp ck/checkpoint kept
n=$((n + 1)); "$RGP" run other.rgp 2>err && fail "a checkpoint of another program was taken"
expected="other: error: checkpoint $D/ck/checkpoint was made by another program: it has 'stage s: by k:u32 state {n:u64,sum:f64,last:str}' where this program has 'stage s: by k:u32 state {n:u64,sum:f64,last:str,m:f64}'; start with --fresh to begin again from the start (the checkpoint is then replaced)"
[ "$(tail -1 err)" = "$expected" ] || fail "another program: got: $(cat err)"
cmp -s kept ck/checkpoint || fail "the refused checkpoint was changed"
n=$((n + 1)); "$RGP" run other.rgp --fresh o=fresh go=gfresh to=tfresh 2>err || fail "--fresh: $(cat err)"
grep -q resuming err && fail "--fresh resumed"

# a damaged checkpoint is refused and kept; the last good one still works
cp kept ck/checkpoint
printf 'X' | dd of=ck/checkpoint bs=1 seek=200 conv=notrunc 2>/dev/null
cp ck/checkpoint damaged
n=$((n + 1)); ./pipe.bin 2>err && fail "a damaged checkpoint was taken"
grep -q "error: checkpoint $D/ck/checkpoint is damaged: its CRC does not match (a torn or damaged file); it is kept as it is" err ||
    fail "damaged: $(cat err)"
cmp -s damaged ck/checkpoint || fail "the damaged checkpoint was changed"
head -c 20 kept > ck/checkpoint
n=$((n + 1)); ./pipe.bin 2>err && fail "a cut checkpoint was taken"
grep -q "is damaged: it is too short" err || fail "cut: $(cat err)"
printf 'RGPCKPT1 torn' > ck/checkpoint.tmp   # a write a crash interrupted: never read
cp kept ck/checkpoint
./pipe.bin 2>err || fail "resuming beside a torn checkpoint.tmp: $(cat err)"
n=$((n + 1)); same "beside a torn checkpoint.tmp"

echo "checkpoint: $n checks passed ($kills kills over $runs runs, $ended of them ran to the end)"
