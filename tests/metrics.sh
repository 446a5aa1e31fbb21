#!/bin/sh
# The metrics server (--metrics HOST:PORT, runtime/metrics.h) against real
# clients on 127.0.0.1, with a pipeline that reads two fifos this test holds
# open, so it runs until the test closes them: every counter equals the
# records fed (a rejected row among them), promtool check metrics accepts the
# scrape, 404 / 405 / 400 / 431, a client that sends half a request is dropped
# after 2 s while /metrics still answers, /health is 200 and then 503 once a
# source has ended, and --stats prints each component's records; a merge, a
# route and a throttle are counted where they run. Then a real
# Prometheus (Debian's prometheus, its config and data under build/) scrapes
# every second until its HTTP API gives the record count. Each through rgp run
# and a rgp build binary. Every wait is bounded.
# Usage: tests/metrics.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(dirname "$rgp")/metrics-test
rm -rf "$work" && mkdir -p "$work" || exit 1
pid="" prom=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    [ -n "$prom" ] && kill "$prom" 2>/dev/null && wait "$prom" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL metrics ($mode): $1"; failed=$((failed + 1)); }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# http PATH [curl args]: the status code, the body in $work/body
http() { p=$1; shift; curl -s -m 5 -o "$work/body" -w '%{http_code}' "$@" "http://127.0.0.1:$port$p"; }

cat >"$work/m.rgp" <<'RGP'
schema R { k: u32, v: f64 }
source a = file("a.fifo") as csv(R)
source b = file("b.fifo") as csv(R)
stage big = a | where v > 10.0
stage per_key = a | by k state { n: u64 = 0 } {
    n += 1
    if n > 1000000 { emit { k, n } }
}
sink out = file("out.csv") as csv <- big
sink none = file("none.csv") as csv <- per_key
sink copy = file("copy.csv") as csv <- b
RGP

# The other shapes: a merge, a route and its branches, a throttle over them
cat >"$work/shapes.rgp" <<'RGP'
schema R { k: u32, v: f64, ts: time }
source a = file("a.fifo") as csv(R)
source b = file("b.fifo") as csv(R)
stage both = merge(a, b) | where v >= 0.0
route split = both { small: v < 50.0, default: large }
stage limited = large | throttle 3 every 1 h by k on ts
sink s = file("s.csv") as csv <- small
sink l = file("l.csv") as csv <- limited
RGP
# a: v = 1..100 over keys 0 and 1, b: v = 60..69 of key 5, all at ts 0: 3 per key pass the throttle
shapes_expected() {
    cat <<EOF
$(series rgp_component_received_records_total both stage 'merge|where') 110
$(series rgp_component_sent_records_total both stage 'merge|where') 110
$(series rgp_component_received_records_total split stage route) 110
$(series rgp_component_received_records_total small stage branch) 49
$(series rgp_component_received_records_total large stage branch) 61
$(series rgp_component_received_records_total limited stage throttle) 61
$(series rgp_component_sent_records_total limited stage throttle) 9
$(series rgp_component_discarded_records_total limited stage throttle 'reason="throttled"') 52
$(series rgp_keys limited stage throttle) 3
$(series rgp_component_received_records_total s sink file) 49
$(series rgp_component_sent_records_total l sink file) 9
rgp_ring_capacity{pipeline="shapes",ring="both"} 4096
EOF
}

# series FAMILY ID KIND TYPE [EXTRA]: one sample line as the server writes it, without its value
p=m
series() { echo "$1{pipeline=\"$p\",component_id=\"$2\",component_kind=\"$3\",component_type=\"$4\"${5:+,$5}}"; }

# the samples once N rows and one bad row went to a, and 5 rows to b: big passes v > 10 of v = 1..N
expected() {
    n=$1; big=$((n - 10))
    cat <<EOF
$(series rgp_component_received_records_total a source file) $((n + 1))
$(series rgp_component_sent_records_total a source file) $n
$(series rgp_component_discarded_records_total a source file 'reason="rejected"') 1
$(series rgp_component_received_records_total b source file) 5
$(series rgp_component_received_records_total big stage where) $n
$(series rgp_component_sent_records_total big stage where) $big
$(series rgp_component_received_records_total per_key stage state) $n
$(series rgp_component_sent_records_total per_key stage state) 0
$(series rgp_component_received_records_total out sink file) $big
$(series rgp_component_sent_records_total out sink file) $big
$(series rgp_component_sent_records_total copy sink file) 5
$(series rgp_component_errors_total out sink file 'error_type="write_error"') 0
$(series rgp_keys per_key stage state) 7
rgp_ring_capacity{pipeline="m",ring="a"} 4096
EOF
}

# until_scrape: scrapes until every sample in $work/want is there (10 s at most)
until_scrape() {
    i=0
    while [ $i -lt 100 ]; do
        http /metrics >/dev/null
        if grep -qvxFf "$work/body" "$work/want"; then :; else return 0; fi
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

deps_ok=1
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 || {
    echo "metrics: promtool, prometheus or curl missing (scripts/deps.sh test installs them)"; deps_ok=0; }
[ $deps_ok = 1 ] || exit 1

# One Prometheus for both runs, scraping the port the pipelines serve on every second.
port=$(free_port); pport=$(free_port)
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: rgp
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus-data" \
    --web.listen-address="127.0.0.1:$pport" >"$work/prometheus.log" 2>&1 &
prom=$!

for mode in jit aot; do
    rows=$([ $mode = jit ] && echo 100 || echo 150)
    rm -f "$work/a.fifo" "$work/b.fifo" && mkfifo "$work/a.fifo" "$work/b.fifo"
    if [ $mode = aot ]; then
        "$rgp" build "$work/m.rgp" -o "$work/m.bin" || bad "build m.rgp"
        "$rgp" build "$work/shapes.rgp" -o "$work/shapes.bin" || bad "build shapes.rgp"
        "$work/m.bin" --metrics "127.0.0.1:$port" --stats=0.2 2>"$work/err" & pid=$!
    else
        "$rgp" run "$work/m.rgp" --metrics "127.0.0.1:$port" --stats=0.2 2>"$work/err" & pid=$!
    fi
    # read-write: the open never waits, and the pipeline reads until these close
    exec 3<>"$work/a.fifo" 4<>"$work/b.fifo"
    i=0; while [ $i -lt 300 ] && [ "$(http /health)" != 200 ]; do sleep 0.1; i=$((i + 1)); done
    if ! kill -0 $pid 2>/dev/null; then
        bad "the pipeline did not start:"; cat "$work/err"; exec 3>&- 4>&-; wait $pid; pid=""; continue
    fi
    [ "$(http /health)" = 200 ] && grep -qx '{"status":"ok"}' "$work/body" && ok || bad "/health is not 200 while the sources are live: $(cat "$work/body")"

    seq 1 "$rows" | awk '{ print $1 % 7 "," $1 }' >&3
    echo "x,1" >&3   # rejected: not a u32
    seq 1 5 | awk '{ print $1 ",0" }' >&4
    p=m; expected "$rows" >"$work/want"
    if until_scrape; then ok; else
        bad "the counters do not match the records fed; missing:"; grep -vxFf "$work/body" "$work/want"; fi
    grep -q '^rgp_component_received_bytes_total{pipeline="m",component_id="a",component_kind="source",component_type="file"} [1-9]' \
        "$work/body" && ok || bad "no bytes read counted"
    grep -q '^rgp_ring_lag{pipeline="m",ring="a",reader="' "$work/body" && ok || bad "no ring lag"
    promtool check metrics <"$work/body" >"$work/promtool" 2>&1 && ok || { bad "promtool check metrics:"; cat "$work/promtool"; }
    grep -q '^# TYPE rgp_component_received_records_total counter$' "$work/body" && ok || bad "no # TYPE line"

    # what else a client can get
    [ "$(http /nope)" = 404 ] && ok || bad "an unknown path is not 404"
    [ "$(http /metrics -X POST)" = 405 ] && ok || bad "POST is not 405"
    [ "$(http /metrics -X DELETE)" = 405 ] && ok || bad "DELETE is not 405"
    [ "$(http /metrics -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' x)")" = 431 ] && ok || bad "a 9 KB head is not 431"
    timeout 10 python3 - "$port" <<'PY' && ok || bad "a request without a request line is not 400"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"hello there\r\n\r\n")
sys.exit(0 if s.recv(100).startswith(b"HTTP/1.1 400 ") else 1)
PY
    # half a request: dropped after 2 s, while other clients are answered at once
    timeout 20 python3 - "$port" <<'PY' && ok || bad "a slow client is not dropped after 2 s, or blocks /metrics"
import socket, sys, time, urllib.request
port = int(sys.argv[1])
slow = socket.create_connection(("127.0.0.1", port), timeout=10)
slow.sendall(b"GET /metr")
t0 = time.monotonic()
body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read()
fast = time.monotonic() - t0
got = slow.recv(100)   # b"": the server closed it
held = time.monotonic() - t0
ok = b"rgp_component_received_records_total" in body and fast < 1.0 and got == b"" and 1.8 <= held <= 6
if not ok: print("fast %.2fs, dropped after %.2fs, read %r" % (fast, held, got))
sys.exit(0 if ok else 1)
PY

    # a real Prometheus: its API gives the count of this run (bounded wait)
    want=$((rows + 1)) got="" i=0
    while [ $i -lt 60 ]; do
        got=$(curl -s -m 2 "http://127.0.0.1:$pport/api/v1/query" \
            --data-urlencode 'query=rgp_component_received_records_total{component_id="a"}' | python3 -c '
import json, sys
try: print(json.load(sys.stdin)["data"]["result"][0]["value"][1])
except Exception: print("")' 2>/dev/null)
        [ "$got" = "$want" ] && break
        sleep 0.5; i=$((i + 1))
    done
    [ "$got" = "$want" ] && ok || { bad "Prometheus says '$got' records received, want $want"; tail -5 "$work/prometheus.log"; }

    # b ends: /health turns 503 and says why, while a keeps the pipeline running
    exec 4>&-
    i=0; while [ $i -lt 100 ] && [ "$(http /health)" != 503 ]; do sleep 0.1; i=$((i + 1)); done
    [ "$(http /health)" = 503 ] && grep -qx '{"status":"draining","reason":"source '"'b'"' has ended"}' "$work/body" && ok \
        || bad "/health after b ended: $(cat "$work/body")"
    sleep 0.3   # one more --stats report
    exec 3>&-
    i=0; while [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    wait $pid; rc=$?; pid=""
    [ $rc = 0 ] && ok || bad "exit status $rc"
    # --stats: each component's records in since the last report, summed over the reports
    [ "$(awk '$2 == "stats:" && $3 == "source" && $4 == "a" { n += $6 } END { print n + 0 }' "$work/err")" = $((rows + 1)) ] && ok \
        || { bad "--stats: source a's records in do not add up to $((rows + 1))"; grep "stats:" "$work/err" | tail -12; }
    grep -q "^m: stats: sink   out  *in  *[0-9]*  out  *[0-9]*  dropped 0$" "$work/err" && ok || bad "--stats: no line for sink out"
    grep -q "source 'a': 1 of $((rows + 1)) rejected" "$work/err" && ok || { bad "the exit summary"; cat "$work/err"; }
    [ "$(wc -l <"$work/out.csv")" = $((rows - 10 + 1)) ] && ok || bad "out.csv does not hold the $((rows - 10)) records and a header"

    # a busy address: the error names it, and nothing is opened
    python3 -c '
import socket, subprocess, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
addr = "127.0.0.1:%d" % s.getsockname()[1]
cmd = [sys.argv[1]] if sys.argv[2] == "aot" else [sys.argv[1], "run", sys.argv[3]]
p = subprocess.run(cmd + ["--metrics", addr], capture_output=True, text=True, timeout=60)
want = "m: error: cannot serve metrics on \x27%s\x27: Address already in use\n" % addr
sys.exit(0 if p.returncode == 1 and p.stderr == want else print(p.returncode, repr(p.stderr)) or 1)' \
        "$([ $mode = aot ] && echo "$work/m.bin" || echo "$rgp")" $mode "$work/m.rgp" && ok || bad "a busy address"

    # a merge, a route, a throttle: each counted where it runs, the merge's share of each input's thread summed
    rm -f "$work/a.fifo" "$work/b.fifo" && mkfifo "$work/a.fifo" "$work/b.fifo"
    if [ $mode = aot ]; then "$work/shapes.bin" --metrics "127.0.0.1:$port" 2>"$work/err" & pid=$!
    else "$rgp" run "$work/shapes.rgp" --metrics "127.0.0.1:$port" 2>"$work/err" & pid=$!; fi
    exec 3<>"$work/a.fifo" 4<>"$work/b.fifo"
    seq 1 100 | awk '{ print $1 % 2 "," $1 ",0" }' >&3
    seq 60 69 | awk '{ print "5," $1 ",0" }' >&4
    p=shapes; shapes_expected >"$work/want"
    if until_scrape; then ok; else
        bad "shapes: the counters do not match; missing:"; grep -vxFf "$work/body" "$work/want"; fi
    exec 3>&- 4>&-
    i=0; while [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    wait $pid; rc=$?; pid=""
    [ $rc = 0 ] && grep -q "stage 'limited': 52 of 61 throttled" "$work/err" && ok || { bad "shapes: status $rc, summary:"; cat "$work/err"; }
done

kill "$prom" 2>/dev/null; wait "$prom" 2>/dev/null; prom=""
pgrep -x prometheus >/dev/null && bad "a prometheus is still running"
echo "metrics: $passed passed, $failed failed"
[ $failed = 0 ]
