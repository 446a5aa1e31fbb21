#!/bin/sh
# file("PATH", follow: true, state: "PATH") against a file that a writer
# appends to, rotates (rename and re-create) and truncates: every line is read
# once, in order, a partial last line waits for its newline, and the exit
# report counts the rotation and the truncation. Then kill -9 at random
# moments while a writer appends numbered lines: each restart resumes exactly
# at the place its state file kept (so nothing is skipped, and only what was
# read after that place is read again), a stop by SIGTERM saves the place of
# the last line, and a run after it reads nothing twice. Through rgp run and
# a rgp build binary; every wait is bounded. Usage: tests/follow.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-follow.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$work"' EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL follow ($mode): $1"; failed=$((failed + 1)); }

cat >"$work/f.rgp" <<'RGP'
schema L { n: u64 }
source s = file("in.log", follow: true, state: "in.state") as csv(L)
sink o = file("out.csv", append: true) as csv(header: false) <- s
RGP

# as the background job itself (exec: $! is its pid, for kill -9; no timeout between, which would
# take the kill and leave rgp running): every run is stopped by this script, and the trap kills the last
run() {
    if [ "$mode" = jit ]; then exec "$rgp" run "$work/f.rgp" s="$work/in.log" o="$work/out.csv"
    else exec "$work/f.bin" s="$work/in.log" o="$work/out.csv"; fi
}
# until FILE has N lines, for at most 10 s
lines_at_least() {
    for _ in $(seq 200); do [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0; sleep 0.05; done
    return 1
}
# the place a state file keeps: the line number the next run starts at
state_line() { sed -n 's/.* line \([0-9]*\)$/\1/p' "$work/in.state"; }

for mode in jit aot; do
    [ $mode = aot ] && { "$rgp" build "$work/f.rgp" -o "$work/f.bin" || bad "build"; }

    # append, rotate, truncate; a partial line waits
    rm -f "$work/in.log"* "$work/out.csv" "$work/in.state"; seq 1 5 >"$work/in.log"
    run 2>"$work/err" & pid=$!
    lines_at_least "$work/out.csv" 5 || bad "the first lines"
    seq 6 10 >>"$work/in.log"; lines_at_least "$work/out.csv" 10 || bad "appended lines"
    printf '1' >>"$work/in.log"; sleep 0.3; printf '1\n' >>"$work/in.log"   # "11", written in two pieces
    mv "$work/in.log" "$work/in.log.1"; seq 12 13 >>"$work/in.log.1"      # the writer still has the old file
    sleep 0.2; seq 14 16 >"$work/in.log"                                   # and then opens a new one
    lines_at_least "$work/out.csv" 16 || bad "lines after the rotation"
    : >"$work/in.log"; sleep 0.3; seq 17 18 >"$work/in.log"                # truncated, then written again
    lines_at_least "$work/out.csv" 18 || bad "lines after the truncation"
    printf '19' >>"$work/in.log"; sleep 0.3
    kill -TERM $pid; wait $pid; rc=$?
    [ $rc = 143 ] && ok || bad "exit status $rc after SIGTERM, expected 143"
    seq 1 18 | cmp -s - "$work/out.csv" && ok || { bad "rotate and truncate: lines"; cat "$work/out.csv" "$work/err"; }
    grep -q "source .*/in.log: followed 1 rotation and 1 truncation" "$work/err" && ok || { bad "the rotation and truncation reported"; cat "$work/err"; }
    grep -q "in.log was truncated (to 0 bytes, from 9 read): reading it again from the start" "$work/err" && ok || bad "the truncation said"
    # the partial "19" was not read: a restart starts at it
    [ "$(state_line)" = 3 ] && ok || bad "state after the stop: line $(state_line), expected 3"
    printf '\n20\n' >>"$work/in.log"
    run 2>"$work/err" & pid=$!
    lines_at_least "$work/out.csv" 20 || bad "lines after a restart"
    kill -TERM $pid; wait $pid
    seq 1 20 | cmp -s - "$work/out.csv" && ok || { bad "restart after a stop: lines"; tail -5 "$work/out.csv"; }

    # kill -9 at random moments while lines are appended; each restart resumes where the state file says
    rm -f "$work/in.log"* "$work/out.csv" "$work/in.state"; : >"$work/in.log"
    total=30000
    timeout 60 python3 -c "
import sys, time
f = open(sys.argv[1], 'a')
for i in range(1, $total + 1, 50):
    f.write(''.join('%d\n' % k for k in range(i, min(i + 50, $total + 1)))); f.flush(); time.sleep(0.004)" "$work/in.log" & writer=$!
    kills=0 resumed=0 dups=0
    for round in 1 2 3 4 5; do
        run 2>"$work/err.$round" & pid=$!
        sleep "$(awk -v s="$round$$" 'BEGIN { srand(s); printf "%.2f", 0.5 + rand() }')"
        kill -9 $pid; wait $pid 2>/dev/null; kills=$((kills + 1))
        written=0; [ -f "$work/out.csv" ] && written=$(wc -l <"$work/out.csv")
        at=$(state_line); at=${at:-1}
        # the place kept is within what was written: nothing past it was lost
        [ "$at" -le $((written + 1)) ] && ok || bad "round $round: the state file is at line $at, past the $written lines written"
        dups=$((dups + written - at + 1))
        [ "$at" -gt 1 ] && resumed=$((resumed + 1))
        # the output cut back to the place kept (what a reader deduplicating by number keeps) is exactly 1..at-1
        touch "$work/out.csv"; head -n $((at - 1)) "$work/out.csv" >"$work/out.keep" && mv "$work/out.keep" "$work/out.csv"
        seq 1 $((at - 1)) | cmp -s - "$work/out.csv" && ok || bad "round $round: the lines before the place kept are not 1..$((at - 1))"
    done
    wait $writer
    run 2>"$work/err" & pid=$!
    lines_at_least "$work/out.csv" $total || bad "the last run did not catch up"
    sleep 0.3; kill -TERM $pid; wait $pid; rc=$?
    [ $rc = 143 ] && ok || bad "the last run: exit status $rc"
    seq 1 $total | cmp -s - "$work/out.csv" && ok || bad "kill -9: the lines are not 1..$total, each once, in order"
    [ "$resumed" -ge 1 ] && ok || bad "no restart resumed from a saved place"
    [ "$(state_line)" = $((total + 1)) ] && ok || bad "the place after the stop: line $(state_line), expected $((total + 1))"
    echo "follow ($mode): $kills kill -9, $dups lines read again in all (in flight past the places kept)"
    # nothing new: a run after the stop writes nothing
    run 2>"$work/err" & pid=$!; sleep 1; kill -TERM $pid; wait $pid
    [ "$(wc -l <"$work/out.csv")" = $total ] && ok || bad "a run after the stop read lines again"
    # rotated while stopped: the state names another file, so the new one is read from its start, as said
    mv "$work/in.log" "$work/in.log.old"; seq 1 3 >"$work/in.log"; : >"$work/out.csv"
    run 2>"$work/err" & pid=$!
    lines_at_least "$work/out.csv" 3 || bad "the file replaced while stopped: not read"
    kill -TERM $pid; wait $pid
    seq 1 3 | cmp -s - "$work/out.csv" && ok || { bad "the file replaced while stopped: lines"; cat "$work/out.csv"; }
    grep -q "in.log is not the file .*in.state names (rotated, truncated or replaced while stopped): reading it from the start" "$work/err" \
        && ok || { bad "the file replaced while stopped: not said"; cat "$work/err"; }
done

echo "follow: $passed passed, $failed failed"
[ "$failed" = 0 ]
