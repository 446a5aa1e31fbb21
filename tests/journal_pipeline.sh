#!/bin/sh
# Journal sources and sinks in pipelines, through `rgp run` and a `rgp build`
# binary alike: a round trip of every field type, chaining, offsets, a record
# type refused, following with a reader group that resumes where it committed,
# skipping corruption, the sync policy seen by strace, and kill -9 of a pipeline
# that writes a journal. Usage: journal_pipeline.sh RGP
set -u
RGP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
D=$(pwd)/build/journal_pipeline
rm -rf "$D" && mkdir -p "$D" && cd "$D" || exit 1
n=0
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
fail() { echo "journal_pipeline: FAIL ($mode): $*" >&2; exit 1; }
# bg FILE.rgp: starts the pipeline in the background as $pid (the process itself, to signal)
bg() {
    if [ "$mode" = run ]; then "$RGP" run "$1" 2>"$D/err" &
    else
        [ -x "${1%.rgp}.bin" ] || "$RGP" build "$1" -o "${1%.rgp}.bin" || fail "build $1"
        "./${1%.rgp}.bin" 2>"$D/err" &
    fi
    pid=$!
}
# pipe FILE.rgp [ARGS]: runs a pipeline FILE.rgp [ARGS] through the mode under test, stderr to $D/err
pipe() {
    f=$1
    shift
    if [ "$mode" = run ]; then "$RGP" run "$f" "$@" 2>"$D/err"
    else
        [ -x "${f%.rgp}.bin" ] || "$RGP" build "$f" -o "${f%.rgp}.bin" || fail "build $f"
        "./${f%.rgp}.bin" "$@" 2>"$D/err"
    fi
}

cat > all.rgp <<'R'
schema All { id: u64, name: str, v: f64, t: time, small: i32, neg: i64, ok: bool, u: u32 }
source in = file("in.csv") as csv(All, header: true)
sink j = journal("j") <- in
R
cat > back.rgp <<'R'
schema All { id: u64, name: str, v: f64, t: time, small: i32, neg: i64, ok: bool, u: u32 }
source r = journal("j", follow: false) as All
sink o = stdout as csv <- r
R
cat > in.csv <<'C'
id,name,v,t,small,neg,ok,u
0,plain,1.5,1000,-2147483648,-9223372036854775808,true,4294967295
1,"with, comma",-1e-6,1767261600000,2147483647,9223372036854775807,false,0
2,"quote "" and
newline",1e300,0,0,-1,true,7
3,,0,-5,-1,0,false,1
4,ünïcödé ✓,123456.789,1767261600123,42,-42,true,42
C

for mode in run build; do
    rm -rf j j2 *.bin out.csv
    n=$((n + 1)); pipe all.rgp || fail "all.rgp: $(cat err)"
    n=$((n + 1)); "$RGP" journal verify j >/dev/null 2>&1 || fail "verify after the first write"
    n=$((n + 1)); pipe back.rgp > back.csv || fail "back.rgp: $(cat err)"
    cmp -s in.csv back.csv || fail "the round trip changed the records: $(diff in.csv back.csv | head -5)"
    # a second run appends: offsets go on, the records twice
    n=$((n + 1)); pipe all.rgp || fail "all.rgp again"
    [ "$("$RGP" journal dump j | wc -l)" -eq 10 ] || fail "two runs did not append 10 records"
    "$RGP" journal dump j --from 9 | grep -q '^{"offset":9,"id":4,"name":"ünïcödé ✓"' || fail "dump of offset 9: $("$RGP" journal dump j --from 9)"

    # from: N and from: end; the journal's path as NAME=PATH
    cat > from.rgp <<'R'
schema All { id: u64, name: str, v: f64, t: time, small: i32, neg: i64, ok: bool, u: u32 }
source r = journal("nowhere", from: 7, follow: false) as All
stage ids = r | select { id }
sink o = stdout as csv <- ids
R
    n=$((n + 1)); [ "$(pipe from.rgp r=j | tr '\n' ' ')" = "id 2 3 4 " ] || fail "from: 7 with r=j: $(cat err)"
    sed 's/from: 7/from: end/' from.rgp > end.rgp
    n=$((n + 1)); [ "$(pipe end.rgp r=j | tr '\n' ' ')" = "id " ] || fail "from: end"

    # chained: journal -> where -> journal
    cat > chain.rgp <<'R'
schema All { id: u64, name: str, v: f64, t: time, small: i32, neg: i64, ok: bool, u: u32 }
source r = journal("j", follow: false) as All
stage good = r | where ok
sink j2 = journal("j2", sync: always, segment: 4 KB) <- good
R
    n=$((n + 1)); pipe chain.rgp || fail "chain: $(cat err)"
    [ "$("$RGP" journal dump j2 | wc -l)" -eq 6 ] || fail "chain: j2 should hold 6 records"

    # another record type: refused, naming both
    cat > other.rgp <<'R'
schema Other { id: u64, name: str }
source r = journal("j", follow: false) as Other
sink o = stdout as csv <- r
R
    n=$((n + 1)); pipe other.rgp >/dev/null && fail "a journal of another type was read"
    grep -q "holds records of another type (id:u64;name:str;v:f64;t:time;small:i32;neg:i64;ok:bool;u:u32); this pipeline reads (id:u64;name:str)" err ||
        fail "other type: $(cat err)"
    cat > othersink.rgp <<'R'
schema Other { id: u64, name: str }
source r = stdin as csv(Other)
sink j = journal("j") <- r
R
    n=$((n + 1)); echo "1,x" | pipe othersink.rgp && fail "a sink appended records of another type"
    grep -q "holds records of another type" err || fail "other sink type: $(cat err)"

    # following with a group: SIGTERM commits what the sinks wrote; the next run resumes there
    cat > follow.rgp <<'R'
schema All { id: u64, name: str, v: f64, t: time, small: i32, neg: i64, ok: bool, u: u32 }
source r = journal("j", from: committed, group: "billing") as All
stage ids = r | select { id }
sink o = file("follow.out") as csv <- ids
R
    rm -f j/group.billing
    bg follow.rgp
    i=0; until [ "$(lines follow.out)" = 11 ] || [ $i -ge 1500 ]; do sleep 0.02; i=$((i + 1)); done
    kill -TERM $pid; wait $pid
    n=$((n + 1)); [ "$(wc -l < follow.out)" -eq 11 ] || fail "follow: read $(cat follow.out | wc -l) lines"
    "$RGP" journal info j | grep -q "^committed  *billing 10$" || fail "follow: no commit at 10: $("$RGP" journal info j)"
    rm -f follow.out
    bg follow.rgp
    i=0; until [ -s follow.out ] || [ $i -ge 1500 ]; do sleep 0.02; i=$((i + 1)); done
    pipe all.rgp || fail "append while following"
    i=0; until [ "$(lines follow.out)" = 6 ] || [ $i -ge 1500 ]; do sleep 0.02; i=$((i + 1)); done
    kill -INT $pid; wait $pid
    n=$((n + 1)); [ "$(tr '\n' ' ' < follow.out)" = "id 0 1 2 3 4 " ] || fail "resume from committed: $(cat follow.out)"
    "$RGP" journal info j | grep -q "^committed  *billing 15$" || fail "second commit"

    # corruption: stop names the segment and byte; skip counts what it skipped
    cp -r j jbad
    seg=$(ls jbad/*.seg | head -1)
    printf 'XX' | dd of="$seg" bs=1 seek=300 conv=notrunc 2>/dev/null
    n=$((n + 1)); pipe from.rgp r=jbad >/dev/null && fail "a corrupt journal was read to the end"
    grep -q "corrupt frame at byte [0-9]* (offset [0-9]*); stopping at offset" err || fail "corrupt: $(cat err)"
    sed 's/follow: false/follow: false, on_corrupt: skip/; s/from: 7/from: 0/' from.rgp > skip.rgp
    n=$((n + 1)); pipe skip.rgp r=jbad > skip.out || fail "skip: $(cat err)"
    grep -q "skipped 1 corrupt record" err || fail "skip did not count: $(cat err)"
    [ "$(wc -l < skip.out)" -eq 15 ] || fail "skip: $(wc -l < skip.out) lines, expected 14 records and the header"
    rm -rf jbad
done
mode=strace
# the sync policy, seen from outside: always syncs per record, never does not sync
if command -v strace >/dev/null 2>&1; then
    seq 1 50 | awk '{ print $1 ",n" $1 }' > ids.csv
    for policy in always never "100 ms"; do
        cat > sync.rgp <<R
schema S { id: u64, name: str }
source r = file("ids.csv") as csv(S)
sink j = journal("js", sync: $policy) <- r
R
        rm -rf js
        strace -f -qq -e trace=fdatasync -o strace.out "$RGP" run sync.rgp 2>err || fail "sync: $policy: $(cat err)"
        syncs=$(grep -c fdatasync strace.out)
        case $policy in
        always) [ "$syncs" -ge 50 ] || fail "sync: always made $syncs fdatasync calls for 50 records" ;;
        never) [ "$syncs" -eq 0 ] || fail "sync: never made $syncs fdatasync calls" ;;
        *) [ "$syncs" -ge 1 ] && [ "$syncs" -le 5 ] || fail "sync: 100 ms made $syncs fdatasync calls for a short run" ;;
        esac
        n=$((n + 1))
    done
    # an idle following reader polls every 1 ms but lists its directory only
    # about once a second (and when a rolled segment appears), not on every poll
    # (js holds the 50 records of the last run above; jf is empty)
    rm -rf jf && mkdir jf
    for dir in js jf; do
        cat > idle.rgp <<R
schema S { id: u64, name: str }
source j = journal("$dir", from: start) as S
sink o = stdout as csv <- j
R
        strace -f -qq -e trace=getdents64 -o strace.out "$RGP" run idle.rgp >idle.out 2>err &
        spid=$!
        sleep 2
        kill -INT $(pgrep -P $spid) $spid 2>/dev/null
        wait $spid 2>/dev/null
        lists=$(grep -c getdents64 strace.out)
        [ "$lists" -le 40 ] || fail "an idle follower of $dir listed its directory $lists times in 2 s"
        rows=$(grep -c '^[0-9]*,n' idle.out)
        want=50 && [ $dir = jf ] && want=0
        [ "$rows" -eq $want ] || fail "the follower of $dir printed $rows records, not $want"
        n=$((n + 1))
    done
fi

# kill -9 of a pipeline writing a journal (stdin through a pipe) at random moments:
# each time the journal verifies, and every record in it is a whole input row
mode=kill
cat > kill.rgp <<'R'
schema K { id: u64, name: str }
source r = stdin as csv(K)
sink j = journal("jk", sync: 5 ms, segment: 64 KB) <- r
R
"$RGP" build kill.rgp -o kill.bin || fail "build kill.rgp"
rm -rf jk
for ms in $(awk 'BEGIN { srand(7); for (i = 0; i < 30; i++) printf "%d ", 5 + int(rand() * 60) }'); do
    awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%d,row-%d\n", i, i }' | ./kill.bin 2>>kill.err &
    pid=$!
    sleep "0.0$(printf '%02d' "$ms")" 2>/dev/null || sleep 0.05
    pkill -9 -f "$D/kill.bin" 2>/dev/null || kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    "$RGP" journal verify jk >/dev/null 2>verify.err || fail "verify after kill -9: $(cat verify.err)"
done
n=$((n + 1))
"$RGP" journal dump jk | awk -F'[{}":,]+' '$7 != "row-" $5 { print "bad record: " $0; bad = 1; exit } END { exit bad }' ||
    fail "a record in the journal is not an input row"
durable=$("$RGP" journal info jk | sed -n 's/^durable  *//p')
next=$("$RGP" journal info jk | sed -n 's/^next  *//p')
[ "$next" -ge "$durable" ] || fail "next $next below durable $durable"
echo "journal_pipeline: $n checks passed (run and build; 30 kills of a pipeline, $next records kept)"
