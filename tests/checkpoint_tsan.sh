#!/bin/sh
# A checkpointed pipeline under ThreadSanitizer (make tsan): barriers every 20 ms
# through two rings (the source's and a cut), final checkpoints at SIGTERM, and a
# run that resumes from one; any report of a data race fails.
# Usage: tests/checkpoint_tsan.sh PATH/TO/rgp
set -u
RGP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
D=$(pwd)/build/checkpoint_tsan
rm -rf "$D" && mkdir -p "$D" && cd "$D" || exit 1
fail() { echo "checkpoint_tsan: FAIL: $*" >&2; exit 1; }
cat > mk.rgp <<'R'
schema Ev { k: u32, name: str, v: f64, t: time }
source c = file("in.csv") as csv(Ev)
sink j = journal("in") <- c
R
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%d,%s,%d.5,%d\n", (i * 7919) % 1000, substr("abc", i % 3 + 1, 1), i % 100, i * 3 }' > in.csv
RGP_NO_BACKGROUND_CC=1 "$RGP" run mk.rgp 2>err || fail "the input journal: $(cat err)"
cat > p.rgp <<'R'
options { checkpoint: "ck", every: 20 ms }
schema Ev { k: u32, name: str, v: f64, t: time }
source r = journal("in") as Ev
stage s = r | by k state { n: u64 = 0, last: str = "" } { n += 1 last = name emit { k, n, last, t } }
stage d = s | dedup by k on last with { thread: own }
stage w = d | window t every 1 s by k { c: count() }
sink o = journal("out") <- w
R
"$RGP" emit --standalone p.rgp > p.c || fail "emit"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -Wno-tsan -o p.tsan p.c -lpthread -lm || fail "cc"
for round in 1 2; do
    ./p.tsan 2>"run$round.err" &
    pid=$!
    sleep 3
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    ! grep -q "ThreadSanitizer" "run$round.err" || fail "round $round: $(grep -A20 ThreadSanitizer "run$round.err" | head -40)"
    [ "$rc" -eq 143 ] || fail "round $round: exit $rc: $(tail -3 "run$round.err")"
done
grep -q "resuming from checkpoint" run2.err || fail "round 2 did not resume: $(cat run2.err)"

# aligned barriers: two file sources merged, the producers waiting for each other's barrier
awk 'BEGIN { for (i = 0; i < 300000; i++) printf "%d,%d\n", i % 1000, i % 97 }' > a.csv
awk 'BEGIN { for (i = 0; i < 300000; i++) printf "%d,%d\n", 1000 + i % 1000, i % 89 }' > b.csv
cat > m.rgp <<'R'
options { checkpoint: "mck", every: 10 ms }
schema Ev { k: u32, v: i64 }
source a = file("a.csv") as csv(Ev)
source b = file("b.csv") as csv(Ev)
stage m = merge(a, b)
stage s = m | by k state { n: u64 = 0, sum: i64 = 0 } { n += 1 sum += v emit { k, n, sum } }
sink o = journal("mout") <- s
R
"$RGP" emit --standalone m.rgp > m.c || fail "emit m.rgp"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -Wno-tsan -o m.tsan m.c -lpthread -lm || fail "cc m.c"
./m.tsan 2>merge1.err &
pid=$!
sleep 0.3
kill -TERM "$pid" 2>/dev/null
wait "$pid"
RGP_VERBOSE=1 ./m.tsan 2>merge2.err || fail "the merge's resumed run: $(tail -3 merge2.err)"
for f in merge1.err merge2.err; do
    ! grep -q "ThreadSanitizer" $f || fail "$f: $(grep -A20 ThreadSanitizer $f | head -40)"
done
grep -q "resuming from checkpoint" merge2.err || fail "the merge's run did not resume: $(cat merge2.err)"
echo "checkpoint_tsan: 2 rounds and a merge's aligned barriers without a race"
