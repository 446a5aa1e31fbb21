#!/bin/sh
# The order-book replay: EVENTS adds, modifies and cancels (default 5M, from
# gen.c, 8 symbols, every row naming its symbol) through `rgp build` binaries:
#   replay  orderbook.rgp: one keyed block per symbol, the levels and the live
#           orders in maps (an order deleted when it goes);
#   by_id   orderbook_by_id.rgp, examples/orderbook.rgp's two stages: keyed
#           state per order id (which the runtime keeps for every id ever
#           seen), then the levels in maps per symbol;
#   book    by_id's second stage alone, over the level changes its first makes.
# Each writes the changes of the top of book. Prints the best of ROUNDS wall
# times and the CPU time (user + system, every thread) of that run, each as
# events per second: on a shared machine the CPU time is the steadier number.
# A benchmark: it prints numbers and never fails the build.
# Usage: bench/orderbook/run.sh [EVENTS [ROUNDS]]
set -u
EVENTS=${1:-5000000} ROUNDS=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
D=$root/build/bench/orderbook
mkdir -p "$D"
${CC:-cc} -std=c11 -O2 -o "$D/gen" "$here/gen.c" || { echo "bench orderbook: gen.c does not build"; exit 0; }
made="$D/orders.$EVENTS.$(cksum <"$here/gen.c" | cut -d' ' -f1)"   # remade when gen.c changes
if [ ! -f "$made" ]; then
    "$D/gen" "$EVENTS" 8 >"$D/orders.csv" && rm -f "$D"/orders.[0-9]* && touch "$made"
fi
cp "$here/orderbook.rgp" "$here/orderbook_by_id.rgp" "$D/" && "$root/build/rgp" build "$D/orderbook.rgp" -o "$D/orderbook" &&
    "$root/build/rgp" build "$D/orderbook_by_id.rgp" -o "$D/orderbook_by_id" || { echo "bench orderbook: rgp build failed"; exit 0; }
# the book alone: the level changes, written once by a pipeline of by_id's first stage
sed -n '/^schema Event/,/^stage book/p' "$here/orderbook_by_id.rgp" | sed '$d' >"$D/levels.rgp"
echo 'sink all = file("levels.csv") as csv <- levels' >>"$D/levels.rgp"
{ echo 'schema Level { ts: time, symbol: str, side: str, price: i64, change: i64 }'
  echo 'source levels = file("levels.csv") as csv(Level, header: true)'
  sed -n '/^stage book/,$p' "$here/orderbook_by_id.rgp"; } >"$D/book.rgp"
"$root/build/rgp" run "$D/levels.rgp" && "$root/build/rgp" build "$D/book.rgp" -o "$D/book" || { echo "bench orderbook: the book alone failed"; exit 0; }
changes=$(($(wc -l <"$D/levels.csv") - 1))
best() {   # best NAME EVENTS BINARY: the least wall time of ROUNDS runs, and that run's CPU time
    name=$1 n=$2 bin=$3 b="" cpu=""
    for r in $(seq "$ROUNDS"); do
        (cd "$D" && /usr/bin/time -o "$D/time.txt" -f '%e %U %S' "$bin" >/dev/null 2>&1)
        t=$(tail -1 "$D/time.txt")
        b=$(echo "$t ${b:-999999} ${cpu:-0}" | awk '{ if ($1 < $4) print $1, $2 + $3; else print $4, $5 }')
        cpu=${b#* } b=${b% *}
    done
    printf '%-6s %9d events %6.2f s wall %5.1f M events/s   %6.2f s CPU %5.1f M events/CPU-s\n' "$name" "$n" "$b" \
        "$(echo "$n $b" | awk '{ print $1 / $2 / 1e6 }')" "$cpu" "$(echo "$n $cpu" | awk '{ print $1 / ($2 > 0 ? $2 : 1e-9) / 1e6 }')"
}
echo "orderbook: $EVENTS events, 8 symbols ($(nproc) CPUs; load $(cut -d' ' -f1 /proc/loadavg))"
best replay "$EVENTS" ./orderbook
best by_id "$EVENTS" ./orderbook_by_id
best book "$changes" ./book
echo "top of book: $(($(wc -l <"$D/top_of_book.csv") - 1)) changes"
