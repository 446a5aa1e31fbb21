#!/bin/sh
# rgp_source_lag_records (runtime/journal_endpoints.h): a journal source's
# records between where it stands and the journal's durable offset. A writer
# puts 50000 records in a journal; a reader whose sink is a fifo nobody reads
# gets stuck part way, and then its lag plus the records it read is 50000,
# in /metrics and in /metrics.json; once the fifo is read the lag is 0. A
# source that is no journal has no such series. Through rgp run; every wait
# is bounded.
# Usage: tests/source_lag.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(dirname "$rgp")/source-lag-test
rm -rf "$work" && mkdir -p "$work" || exit 1
pid="" drain=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ -n "$drain" ] && kill "$drain" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0 mode=jit
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL source_lag: $1"; failed=$((failed + 1)); }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$work/w.rgp" <<'RGP'
schema R { k: u32, v: f64 }
source a = stdin as csv(R)
sink log = journal("j", sync: 100 ms) <- a
RGP
cat >"$work/r.rgp" <<'RGP'
schema R { k: u32, v: f64 }
source r = journal("j", follow: true) as R
source other = file("other.csv") as csv(R)
sink out = file("out.fifo") as csv <- r
sink copy = file("copy.csv") as csv <- other
RGP
echo "1,1" >"$work/other.csv"
seq 1 50000 | awk '{ print $1 % 7 "," $1 }' | "$rgp" run "$work/w.rgp" || bad "the writer"

# lag_of: "LAG RECEIVED" of source r, from /metrics.json (or "none")
lag_of() {
    curl -s -m 2 "http://127.0.0.1:$port/metrics.json" | python3 -c '
import json, sys
try:
    c = [c for c in json.load(sys.stdin)["components"] if c["id"] == "r"][0]
    print(c.get("lag_records", "none"), c["received_records"])
except Exception: print("none none")'
}

mkfifo "$work/out.fifo"
exec 3<>"$work/out.fifo"   # open, never read: the sink stalls once the pipe is full
"$rgp" run "$work/r.rgp" --metrics "127.0.0.1:$port" 2>"$work/err" & pid=$!
# stuck: two reads a second apart that agree, lag + read = 50000
i=0 last="" now=""
while [ $i -lt 100 ]; do
    now=$(lag_of)
    set -- $now
    [ "$now" = "$last" ] && [ "$1" != none ] && [ "$1" -gt 0 ] && [ $(($1 + $2)) = 50000 ] && break
    last=$now; sleep 0.3; i=$((i + 1))
done
set -- $now
[ "$1" != none ] && [ "$1" -gt 0 ] && [ $(($1 + $2)) = 50000 ] && ok || { bad "a stuck reader: lag and records read '$now'"; cat "$work/err"; }
curl -s -m 2 "http://127.0.0.1:$port/metrics" >"$work/metrics"
grep -qx "rgp_source_lag_records{pipeline=\"r\",component_id=\"r\",component_kind=\"source\",component_type=\"journal\"} $1" "$work/metrics" && ok \
    || { bad "/metrics does not say the lag $1:"; grep lag_records "$work/metrics"; }
grep -q '^# TYPE rgp_source_lag_records gauge$' "$work/metrics" && ok || bad "no # TYPE line"
grep -q 'rgp_source_lag_records{[^}]*component_id="other"' "$work/metrics" && bad "a file source has a lag series" || ok

# the fifo is read: the reader catches up, its lag is 0
cat "$work/out.fifo" >/dev/null & drain=$!
i=0
while [ $i -lt 100 ] && [ "$(lag_of)" != "0 50000" ]; do sleep 0.1; i=$((i + 1)); done
[ "$(lag_of)" = "0 50000" ] && ok || bad "caught up: lag and records read '$(lag_of)'"
kill "$pid"; wait "$pid"; pid=""
exec 3>&-
echo "source_lag: $passed passed, $failed failed"
[ $failed = 0 ]
