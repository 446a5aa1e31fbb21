#!/bin/sh
# A nats source against a real 3-node nats-server cluster on free 127.0.0.1
# ports (JetStream, a stream of 3 replicas, stores under build/nats/): rgp
# reads through the URLs of all three; mid-stream the server that leads the
# stream is killed with -9. The other two elect a new leader, libnats
# reconnects, and rgp goes on to the end (idle: 3 s, which does not end the
# stream while the servers cannot answer). No sequence number may be missing.
# Then the killed server is started again on its store and the stream still
# holds every record. Every server is stopped by its PID; every wait is bounded.
# Usage: tests/nats_cluster.sh PATH/TO/rgp PATH/TO/nats_tool
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tool=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
store=$root/build/nats/cluster.$$
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-natsc.XXXXXX")
spid1= spid2= spid3= pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    for p in $spid1 $spid2 $spid3; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$work" "$store"
}
trap cleanup EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL nats cluster: $1"; failed=$((failed + 1)); }

# six free ports: a client and a route port for each node
set -- $(python3 -c '
import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
c1=$1 c2=$2 c3=$3 r1=$4 r2=$5 r3=$6
url="nats://127.0.0.1:$c1,nats://127.0.0.1:$c2,nats://127.0.0.1:$c3"
for n in 1 2 3; do
    eval "c=\$c$n r=\$r$n"
    mkdir -p "$store/n$n"
    cat >"$work/n$n.conf" <<CONF
server_name: n$n
listen: 127.0.0.1:$c
jetstream { store_dir: "$store/n$n" }
cluster {
  name: rgp-test
  listen: 127.0.0.1:$r
  routes: [ nats-route://127.0.0.1:$r1, nats-route://127.0.0.1:$r2, nats-route://127.0.0.1:$r3 ]
}
CONF
done
start() {   # start N: node N in the background
    nats-server -c "$work/n$1.conf" >>"$work/n$1.log" 2>&1 &
    eval "spid$1=\$!"
}
start 1; start 2; start 3
up=0
for i in $(seq 1 300); do   # at most 30 s for the cluster to form and elect its JetStream leader
    "$tool" "$url" create EVENTS 'ev.>' 3 2>/dev/null && { up=1; break; }
    sleep 0.1
done
[ $up = 1 ] || { echo "FAIL nats cluster: the cluster did not form"; tail -5 "$work"/n?.log; exit 1; }

total=20000 keys=7
"$tool" "$url" publish ev 0 $total $keys || bad "publish"
[ "$("$tool" "$url" count EVENTS)" = $total ] && ok || bad "the stream does not hold $total records"

cat >"$work/read.rgp" <<'RGP'
schema Event { key: str, seq: u64 }
source e = nats("nats://127.0.0.1:9", stream: "EVENTS", subject: "ev.>", durable: "rgp", idle: 3 s, ack_wait: 2 s) as jsonl(Event) with { ring: 64 }
sink out = file("out.jsonl", append: true) as jsonl <- e
RGP
lines() { [ -f "$work/out.jsonl" ] && wc -l <"$work/out.jsonl" || echo 0; }
"$rgp" build "$work/read.rgp" -o "$work/read.bin" || { echo "FAIL nats cluster: rgp build"; exit 1; }
"$work/read.bin" e="$url" out="$work/out.jsonl" 2>"$work/err" & pid=$!
for i in $(seq 1 600); do [ "$(lines)" -gt 2000 ] && break; sleep 0.05; done
leader=$("$tool" "$url" leader EVENTS)
case "$leader" in n1|n2|n3) ok ;; *) bad "no leader: '$leader'" ;; esac
n=${leader#n}
eval "victim=\$spid$n"
kill -9 "$victim"; wait "$victim" 2>/dev/null
eval "spid$n="
at_kill=$(lines)
[ "$at_kill" -lt $total ] && ok || bad "the kill came after the end ($at_kill records): not mid-stream"
for i in $(seq 1 1800); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done   # at most 180 s
kill -9 $pid 2>/dev/null; wait $pid; rc=$?; pid=
[ $rc = 0 ] && ok || { bad "rgp exited with status $rc"; tail -5 "$work/err"; }
sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$work/out.jsonl" | sort -u >"$work/got.seq"
seq 0 $((total - 1)) | sort >"$work/want.seq"
cmp -s "$work/got.seq" "$work/want.seq" && ok ||
    { bad "sequence numbers missing: $(comm -13 "$work/got.seq" "$work/want.seq" | wc -l) of $total"; tail -5 "$work/err"; }
# the killed node comes back on its store, and the stream is whole on the cluster
start $n
for i in $(seq 1 300); do [ "$("$tool" "$url" count EVENTS 2>/dev/null)" = $total ] && break; sleep 0.1; done
[ "$("$tool" "$url" count EVENTS 2>/dev/null)" = $total ] && ok || bad "after the restart of $leader the stream does not hold $total records"
echo "nats cluster: $total records; stream leader $leader killed with -9 after $at_kill were written; $(($(lines) - total)) duplicates"

echo "nats cluster: $passed passed, $failed failed"
[ $failed = 0 ]
