#!/bin/sh
# What the service_health and orderbook examples say, checked on the data
# make_data.sh writes: awk replays each input on its own terms (a watermark and
# open windows; a book of orders kept in maps, with no ladder) and every output
# must match it exactly, except p99, which must be within the sketch's 1% of
# the exact quantile. Then invariants read off the outputs alone, and counts
# that show the data exercises each feature (late records, throttled alerts,
# signals), so no check passes for want of input.
# Usage: tests/examples.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT
# rgp run through libtcc every time: no background cc, and an empty cache of our own
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL examples: $1"; failed=$((failed + 1)); }

# same WHAT EXPECTED ACTUAL: the files must be equal
same() {
    if cmp -s "$2" "$3"; then ok; else bad "$1 (expected < > actual)"; diff "$2" "$3" | head -10; fi
}
# atleast WHAT N FILE: FILE has N lines or more (a header counts)
atleast() {
    [ "$(wc -l <"$3")" -ge "$2" ] && ok || bad "$1: $(wc -l <"$3") lines, expected at least $2"
}

# What rgp's writer does to a float: the shortest of %.15g, %.16g, %.17g that
# reads back as the same double; a time in milliseconds (mawk prints numbers
# past 2^31 with %.6g); C's round(), halves away from zero.
AWK_LIB='
function millis(t) { return sprintf("%.0f", t) }
function num(x,   p, s) { for (p = 15; p <= 17; p++) { s = sprintf("%." p "g", x); if (s + 0 == x) break } return s }
function round(y,   r) { r = int(y); if (y - r >= 0.5) r++; else if (r - y >= 0.5) r--; return r }
function get(key) {   # the value of "key" in this line of JSON, quotes taken off
    if (!match($0, "\"" key "\":(\"[^\"]*\"|[^,}]*)")) return ""
    v = substr($0, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
    return v ~ /^"/ ? substr(v, 2, length(v) - 2) : v
}'

mkdir "$work/ex"
sh "$root/examples/make_data.sh" "$work/ex/data" 2000 2>/dev/null
cp "$root/examples/service_health.rgp" "$root/examples/orderbook.rgp" "$work/ex/"
cd "$work/ex" || exit 1

# ---- service_health ----------------------------------------------------------
"$rgp" run service_health.rgp >alerts.csv 2>health.err && ok || { bad "service_health failed"; cat health.err; }

# heartbeats: a service's first status, then each one that differs from its last
awk "$AWK_LIB"'
BEGIN { print "ts,service,status" }
get("kind") == "heartbeat" {
    s = get("service"); st = get("status")
    if (!(s in last) || last[s] != st) print get("ts") "," s "," st
    last[s] = st
}' data/services.jsonl >want.status
same "service_health: status changes" want.status data/status_changes.csv

# requests: one-minute windows per service that close when the watermark (the
# latest event time) passes their end + 10 s, oldest first, then in the order
# their first request came; requests whose window has closed are late.
# want.latency has the exact p99 where rgp has its estimate.
awk "$AWK_LIB"'
function close_upto(upto,   k, i, j, m, t) {
    m = 0
    for (k in open) if (start[k] + 70000 <= upto) due[++m] = k
    for (i = 2; i <= m; i++)   # by start, then by when the window began
        for (j = i; j > 1 && (start[due[j]] < start[due[j - 1]] || \
                (start[due[j]] == start[due[j - 1]] && seq[due[j]] < seq[due[j - 1]])); j--) {
            t = due[j]; due[j] = due[j - 1]; due[j - 1] = t
        }
    for (i = 1; i <= m; i++) finish(due[i])
}
function finish(k,   n, i, j, t, v) {
    n = count[k]
    split(vals[k], v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j] + 0 < v[j - 1] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    print svc[k] "," millis(start[k]) "," millis(start[k] + 60000) "," n "," num(round(sum[k] / n * 100) / 100) "," v[int(0.99 * (n - 1)) + 1]
    delete open[k]
}
BEGIN { print "service,window_start,window_end,requests,mean_ms,p99_ms"; wm = -1e18 }
get("kind") == "request" {
    ts = get("ts") + 0; s = get("service"); ms = get("latency_ms") + 0
    if (ts > wm) { wm = ts; close_upto(wm) }
    ws = int(ts / 60000) * 60000
    if (ws + 70000 <= wm) { print "{\"ts\":" millis(ts) ",\"service\":\"" s "\",\"latency_ms\":" num(ms) "}" >"want.late"; next }
    k = s SUBSEP millis(ws)   # not ws: mawk would make it 1.76723e+12
    if (!(k in open)) { open[k] = 1; start[k] = ws; svc[k] = s; seq[k] = ++nseq; count[k] = 0; sum[k] = 0; vals[k] = "" }
    count[k]++; sum[k] += ms; vals[k] = vals[k] " " ms
}
END { close_upto(9e18) }' data/services.jsonl >want.latency
cut -d, -f1-5 want.latency >want.latency5
cut -d, -f1-5 data/latency.csv >got.latency5
same "service_health: windows (all but p99)" want.latency5 got.latency5
# the sketch's p99 is within 1% of the exact one, and then rounded to 0.1
paste -d, want.latency data/latency.csv | awk -F, 'NR > 1 && !($12 >= $6 * 0.99 - 0.05 && $12 <= $6 * 1.01 + 0.05) {
    print "window " $1 " " $2 ": p99 " $12 ", exact " $6; bad = 1 } END { exit bad }' >p99.out \
    && ok || { bad "service_health: p99 estimate off by more than 1%"; head -5 p99.out; }
same "service_health: late requests" want.late data/late_requests.jsonl

# alerts: a minute's mean over 1.5 times the service's previous minute, then at
# most one per service in each 5 minutes of window_end
awk -F, "$AWK_LIB"'
BEGIN { print "service,window_start,window_end,mean_ms,previous_ms" }
NR > 1 {
    s = $1
    if ((s in prev) && $5 + 0 > 1.5 * prev[s]) {
        span = int($3 / 300000) * 300000
        if (!(s in span_of) || span > span_of[s]) { span_of[s] = span; sent[s] = 0 }
        if (sent[s]++ < 1) print s "," $2 "," $3 "," $5 "," num(prev[s])
        else held++
    }
    prev[s] = $5 + 0
}
END { print held + 0 >"want.held" }' want.latency >want.alerts
same "service_health: alerts" want.alerts alerts.csv
grep -q "^service_health:   stage 'alerts': $(cat want.held) of [0-9]* throttled " health.err \
    && ok || bad "service_health: throttle should hold back $(cat want.held) alerts: $(grep throttle health.err)"

# invariants on rgp's output alone: each alert's previous_ms is the mean of the
# service's window before it and its mean is over 1.5 times that; alerts of a
# service lie in different 5-minute spans; status changes really change
awk -F, 'FNR == 1 { f++; next }
f == 1 { before[$1, $2] = prev[$1]; prev[$1] = $5; next }
{   if (!(($1, $2) in before) || before[$1, $2] != $5 || !($4 > 1.5 * $5)) { print "alert " $0 " (window before: " before[$1, $2] ")"; bad = 1 }
    span = int($3 / 300000); if (last[$1] == span) { print "two alerts for " $1 " in one span"; bad = 1 }; last[$1] = span }
END { exit bad }' data/latency.csv alerts.csv >inv.out && ok || { bad "service_health: an alert breaks its rule"; head -5 inv.out; }
awk -F, 'NR > 1 { if (last[$2] == $3) { print; bad = 1 }; last[$2] = $3 } END { exit bad }' data/status_changes.csv >inv.out \
    && ok || { bad "service_health: a status change repeats the last status"; head -3 inv.out; }

# the data exercises everything
grep -q degraded data/status_changes.csv && ok || bad "service_health: no incident in the data"
atleast "service_health: alerts" 5 alerts.csv
[ "$(cat want.held)" -ge 1 ] && ok || bad "service_health: the throttle held nothing back"
atleast "service_health: late requests" 5 data/late_requests.jsonl
atleast "service_health: windows" 100 data/latency.csv

# ---- orderbook ---------------------------------------------------------------
"$rgp" run orderbook.rgp >signals.csv 2>book.err && ok || { bad "orderbook failed"; cat book.err; }

# Replay the book with orders and price levels in awk arrays: after each change
# of a level, the best bid and ask and the imbalance of the five best levels
# each side, the n-th best weighted 1/n; want.book has every one of them.
# book.levels: each symbol's most levels on a side and its price range, to
# show the book is deeper than the five read and moves (no fixed ladder).
awk "$AWK_LIB"'
function best(sym, s, desc,   k, p, m, i, j, t) {   # the prices of side s, best first, into sorted[1..m]
    m = 0
    for (k in size) {
        split(k, p, SUBSEP)
        if (p[1] == sym && p[2] == s) sorted[++m] = p[3] + 0
    }
    for (i = 2; i <= m; i++)
        for (j = i; j > 1 && (desc ? sorted[j] > sorted[j - 1] : sorted[j] < sorted[j - 1]); j--) {
            t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t
        }
    return m
}
function depth(sym, s, m,   k, d) {
    d = 0
    for (k = 1; k <= m && k <= 5; k++) d += size[sym, s, sorted[k]] / k
    return d
}
function level(sym, side, price, change,   nb, na, b, a, bid, ask) {
    size[sym, side, price] += change
    if (size[sym, side, price] < 0) { print "negative size at " sym " " side " " price >"book.bad" }
    if (size[sym, side, price] == 0) delete size[sym, side, price]
    nb = best(sym, "B", 1); bid = nb ? sorted[1] : 0; b = depth(sym, "B", nb)
    na = best(sym, "S", 0); ask = na ? sorted[1] : 0; a = depth(sym, "S", na)
    if (nb > most[sym]) most[sym] = nb
    if (na > most[sym]) most[sym] = na
    if (bid && (!(sym in low) || bid < low[sym])) low[sym] = bid
    if (bid > high[sym]) high[sym] = bid
    print ts "," sym "," bid "," size[sym, "B", bid] + 0 "," ask "," size[sym, "S", ask] + 0 "," \
        (b + a > 0 ? num(round((b - a) / (b + a) * 1000) / 1000) : 0)
    if (!size[sym, "B", bid]) delete size[sym, "B", bid]
    if (!size[sym, "S", ask]) delete size[sym, "S", ask]
}
{ op = get("op"); id = get("id"); ts = get("ts") }
op == "add" {
    osym[id] = get("sym"); oside[id] = get("side"); oprice[id] = get("price") + 0; oqty[id] = get("qty") + 0; live[id] = 1
    level(osym[id], oside[id], oprice[id], oqty[id])
}
op == "modify" && live[id] {
    price = get("price") + 0; qty = get("qty") + 0
    if (price == oprice[id]) level(osym[id], oside[id], price, qty - oqty[id])
    else { level(osym[id], oside[id], oprice[id], -oqty[id]); level(osym[id], oside[id], price, qty) }
    oprice[id] = price; oqty[id] = qty
}
op == "cancel" && live[id] { level(osym[id], oside[id], oprice[id], -oqty[id]); live[id] = 0 }
END { for (s in most) print s, most[s], high[s] - low[s] >"book.levels" }
' data/orders.jsonl >want.book
[ ! -s book.bad ] && ok || { bad "orderbook: the data makes a negative size"; head -3 book.bad; }
# the book is deeper than the five levels the imbalance reads, and its bids move over 20 cents
awk '$2 <= 5 || $3 <= 20 { print; bad = 1 } END { exit bad || NR != 3 }' book.levels >inv.out && ok \
    || { bad "orderbook: a book too shallow or too still to test the maps"; cat book.levels; }
awk -F, 'BEGIN { print "ts,symbol,bid,bid_size,ask,ask_size,imbalance" }
{ q = $3 "," $4 "," $5 "," $6; if (!($2 in last) || last[$2] != q) print; last[$2] = q }' want.book >want.top
same "orderbook: top of book" want.top data/top_of_book.csv
awk -F, 'BEGIN { print "ts,symbol,bid,ask,imbalance,pressure" }
{   p = $3 == 0 || $5 == 0 ? "" : $7 >= 0.6 ? "buy" : $7 <= -0.6 ? "sell" : ""
    if (!($2 in last) || last[$2] != p) { if (p != "") print $1 "," $2 "," $3 "," $5 "," $7 "," p }
    last[$2] = p }' want.book >want.signals
same "orderbook: signals" want.signals signals.csv

# invariants on rgp's output alone: each quote differs from its symbol's last
# one, a price has a size and an empty side none, bids are below asks,
# imbalance is within [-1, 1]; each signal's imbalance is past its threshold
awk -F, 'NR > 1 {
    q = $3 "," $4 "," $5 "," $6
    if (last[$2] == q) { print "repeated quote: " $0; bad = 1 }
    if (($3 > 0) != ($4 > 0) || ($5 > 0) != ($6 > 0)) { print "price without size: " $0; bad = 1 }
    if ($3 > 0 && $5 > 0 && $3 >= $5) { print "crossed: " $0; bad = 1 }
    if ($7 < -1 || $7 > 1) { print "imbalance out of range: " $0; bad = 1 }
    last[$2] = q
} END { exit bad }' data/top_of_book.csv >inv.out && ok || { bad "orderbook: top of book breaks an invariant"; head -3 inv.out; }
awk -F, 'NR > 1 && !($6 == "buy" && $5 >= 0.6 || $6 == "sell" && $5 <= -0.6) { print; bad = 1 } END { exit bad }' signals.csv >inv.out \
    && ok || { bad "orderbook: a signal below its threshold"; head -3 inv.out; }

atleast "orderbook: quotes" 1000 data/top_of_book.csv
atleast "orderbook: signals" 5 signals.csv
[ "$(grep -c '"op":"modify"' data/orders.jsonl)" -ge 100 ] && ok || bad "orderbook: too few modifies in the data"


# ---- iot_json ----------------------------------------------------------------
# jq walks the same nested objects on its own: a line whose metrics.temp is not a
# number is rejected, a missing or null device.location.site is "unknown"
cp "$root/examples/iot_json.rgp" "$root/examples/iot_json.jsonl" "$work/ex/"
"$rgp" run iot_json.rgp >iot.csv 2>iot.err && ok || { bad "iot_json failed"; cat iot.err; }
if command -v jq >/dev/null; then
    jq -rs '[.[] | select(.metrics.temp | type == "number") | {k: "\(.device.id),\(.device.location.site // "unknown")", t: .metrics.temp}]
            | reduce .[] as $r ({order: [], g: {}};
                  (if .g[$r.k] then . else .order += [$r.k] end)
                  | .g[$r.k] |= {n: ((. // {n: 0}).n + 1), sum: ((. // {sum: 0}).sum + $r.t), max: ([(. // {max: $r.t}).max, $r.t] | max)})
            | "device,site,n,mean_temp,max_temp", (.order[] as $k | .g[$k] as $v | "\($k),\($v.n),\($v.sum / $v.n),\($v.max)")' \
        iot_json.jsonl >want.iot
    # the same rows, numbers equal to 1e-12 (jq and rgp print doubles differently)
    awk -F, 'NR == FNR { want[FNR] = $0; n = FNR; next }
        { split(want[FNR], w, ","); if (FNR == 1 ? $0 != want[1] : $1 != w[1] || $2 != w[2] || $3 != w[3] ||
              ($4 - w[4])^2 > 1e-24 || $5 != w[5] + 0) { print "row " FNR ": " $0 " (expected " want[FNR] ")"; bad = 1 } }
        END { if (FNR != n) { print FNR " rows, expected " n; bad = 1 } exit bad }' want.iot iot.csv >iot.diff \
        && ok || { bad "iot_json: per-device rows"; head -5 iot.diff; }
    rejected=$(jq -s '[.[] | select(.metrics.temp | type != "number")] | length' iot_json.jsonl)
    [ "$rejected" -ge 2 ] && grep -q "source 'readings': $rejected of $(wc -l <iot_json.jsonl | tr -d ' ') rejected" iot.err \
        && ok || { bad "iot_json: expected $rejected rejected lines"; cat iot.err; }
else
    echo "examples: jq not found, iot_json checked only for running"
fi

# ---- sales_semicolon ---------------------------------------------------------
# awk splits the export on its own (quotes, the BOM, CRLF), finds the columns by
# name in the header and sums per store in first-seen order; the row whose Qty
# is not a number must be the one rejected
cp "$root/examples/sales_semicolon.rgp" "$root/examples/sales_semicolon.csv" "$work/ex/"
"$rgp" run sales_semicolon.rgp >sales.csv 2>sales.err && ok || { bad "sales_semicolon failed"; cat sales.err; }
awk '
function cells(line, f,   n, i, c, q, cur) {
    n = 0; cur = ""; q = 0
    for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (c == "\"") { q = !q; continue }
        if (c == ";" && !q) { f[++n] = cur; cur = ""; continue }
        cur = cur c
    }
    f[++n] = cur
    return n
}
{ sub(/\r$/, "") }
NR == 1 { sub(/^\357\273\277/, ""); n = cells($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
{
    cells($0, f)
    if (f[col["Qty"]] !~ /^-?[0-9]+$/) { rejected++; next }
    s = f[col["Store"]]
    if (!(s in sales)) order[++nstores] = s
    sales[s]++; units[s] += f[col["Qty"]]; revenue[s] += f[col["Unit price"]] * f[col["Qty"]]
}
END {
    print "store,channel,sales,units,revenue"
    for (k = 1; k <= nstores; k++) { s = order[k]; printf "%s,shop,%d,%d,%.2f\n", s, sales[s], units[s], revenue[s] }
    print rejected > "sales.rejected"
}' sales_semicolon.csv >want.sales
same "sales_semicolon: per store" want.sales sales.csv
[ "$(cat sales.rejected)" = 1 ] && grep -q "sales_semicolon.csv:15: row rejected: field 'qty'" sales.err && ok \
    || { bad "sales_semicolon: expected the one bad row rejected"; cat sales.err; }

# ---- enrich ----------------------------------------------------------------------
# awk joins the orders with the customers on its own: a customer's name and
# country by id, empty and "??" for an order whose customer is not there
cp "$root/examples/enrich.rgp" "$root"/examples/enrich.*.csv "$work/ex/"
"$rgp" run enrich.rgp >enrich.csv 2>enrich.err && ok || { bad "enrich failed"; cat enrich.err; }
awk -F, '
FNR == 1 { next }
FILENAME ~ /customers/ { name[$1] = $2; country[$1] = $3; next }
{
    if (!header++) print "order_id,customer_id,name,country,amount"
    known = $2 in name
    printf "%s,%s,%s,%s,%.2f\n", $1, $2, known ? name[$2] : "", known ? country[$2] : "??", $3
    if (!known) unknown++
}
END { print unknown + 0 > "enrich.unknown" }' enrich.customers.csv enrich.orders.csv >want.enrich
same "enrich: orders with their customers" want.enrich enrich.csv
[ "$(cat enrich.unknown)" -ge 1 ] && [ ! -s enrich.err ] && ok || { bad "enrich: expected an order of an unknown customer and a quiet run"; cat enrich.err; }

echo "examples: $passed passed, $failed failed"
[ $failed = 0 ]
