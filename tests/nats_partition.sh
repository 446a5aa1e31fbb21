#!/bin/sh
# Scale-out across processes (issue 12 item 7): examples/nats_partitioned.rgp
# against a real nats-server -js on a free 127.0.0.1 port, configured by
# examples/nats_partitioned.conf with the mapping
#   "events.*": "events.{{partition(3,1)}}.{{wildcard(1)}}"
# so that a record published to events.KEY is stored as events.P.KEY. Three
# processes read partition: env("PARTITION") of partitions: 3 (two built
# binaries, one rgp run), each counting per key; the second is killed with -9 mid-stream and run
# again. Every key must reach exactly one process, every partition some keys,
# no sequence number may be missing, and the per-key counts must equal the
# offline ones. The server's store is under build/nats/, stopped by its PID.
# Usage: tests/nats_partition.sh PATH/TO/rgp PATH/TO/nats_tool
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tool=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
store=$root/build/nats/partition.$$
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-natsp.XXXXXX")
server= pids=
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work" "$store"
}
trap cleanup EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL nats partitions: $1"; failed=$((failed + 1)); }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=nats://127.0.0.1:$port
mkdir -p "$store"
sed -e "s|^listen: .*|listen: 127.0.0.1:$port|" -e "s|store_dir: \"[^\"]*\"|store_dir: \"$store\"|" \
    "$root/examples/nats_partitioned.conf" >"$work/server.conf"
nats-server -c "$work/server.conf" >"$work/server.log" 2>&1 &
server=$!
up=0
for i in $(seq 1 100); do   # at most 10 s for the server to listen
    "$tool" "$url" create EVENTS 'events.>' 2>/dev/null && { up=1; break; }
    sleep 0.1
done
[ $up = 1 ] || { echo "FAIL nats partitions: nats-server did not start on $url"; cat "$work/server.log"; exit 1; }

cp "$root/examples/nats_partitioned.rgp" "$work/part.rgp"   # the example itself, with a small ring: batches in flight
sed -i 's/as jsonl(Event)$/as jsonl(Event) with { ring: 64 }/' "$work/part.rgp"
grep -q 'ring: 64' "$work/part.rgp" || { echo "FAIL nats partitions: the example's source line changed"; exit 1; }
"$rgp" build "$work/part.rgp" -o "$work/part.bin" || { echo "FAIL nats partitions: rgp build"; exit 1; }

n1=30000 n2=30000 keys=30
total=$((n1 + n2))
"$tool" "$url" publish events 0 $n1 $keys || bad "publish"
# the three processes; the second through rgp run
start() {   # start P: partition P in the background, its pid in $pid
    if [ "$1" = 1 ]; then
        PARTITION=$1 "$rgp" run "$work/part.rgp" events="$url" archive="$work/raw$1.jsonl" counts="$work/counts$1.csv" 2>>"$work/err$1" & pid=$!
    else
        PARTITION=$1 "$work/part.bin" events="$url" archive="$work/raw$1.jsonl" counts="$work/counts$1.csv" 2>>"$work/err$1" & pid=$!
    fi
}
finish() {   # finish PID: its exit status, waiting at most 120 s (then it is killed: 137)
    for i in $(seq 1 1200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$1" 2>/dev/null
    wait "$1"
}
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
start 0; p0=$pid; start 2; p2=$pid
start 1; p1=$pid; pids="$p0 $p1 $p2"
("$tool" "$url" publish events $n1 $n2 $keys) & pub=$!   # more while they read
for i in $(seq 1 400); do [ "$(lines "$work/raw1.jsonl")" -gt 2000 ] && break; sleep 0.05; done
kill -9 $p1; wait $p1 2>/dev/null
killed_at=$(lines "$work/raw1.jsonl")
wait $pub || bad "publish while they read"
start 1; p1=$pid; pids="$p0 $p1 $p2"
for p in $p0 $p1 $p2; do finish $p || bad "a process exited with status $?"; done
pids=

# every sequence number, each key in one partition only, per-key counts right
cat "$work"/raw?.jsonl | sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | sort -u >"$work/got.seq"
seq 0 $((total - 1)) | sort >"$work/want.seq"
cmp -s "$work/got.seq" "$work/want.seq" && ok || { bad "sequence numbers missing: $(comm -13 "$work/got.seq" "$work/want.seq" | wc -l) of $total"; comm -13 "$work/got.seq" "$work/want.seq" | head -5; cat "$work"/err?; }
for p in 0 1 2; do sed -n 's/.*"key":"\([^"]*\)".*/\1/p' "$work/raw$p.jsonl" | sort -u | sed "s/\$/ $p/"; done >"$work/key.part"
[ "$(wc -l <"$work/key.part")" = $keys ] && [ "$(cut -d' ' -f1 "$work/key.part" | sort -u | wc -l)" = $keys ] && ok ||
    bad "a key reached more than one process: $(cut -d' ' -f1 "$work/key.part" | sort | uniq -d | tr '\n' ' ')"
[ "$(cut -d' ' -f2 "$work/key.part" | sort -u | wc -l)" = 3 ] && ok || bad "not every partition had keys: $(cut -d' ' -f2 "$work/key.part" | sort | uniq -c | tr '\n' ' ')"
awk -v n=$total -v k=$keys 'BEGIN { for (i = 0; i < n; i++) c["k" (i % k)]++; for (x in c) print x, c[x] }' | sort >"$work/want.keys"
sort -u "$work"/raw?.jsonl | sed -n 's/.*"key":"\([^"]*\)".*/\1/p' | sort | uniq -c | awk '{ print $2, $1 }' | sort >"$work/got.keys"
cmp -s "$work/got.keys" "$work/want.keys" && ok || bad "per-key counts of distinct records differ from the offline ones"
# the processes that were not killed counted each of their keys exactly (group by key, whole input)
cat "$work/counts0.csv" "$work/counts2.csv" | tr ',' ' ' | sort >"$work/got.counts"
grep -v " 1\$" "$work/key.part" | cut -d' ' -f1 | sort | join - "$work/want.keys" >"$work/want.counts"
[ -s "$work/want.counts" ] && cmp -s "$work/got.counts" "$work/want.counts" && ok || bad "per-key counts of partitions 0 and 2 differ from the offline ones"
owed=$(grep -c "messages are still owed" "$work/err1")
echo "nats partitions: $total records over 3 processes, partition 1 killed with -9 after $killed_at records (its second run waited for owed messages: $owed); keys per partition: $(cut -d' ' -f2 "$work/key.part" | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')"

# a partition env that is not a number below partitions
PARTITION=3 timeout 30 "$work/part.bin" events="$url" archive=/dev/null counts=/dev/null 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "partition: env(\"PARTITION\") is \"3\", not a partition from 0 to 2" "$work/err" && ok || { bad "PART=3: exit $rc"; cat "$work/err"; }

echo "nats partitions: $passed passed, $failed failed"
[ $failed = 0 ]
