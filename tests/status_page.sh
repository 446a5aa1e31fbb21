#!/bin/sh
# The status page (GET / on the metrics address, compiler/status_page.c) in a
# real browser: headless Chromium loads it twice while the pipeline reads a
# fifo this test writes to, and the counters it rendered into the DOM grow
# with the records fed. Python checks what the browser does not: the page is
# well-formed and self-contained, its SVG has one box per component and per
# ring of /metrics.json, and /metrics.json parses and grows. The screenshot is
# kept as build/status-page.png. Through rgp run (the browser) and a rgp build
# binary (the page and the JSON). Every wait is bounded.
# Usage: tests/status_page.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
build=$(dirname "$rgp")
work=$build/status-page-test
rm -rf "$work" && mkdir -p "$work" || exit 1
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL status_page ($mode): $1"; failed=$((failed + 1)); }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
command -v chromium >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 || {
    echo "status_page: chromium or curl missing (scripts/deps.sh test installs them)"; exit 1; }

cat >"$work/page.rgp" <<'RGP'
schema R { k: u32, v: f64, ts: time }
source a = file("a.fifo") as csv(R)
source b = file("b.fifo") as csv(R)
stage both = merge(a, b) | where v >= 0.0
route split = both { small: v < 50.0, default: large }
stage limited = large | throttle 3 every 1 h by k on ts
stage per_key = a | by k state { n: u64 = 0 } {
    n += 1
    emit { k, n }
}
sink s = file("s.csv") as csv <- small
sink l = file("l.csv") as csv <- limited
sink counts = file("counts.csv") as csv <- per_key
RGP

# until_json ID N: polls /metrics.json until component ID has received N records (10 s at most)
until_json() {
    i=0
    while [ $i -lt 100 ]; do
        curl -s -m 2 -o "$work/json" "http://127.0.0.1:$port/metrics.json" &&
            python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if any(c["id"] == sys.argv[2] and c.get("received_records") == int(sys.argv[3]) for c in m["components"]) else 1)' \
            "$work/json" "$1" "$2" 2>/dev/null && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

# browse OUT [chromium args]: what headless Chromium makes of the page once its script has run (60 s at most)
browse() {
    out=$1; shift
    timeout 60 chromium --headless --disable-gpu --no-sandbox --user-data-dir="$work/chromium" --virtual-time-budget=4000 \
        "$@" "http://127.0.0.1:$port/" >"$out" 2>>"$work/chromium.log"
}

# dom_count FILE ID ATTR: the number the script wrote into component ID's box
dom_count() {
    python3 - "$@" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<g class="comp[^"]*" data-id="%s"[^>]* data-%s="(\d+)"' % (re.escape(sys.argv[2]), sys.argv[3]), dom)
print(m.group(1) if m else "none")
PY
}

# The page and the JSON as served: well-formed, self-contained, a box for each component and ring
check_page() {
    curl -s -m 5 -D "$work/head" -o "$work/page.html" "http://127.0.0.1:$port/" &&
        curl -s -m 5 -o "$work/json" "http://127.0.0.1:$port/metrics.json" || { bad "GET / or /metrics.json"; return; }
    grep -qi '^Content-Type: text/html; charset=utf-8' "$work/head" && ok || bad "GET / is not text/html"
    python3 - "$work/page.html" "$work/json" <<'PY' && ok || bad "the page as served"
import html.parser, json, re, sys
page, m = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
void = {"meta", "br", "img", "link", "input", "hr"}
svg_empty = {"rect", "path"}   # written <rect .../>, closed by the parser's startendtag
class Check(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.errors = []; self.comps = []; self.rings = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "g" and "comp" in a.get("class", "").split(): self.comps.append(a.get("data-id"))
        if tag == "g" and a.get("class") == "ring": self.rings.append(a.get("data-ring"))
        for k in ("src", "href"):
            if k in a: self.errors.append("an external asset: <%s %s=%r>" % (tag, k, a[k]))
        if tag not in void: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag: self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
        else: self.stack.pop()
c = Check(); c.feed(page); c.close()
if c.stack: c.errors.append("left open: %s" % c.stack)
if re.search(r"url\((?!#)|@import|<link|<img", page): c.errors.append("an external asset in the page")
if not page.startswith("<!DOCTYPE html>"): c.errors.append("no doctype")
ids = [x["id"] for x in m["components"]]
if sorted(c.comps) != sorted(ids): c.errors.append("boxes %s, components %s" % (sorted(c.comps), sorted(ids)))
rings = sorted({r["ring"] for r in m["rings"]})
if sorted(c.rings) != rings: c.errors.append("ring boxes %s, rings %s" % (sorted(c.rings), rings))
if not re.search(r'<g class="thread"><rect [^>]*/>\n<text [^>]*>thread a\.parse: ', page): c.errors.append("no band for thread a.parse")
for e in c.errors: print(e)
sys.exit(1 if c.errors else 0)
PY
    [ "$(http_code /nope)" = 404 ] && ok || bad "another path is not 404"
    [ "$(http_code / -X POST)" = 405 ] && ok || bad "POST / is not 405"
}
http_code() { p=$1; shift; curl -s -m 5 -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$port$p"; }

for mode in jit aot; do
    port=$(free_port)
    rm -f "$work/a.fifo" "$work/b.fifo" && mkfifo "$work/a.fifo" "$work/b.fifo"
    if [ $mode = aot ]; then
        "$rgp" build "$work/page.rgp" -o "$work/page.bin" || bad "build page.rgp"
        "$work/page.bin" --metrics "127.0.0.1:$port" 2>"$work/err" & pid=$!
    else
        "$rgp" run "$work/page.rgp" --metrics "127.0.0.1:$port" 2>"$work/err" & pid=$!
    fi
    exec 3<>"$work/a.fifo" 4<>"$work/b.fifo"   # read-write: the open never waits
    seq 1 100 | awk '{ print $1 % 2 "," $1 ",0" }' >&3
    until_json a 100 && ok || { bad "the pipeline did not take 100 records:"; cat "$work/err"; }
    check_page
    cp "$work/json" "$work/json1"
    if [ $mode = jit ]; then
        browse "$work/dom1.html" --dump-dom && ok || bad "chromium --dump-dom failed (see $work/chromium.log)"
        first=$(dom_count "$work/dom1.html" a received)
        [ "$first" = 100 ] && ok || bad "the page shows source a received '$first', want 100"
        [ "$(dom_count "$work/dom1.html" s received)" = 49 ] && ok || bad "the page shows sink s received $(dom_count "$work/dom1.html" s received), want 49"
        [ "$(dom_count "$work/dom1.html" limited dropped)" = 45 ] && ok || bad "the page shows stage limited dropped $(dom_count "$work/dom1.html" limited dropped), want 45"
    fi
    # the input grows: so do the counters
    seq 101 250 | awk '{ print $1 % 2 "," $1 ",0" }' >&3
    seq 60 69 | awk '{ print "5," $1 ",0" }' >&4
    until_json a 250 && until_json both 260 && ok || bad "the pipeline did not take 250 + 10 records"
    python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
got = lambda m, i: [c for c in m["components"] if c["id"] == i][0]["received_records"]
sys.exit(0 if got(b, "a") > got(a, "a") and got(b, "counts") > got(a, "counts") else 1)' "$work/json1" "$work/json" && ok \
        || bad "/metrics.json did not grow"
    if [ $mode = jit ]; then
        browse "$work/dom2.html" --dump-dom && ok || bad "chromium --dump-dom failed the second time"
        second=$(dom_count "$work/dom2.html" a received)
        [ "$second" = 250 ] && [ "$first" != none ] && [ "$second" -gt "$first" ] && ok \
            || bad "the page's count of source a did not grow: $first, then $second"
        [ "$(dom_count "$work/dom2.html" both received)" = 260 ] && ok || bad "the page shows merge both received $(dom_count "$work/dom2.html" both received), want 260"
        grep -q '<p id="updated" data-n="[1-9]' "$work/dom2.html" && ok || bad "the script never said it updated"
        browse /dev/null --hide-scrollbars --window-size=1700,780 --screenshot="$build/status-page.png" && [ -s "$build/status-page.png" ] && ok \
            || bad "no screenshot"
        echo "status_page: screenshot in $build/status-page.png"
    fi
    exec 3>&- 4>&-
    i=0; while [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    wait $pid; rc=$?; pid=""
    [ $rc = 0 ] && ok || { bad "exit status $rc"; cat "$work/err"; }
done
echo "status_page: $passed passed, $failed failed"
[ $failed = 0 ]
