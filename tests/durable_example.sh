#!/bin/sh
# examples/durable: two checkpointed rgp processes connected through a journal
# (minutes.rgp writes it, alerts.rgp follows it), each killed with -9 at random
# moments and started again while the other runs, then stopped with SIGTERM and
# finished by a run that does not follow: both journals must equal, byte for
# byte, those of one run of each that was never interrupted.
# Usage: tests/durable_example.sh PATH/TO/rgp [KILLS]
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
KILLS=${2:-6}
root=$(cd "$(dirname "$0")/.." && pwd)
D=$(pwd)/build/durable_example
rm -rf "$D" && mkdir -p "$D" && cd "$D" || exit 1
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$D/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
fail() { echo "durable_example: FAIL: $*" >&2; exit 1; }
n=0

# two copies of the example: ref runs each process once, live is killed
sh "$root/examples/make_data.sh" data 20000 2>/dev/null || fail "make_data.sh"
for copy in ref live; do
    mkdir -p $copy/durable $copy/data
    cp data/readings.csv $copy/data/
    cp "$root"/examples/durable/*.rgp $copy/durable/
    # the same programs, stopping at the end of the journal instead of following it
    for p in minutes alerts; do sed 's/") as /", follow: false) as /' $copy/durable/$p.rgp > $copy/durable/${p}_once.rgp; done
    grep -q 'follow: false' $copy/durable/alerts_once.rgp || fail "no follow: false in alerts_once.rgp"
    "$rgp" run $copy/durable/feed.rgp 2>/dev/null || fail "feed.rgp ($copy)"
done

n=$((n + 1)); "$rgp" run ref/durable/minutes_once.rgp 2>err || fail "minutes, uninterrupted: $(cat err)"
n=$((n + 1)); "$rgp" run ref/durable/alerts_once.rgp 2>err || fail "alerts, uninterrupted: $(cat err)"
[ "$("$rgp" journal dump ref/data/durable_alerts | wc -l)" -gt 20 ] || fail "too few alerts to test with"

# both live; kill one or the other with -9 at random moments and start it again
"$rgp" run live/durable/minutes.rgp 2>>live.err & m=$!
"$rgp" run live/durable/alerts.rgp 2>>live.err & a=$!
i=0
while [ "$i" -lt "$KILLS" ]; do
    sleep "$(awk -v s="$i" 'BEGIN { srand(500 + s); printf "%.3f", 0.05 + rand() * 0.4 }')"
    if [ $((i % 2)) -eq 0 ]; then
        kill -9 "$m"; wait "$m" 2>/dev/null
        "$rgp" run live/durable/minutes.rgp 2>>live.err & m=$!
    else
        kill -9 "$a"; wait "$a" 2>/dev/null
        "$rgp" run live/durable/alerts.rgp 2>>live.err & a=$!
    fi
    i=$((i + 1))
done
sleep 0.5
kill -TERM "$m" "$a"
wait "$m"; rm_=$?
wait "$a"; ra=$?
n=$((n + 1)); [ "$rm_" -eq 143 ] && [ "$ra" -eq 143 ] || fail "SIGTERM: minutes exited $rm_, alerts $ra: $(tail -5 live.err)"
grep -q "resuming from checkpoint" live.err || fail "no process resumed from a checkpoint: $(tail -5 live.err)"

# finish: each resumes from its final checkpoint, reads to the end and closes its windows
n=$((n + 1)); "$rgp" run live/durable/minutes_once.rgp 2>err || fail "minutes, finishing: $(cat err)"
n=$((n + 1)); "$rgp" run live/durable/alerts_once.rgp 2>err || fail "alerts, finishing: $(cat err)"
for j in durable_minutes durable_alerts; do
    "$rgp" journal dump ref/data/$j > ref.$j.jsonl || fail "dump ref $j"
    "$rgp" journal dump live/data/$j > live.$j.jsonl || fail "dump live $j"
    n=$((n + 1)); cmp -s ref.$j.jsonl live.$j.jsonl || fail "$j differs from the uninterrupted run's: $(diff ref.$j.jsonl live.$j.jsonl | head -5)"
done
echo "durable_example: $n checks passed ($KILLS kills)"
