#!/bin/sh
# A merge on ts feeding a stream table and the join against it gives one
# output whatever the thread timing: generated quotes and trades (trades up to
# 40 ms out of order, within the merge's lateness), small rings so that the
# threads take turns often, run 10 times through `rgp run` and 10 times as a
# built binary; every output must be the same, and equal to an independent
# replay in Python (sort by time, input, place; keep each symbol's latest quote).
# Usage: tests/merge_order.sh PATH/TO/rgp
set -u
RGP=$1
D=build/merge_order
rm -rf "$D" && mkdir -p "$D"
D=$(cd "$D" && pwd)
fail() { echo "merge_order: FAIL: $*" >&2; exit 1; }
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$D/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME

python3 - "$D" <<'PY' || fail "generating the data"
import random, sys
d = sys.argv[1]
rnd = random.Random(14)
syms = ["S%02d" % i for i in range(30)]
with open(d + "/quotes.csv", "w") as q:
    t = 0
    for i in range(20000):
        t += rnd.randint(0, 3)
        q.write("quote,%s,%d.%d,0,%d\n" % (rnd.choice(syms), rnd.randint(1, 999), rnd.randint(1, 9), t))
with open(d + "/trades.csv", "w") as f:
    t = 0
    for i in range(20000):
        t += rnd.randint(0, 3)
        f.write("trade,%s,0,%d,%d\n" % (rnd.choice(syms + ["NONE"]), rnd.randint(1, 500), max(0, t - rnd.randint(0, 40))))
PY

cat > "$D/order.rgp" <<'RGP'
schema Ev { kind: str, symbol: str, price: f64, qty: i64, ts: time }
options { ring: 64 }
source quotes = file("quotes.csv") as csv(Ev)
source trades = file("trades.csv") as csv(Ev)
stage events = merge(quotes, trades) on ts lateness: 40 ms
stage prices = events | where kind == "quote" | select { symbol, price, ts }
table latest = stream prices by symbol
stage filled = events | where kind == "trade" | join latest on symbol or default
    | select { ts, symbol, qty, price: latest.price, quoted: latest.ts }
sink out = stdout as csv <- filled
RGP

# the independent replay: what each trade must see (prices are written as
# they were read: one decimal digit, never a trailing zero; no quote yet: 0)
python3 - "$D" > "$D/want.csv" <<'PY' || fail "the Python replay"
import sys
d = sys.argv[1]
recs = []
for lane, name in enumerate(["quotes", "trades"]):
    for seq, line in enumerate(open("%s/%s.csv" % (d, name))):
        kind, sym, price, qty, ts = line.rstrip("\n").split(",")
        recs.append((int(ts), lane, seq, kind, sym, price, qty))
recs.sort()
latest = {}
print("ts,symbol,qty,price,quoted")
for ts, lane, seq, kind, sym, price, qty in recs:
    if kind == "quote":
        latest[sym] = (price, ts)
    else:
        price, at = latest.get(sym, ("0", 0))
        print("%d,%s,%s,%s,%d" % (ts, sym, qty, price, at))
PY

"$RGP" build "$D/order.rgp" -o "$D/order" || fail "rgp build"
for i in 1 2 3 4 5 6 7 8 9 10; do
    "$RGP" run "$D/order.rgp" > "$D/jit.$i.csv" 2> "$D/jit.$i.err" || fail "rgp run, run $i: exit status $?"
    "$D/order" > "$D/aot.$i.csv" 2> "$D/aot.$i.err" || fail "the binary, run $i: exit status $?"
    for m in jit aot; do
        cmp -s "$D/want.csv" "$D/$m.$i.csv" || { diff "$D/want.csv" "$D/$m.$i.csv" | head -5 >&2; fail "$m run $i differs from the replay"; }
        [ ! -s "$D/$m.$i.err" ] || { cat "$D/$m.$i.err" >&2; fail "$m run $i wrote to stderr"; }
    done
done
echo "merge_order: 20 runs, each equal to the replay ($(($(wc -l < "$D/want.csv") - 1)) trades)"
