#!/bin/sh
# Kills a journal writer with -9 at random moments (fixed seed) and checks, after
# each kill, that the journal opens, verifies, keeps every record up to its
# durable offset exactly once and in order, and returns nothing of a torn frame.
# The writer (tests/journal_writer.c) splits every write in two with a pause
# between, so many kills leave half a frame for the next writer to cut.
# Usage: journal_kill.sh RGP JOURNAL_WRITER [KILLS]   (make soak: KILLS=2000)
set -u
RGP=$1
WRITER=$2
KILLS=${3:-200}
D=build/journal_kill
rm -rf "$D" && mkdir -p "$D"
J=$D/j
fail() { echo "journal_kill: FAIL: $*" >&2; exit 1; }

# check FROM: every record from offset FROM on is record k = {k, "rec-k" x (k%5+1)}
check() {
    { "$RGP" journal dump "$J" --from "$1" 2>"$D/dump.err"; echo $? >"$D/dump.rc"; } | awk -v start="$1" '
        BEGIN { FS = "[{}\":,]+"; bad = 0 }
        {
            k = start + NR - 1
            want = ""; for (r = 0; r <= k % 5; r++) want = want "rec-" k
            if ($2 != "offset" || $3 != k || $5 != k || $7 != want) { print "record " NR ": " $0 " (expected offset " k ")"; bad = 1; exit }
        }
        END { if (!bad) print "n " NR; exit bad }' > "$D/check.out" || fail "$(cat "$D/check.out")"
    # a dump that stops on an error has printed only the records before it: never a pass
    [ "$(cat "$D/dump.rc")" = 0 ] || fail "rgp journal dump --from $1 exited $(cat "$D/dump.rc"): $(cat "$D/dump.err")"
    sed -n 's/^n //p' "$D/check.out"
}

info() { "$RGP" journal info "$J" | sed -n "s/^$1  *//p"; }

seeds=$(awk -v n="$KILLS" 'BEGIN { srand(20261206); for (i = 0; i < n; i++) printf "%d %d\n", 1 + int(rand() * 30), int(rand() * 3) }')
prev_durable=0 checked=0 cuts=0 i=0
echo "$seeds" | {
while read -r ms mode; do
    i=$((i + 1))
    case $mode in 0) sync=always ;; 1) sync=interval ;; *) sync=never ;; esac
    "$WRITER" "$J" $sync 100000000 2>>"$D/writer.err" &
    pid=$!
    sleep "0.$(printf '%03d' "$ms")"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    "$RGP" journal verify "$J" >"$D/verify.out" 2>"$D/verify.err" || fail "kill $i: verify: $(cat "$D/verify.err")"
    next=$(info next)
    durable=$(info durable)
    [ -n "$next" ] || fail "kill $i: no next offset in rgp journal info"
    case $durable in *[!0-9]*|'') durable=0 ;; esac
    # nothing the writer had made durable, in this run or before, is lost
    [ "$next" -ge "$durable" ] || fail "kill $i: next offset $next is below the durable offset $durable"
    [ "$next" -ge "$prev_durable" ] || fail "kill $i: next offset $next is below an earlier durable offset $prev_durable"
    from=$((checked > 50 ? checked - 50 : 0))
    n=$(check $from) || exit 1
    if [ $((from + n)) -ne "$next" ]; then   # keep what the next person needs to see why
        cp -r "$J" "$D/failed" 2>/dev/null
        "$RGP" journal info "$J" >"$D/failed.info" 2>&1
        fail "kill $i: dump returned $((from + n)) records, info says $next (dump's stderr: $(cat "$D/dump.err"); the journal is kept in $D/failed, its info in $D/failed.info)"
    fi
    checked=$next
    [ "$durable" -gt "$prev_durable" ] && prev_durable=$durable
done
cuts=$(grep -c "cut a torn tail" "$D/writer.err")
grep -v "cut a torn tail" "$D/writer.err" | grep . && fail "the writer reported errors"
# one more writer cuts the last tail; then everything is checked from offset 0
"$WRITER" "$J" always 10 2>>"$D/writer.err" || fail "the last writer failed: $(tail -1 "$D/writer.err")"
total=$(check 0) || exit 1
[ "$total" -eq "$(info next)" ] || fail "the full dump has $total records, info says $(info next)"
[ "$cuts" -ge 1 ] || fail "no kill left a torn frame in $KILLS kills: the test did not test recovery"
echo "journal_kill: $KILLS kills, $cuts torn tails cut, $total records checked exactly once, in order"
}
