#!/bin/sh
# nats(...) sources against a real nats-server -js on a free 127.0.0.1 port,
# its store under build/nats/, stopped by its PID at the end; tests/nats_tool.c
# is the other end (there is no `nats` CLI in Debian). Through rgp run and a
# rgp build binary: sequence-numbered keyed records are published, before and
# while rgp reads them through two threads into a file; rgp is killed with -9
# at random moments mid-stream (three times; a small ring keeps a batch in
# flight most of the time, so an ack that came before the write would lose
# records here), run again and stopped with SIGTERM (exit 143),
# then run to the end (idle: 2 s). No sequence number may be missing; the
# per-key counts of distinct records must equal the offline ones; duplicates
# (redelivered, never acked) are counted and shown. A bad message is rejected
# and named by subject and stream sequence. Every wait is bounded.
# Usage: tests/nats.sh PATH/TO/rgp PATH/TO/nats_tool
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tool=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
store=$root/build/nats/store.$$
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-nats.XXXXXX")
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work" "$store"
}
trap cleanup EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL nats ($mode): $1"; failed=$((failed + 1)); }
mode=setup

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=nats://127.0.0.1:$port
mkdir -p "$store"
nats-server -js -a 127.0.0.1 -p "$port" -sd "$store" >"$work/server.log" 2>&1 &
server=$!
up=0
for i in $(seq 1 100); do   # at most 10 s for the server to listen
    "$tool" "$url" create PROBE 'probe.>' 2>/dev/null && { up=1; break; }
    sleep 0.1
done
[ $up = 1 ] || { echo "FAIL nats: nats-server did not start on $url"; cat "$work/server.log"; exit 1; }

cat >"$work/keyed.rgp" <<'RGP'
schema Event { key: str, seq: u64 }
source e = nats("nats://127.0.0.1:9", stream: "EVENTS", subject: "ev.>", durable: "rgp", idle: 2 s, ack_wait: 2 s) as jsonl(Event) with { ring: 64 }
stage tagged = e | select { key, seq, twice: seq * 2 } with { thread: own }
sink out = file("out.jsonl", append: true) as jsonl <- tagged
RGP
"$rgp" build "$work/keyed.rgp" -o "$work/keyed.bin" || { echo "FAIL nats: rgp build"; exit 1; }

# run ARGS... &: the pipeline, by rgp run or its built binary, as the background job itself ($! is its pid,
# so that kill -9 reaches rgp; finish bounds the wait)
run() {
    if [ "$mode" = jit ]; then exec "$rgp" run "$work/keyed.rgp" "$@"; else exec "$work/keyed.bin" "$@"; fi
}
# finish PID: its exit status, waiting at most 120 s (then it is killed: 137)
finish() {
    for i in $(seq 1 1200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$1" 2>/dev/null
    wait "$1"
}
lines() { [ -f "$work/out.jsonl" ] && wc -l <"$work/out.jsonl" || echo 0; }

n1=60000 n2=60000 keys=13
total=$((n1 + n2))
awk -v n=$total -v k=$keys 'BEGIN { for (i = 0; i < n; i++) c["k" (i % k)]++; for (x in c) print x, c[x] }' | sort >"$work/want.keys"
for mode in jit aot; do
    rm -f "$work/out.jsonl"; kills=
    "$tool" "$url" create EVENTS 'ev.>' || { bad "cannot create the stream"; continue; }
    "$tool" "$url" publish ev 0 $n1 $keys || bad "publish"
    "$tool" "$url" raw ev.bad 'not json' || bad "publish the bad message"
    ("$tool" "$url" publish ev $n1 $n2 $keys) & pub=$!   # more while rgp reads
    : >"$work/err1"
    for round in 1 2 3; do   # three kill -9 at random moments, each after more records came out
        before=$(lines)
        run e="$url" out="$work/out.jsonl" 2>>"$work/err1" & pid=$!
        for i in $(seq 1 200); do [ "$(lines)" -gt $((before + 1000)) ] && break; sleep 0.05; done
        sleep "0.$(awk -v r=$round 'BEGIN { srand(); printf "%d", rand() * 3 }')"
        kill -9 $pid 2>/dev/null
        wait $pid 2>/dev/null
        kills="${kills:-} $(lines)"
    done
    wait $pub || bad "publish while rgp reads"
    at_kill=$(lines)
    [ "$at_kill" -lt $total ] || bad "the kills came after the end ($at_kill records): not mid-stream"
    # again, stopped by SIGTERM: it drains, acks what it wrote, exits 143
    run e="$url" out="$work/out.jsonl" 2>"$work/err2" & pid=$!
    before=$at_kill
    for i in $(seq 1 200); do [ "$(lines)" -gt $((before + 100)) ] && break; sleep 0.05; done
    kill -TERM $pid 2>/dev/null
    finish $pid; rc=$?
    [ $rc = 143 ] && ok || { bad "SIGTERM: exit $rc, not 143"; cat "$work/err2"; }
    # and to the end: idle for 2 s once the stream is read
    run e="$url" out="$work/out.jsonl" 2>"$work/err3" & pid=$!
    finish $pid; rc=$?
    [ $rc = 0 ] && ok || { bad "the last run: exit $rc"; cat "$work/err3"; }
    # nothing missing, per key right, duplicates counted
    sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$work/out.jsonl" | sort -u >"$work/got.seq"
    seq 0 $((total - 1)) | sort >"$work/want.seq"
    if cmp -s "$work/got.seq" "$work/want.seq"; then ok; else
        bad "sequence numbers missing: $(comm -13 "$work/got.seq" "$work/want.seq" | wc -l) of $total (kill -9 after$kills records)"
    fi
    sort -u "$work/out.jsonl" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p' | sort | uniq -c | awk '{ print $2, $1 }' | sort >"$work/got.keys"
    cmp -s "$work/got.keys" "$work/want.keys" && ok || bad "per-key counts differ from the offline ones"
    grep -q '"twice":' "$work/out.jsonl" && ok || bad "the stage did not run"
    dups=$(($(lines) - total))
    echo "nats ($mode): $total records, kill -9 after$kills written, $dups duplicates (redelivered)"
    cat "$work/err1" "$work/err2" "$work/err3" >"$work/err"
    grep -q "stream EVENTS subject ev.bad, sequence:$((n1 + 1)): row rejected" "$work/err" && ok ||
        { bad "the bad message was not rejected by name"; cat "$work/err"; }
done

# a csv source and lines: each message's data is one record
mode=formats
"$tool" "$url" create LOGS 'log.>' >/dev/null
"$tool" "$url" raw log.a '1,alpha' && "$tool" "$url" raw log.b '2,beta' && "$tool" "$url" raw log.c 'x,gamma'
cat >"$work/csv.rgp" <<'RGP'
schema Row { n: u32, word: str }
source r = nats("nats://127.0.0.1:9", stream: "LOGS", subject: "log.>", durable: "csvreader", idle: 500 ms) as csv(Row)
sink o = stdout as csv <- r
RGP
timeout 60 "$rgp" run "$work/csv.rgp" r="$url" >"$work/csv.out" 2>"$work/csv.err"
printf 'n,word\n1,alpha\n2,beta\n' | cmp -s - "$work/csv.out" && ok || { bad "csv: $(cat "$work/csv.out")"; cat "$work/csv.err"; }
grep -q "subject log.c, sequence:3: row rejected" "$work/csv.err" && ok || { bad "csv: the bad row"; cat "$work/csv.err"; }
cat >"$work/lines.rgp" <<'RGP'
schema Line { text: str }
source r = nats("nats://127.0.0.1:9", stream: "LOGS", subject: "log.>", durable: "linereader", idle: 500 ms) as lines(Line)
sink o = stdout as csv(header: false) <- r
RGP
timeout 60 "$rgp" run "$work/lines.rgp" r="$url" >"$work/lines.out" 2>"$work/lines.err"
printf '"1,alpha"\n"2,beta"\n"x,gamma"\n' | cmp -s - "$work/lines.out" && ok || { bad "lines: $(cat "$work/lines.out")"; cat "$work/lines.err"; }

# the sink: each record published once, under a subject made of its fields; then
# the server is killed with -9 mid-stream and started again on its store: rgp
# reconnects and sends again what was not acked, and the stream still holds
# each record once (Nats-Msg-Id)
cat >"$work/sink.rgp" <<'RGP'
schema Event { key: str, seq: u64 }
source e = stdin as jsonl(Event)
sink o = nats("nats://127.0.0.1:9", subject: "snk.{key}.s{seq}") as jsonl <- e
RGP
"$rgp" build "$work/sink.rgp" -o "$work/sink.bin" || bad "rgp build of the sink"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "{\"key\":\"k%d\",\"seq\":%d}\n", i % 7, i }' >"$work/sink.in"
sort "$work/sink.in" >"$work/sink.want"
start_server() {
    nats-server -js -a 127.0.0.1 -p "$port" -sd "$store" >>"$work/server.log" 2>&1 &
    server=$!
    for i in $(seq 1 100); do "$tool" "$url" count PROBE >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "FAIL nats: nats-server did not start again"; return 1
}
for mode in jit aot; do
    "$tool" "$url" create SNK 'snk.>'
    if [ $mode = jit ]; then sink="$rgp run $work/sink.rgp"; else sink=$work/sink.bin; fi
    timeout 60 $sink o="$url" <"$work/sink.in" 2>"$work/sink.err"; rc=$?
    [ $rc = 0 ] && ok || { bad "sink: exit $rc"; cat "$work/sink.err"; }
    "$tool" "$url" dump SNK 'snk.>' | sort >"$work/sink.got"
    cmp -s "$work/sink.got" "$work/sink.want" && ok || bad "sink: the stream does not hold each record once ($(wc -l <"$work/sink.got") of 20000)"
    "$tool" "$url" dump SNK 'snk.k3.s10' | grep -qx '{"key":"k3","seq":10}' && ok || bad "sink: the subject is not made of the fields"
    # across a kill -9 of the server
    "$tool" "$url" create SNK 'snk.>'
    awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"key\":\"k%d\",\"seq\":%d}\n", i % 7, i }' >"$work/big.in"
    timeout 120 $sink o="$url" <"$work/big.in" 2>"$work/sink.err" & pid=$!
    for i in $(seq 1 200); do [ "$("$tool" "$url" count SNK 2>/dev/null || echo 0)" -gt 20000 ] && break; sleep 0.05; done
    kill -9 $server; wait $server 2>/dev/null
    sleep 1
    start_server || break
    wait $pid; rc=$?
    [ $rc = 0 ] && ok || { bad "sink across a server restart: exit $rc"; cat "$work/sink.err"; }
    got=$("$tool" "$url" count SNK)
    "$tool" "$url" dump SNK 'snk.>' | sort -u | wc -l >"$work/uniq"
    [ "$got" = 200000 ] && [ "$(cat "$work/uniq")" = 200000 ] && ok ||
        { bad "sink across a server restart: $got stored, $(cat "$work/uniq") distinct, of 200000"; cat "$work/sink.err"; }
    echo "nats sink ($mode): across a server restart: $(grep -o '[0-9]* sent again' "$work/sink.err" || echo '0 sent again')"
done

# errors that name the URL
mode=errors
timeout 30 "$rgp" run "$work/csv.rgp" r=nats://127.0.0.1:1 >/dev/null 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "csv.rgp:2:8: error: source 'r': cannot connect to nats://127.0.0.1:1" "$work/err" && ok ||
    { bad "no server: exit $rc"; cat "$work/err"; }
sed 's/"LOGS"/"NOPE"/' "$work/csv.rgp" >"$work/nope.rgp"
timeout 30 "$rgp" run "$work/nope.rgp" r="$url" >/dev/null 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "no stream 'NOPE'" "$work/err" && ok || { bad "no stream: exit $rc"; cat "$work/err"; }

echo "nats: $passed passed, $failed failed"
[ $failed = 0 ]
