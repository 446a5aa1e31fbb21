#!/bin/sh
# rgp's nats source against bench/nats/pull.c, a minimal hand-written libnats
# pull consumer that fetches and acks (issue 12's target: at least 90% of its
# rate). Both read the same N messages of one stream on a nats-server -js of
# our own (store under build/nats/, stopped by its PID); rgp counts them with
# a group. Each rate is N over the wall time less the 500 ms idle end both
# have, the best of three rounds each. A benchmark: it prints numbers and never fails a build.
# Usage: bench/nats/run.sh [N]   (from the repository's top; builds what it needs)
set -u
n=${1:-300000}
root=$(cd "$(dirname "$0")/../.." && pwd)
b=$root/build
make -s -C "$root" build/rgp build/nats_tool || exit 1
cc -std=c11 -O2 -o "$b/nats_pull" "$root/bench/nats/pull.c" -lnats || exit 1
store=$b/nats/bench.$$
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-natsbench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=nats://127.0.0.1:$port
mkdir -p "$store"
nats-server -js -a 127.0.0.1 -p "$port" -sd "$store" >"$work/server.log" 2>&1 & server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work" "$store"' EXIT
for i in $(seq 1 100); do "$b/nats_tool" "$url" create B 'b.>' 2>/dev/null && break; sleep 0.1; done
"$b/nats_tool" "$url" publish b 0 "$n" 16 || exit 1
now() { date +%s.%N; }
rate() { echo "$n $1 $2" | awk '{ printf "%.0f", $1 / ($3 - $2 - 0.5) }'; }
best_hand=0 best_rgp=0
for round in 1 2 3; do   # alternating, each on a durable consumer of its own; the best of three each
    sed "s/ROUND/$round/" >"$work/count.rgp" <<'RGP'
schema Event { key: str, seq: u64 }
source e = nats("nats://127.0.0.1:9", stream: "B", subject: "b.>", durable: "rgpROUND", idle: 500 ms) as jsonl(Event)
stage n = e | group { n: count() }
sink o = stdout as csv(header: false) <- n
RGP
    "$b/rgp" build "$work/count.rgp" -o "$work/count" || exit 1
    t0=$(now); got=$("$b/nats_pull" "$url" B 'b.>' "hand$round"); t1=$(now)
    [ "$got" = "$n" ] || echo "hand-written consumer: $got messages of $n"
    r=$(rate "$t0" "$t1"); [ "$r" -gt $best_hand ] && best_hand=$r
    t0=$(now); got=$("$work/count" e="$url"); t1=$(now)
    [ "$got" = "$n" ] || echo "rgp: $got records of $n"
    r=$(rate "$t0" "$t1"); [ "$r" -gt $best_rgp ] && best_rgp=$r
done
echo "hand-written pull consumer (fetch 4096, ack each, flush): $best_hand msg/s"
echo "rgp nats source (rgp build, counting): $best_rgp msg/s, $(echo "$best_rgp $best_hand" | awk '{ printf "%.0f", 100 * $1 / $2 }')% of the hand-written one"
