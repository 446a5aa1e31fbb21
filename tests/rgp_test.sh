#!/bin/sh
# rgp test: test blocks pass and fail as they should, failures name the
# file:line and show a diff, --json is a report a CI can read, and the
# examples' own tests pass.
# Usage: tests/rgp_test.sh PATH/TO/rgp
set -u
rgp=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
RGP_NO_BACKGROUND_CC=1; export RGP_NO_BACKGROUND_CC
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL rgp_test: $*"; }

cat >"$work/t.rgp" <<'EOS'
schema Reading { sensor_id: u32, value: f64 }
schema Event { name: str, n: i64 }
source readings = stdin as csv(Reading)
source events = file("events.jsonl") as jsonl(Event)
source named = file("named.csv") as csv(Reading, header: true)
stage high = readings | where value > 20.0
sink alerts = stdout as csv(header: true) <- high
sink all = file("all.jsonl") as jsonl <- readings
sink names = stderr as csv <- events
sink from_named = file("n.csv") as csv <- named

test "spikes" {
    input readings = """
        1,10
        1,50
        """
    expect alerts = """
        sensor_id,value
        1,50
        """
    expect count(all) == 2
    expect count(alerts) < 2
}

test "jsonl, with indented lines kept" {
    input events = """
        {"name": "a", "n": 1}
          {"name": "b", "n": 2}
        """
    expect names = """
        name,n
        a,1
        b,2
        """
}

test "wrong" {
    input readings = "2,30\n3,40\n"
    expect alerts = """
        sensor_id,value
        2,30
        3,41
        """
    expect count(alerts) >= 5
}

test "nothing in, nothing out" {
    expect count(alerts) == 0
    expect count(from_named) == 0
    expect all = """"""
}
EOS
"$rgp" test "$work/t.rgp" >"$work/out" 2>"$work/err"; rc=$?
[ "$rc" = 1 ] && ok || bad "a failing test: exit $rc, expected 1"
grep -q '^ok    test "spikes" ' "$work/out" && grep -q '^ok    test "jsonl, with indented lines kept" ' "$work/out" \
    && grep -q '^ok    test "nothing in, nothing out" ' "$work/out" && ok || bad "passing tests not reported: $(cat "$work/out" "$work/err")"
grep -q "^FAIL  test \"wrong\" ($work/t.rgp:37)" "$work/out" && ok || bad "the failing test is not named with its line: $(cat "$work/out")"
grep -q "^  $work/t.rgp:39: sink alerts wrote other text than expected" "$work/out" && grep -q '^    - 3,41$' "$work/out" \
    && grep -q '^    + 3,40$' "$work/out" && grep -q '^      2,30$' "$work/out" && ok || bad "no diff at the expect's line: $(cat "$work/out")"
grep -q "^  $work/t.rgp:44: expected count(alerts) >= 5, but it wrote 2 records" "$work/out" && ok || bad "count condition: $(cat "$work/out")"
grep -q '^rgp test: 3 passed, 1 failed' "$work/out" && ok || bad "summary line: $(tail -1 "$work/out")"
[ ! -e "$work/all.jsonl" ] && [ ! -e "$work/n.csv" ] && ok || bad "a test wrote the pipeline's own files"

# --json: one report, with each failure's line and both texts
"$rgp" test "$work/t.rgp" --json >"$work/j" 2>/dev/null; rc=$?
[ "$rc" = 1 ] && ok || bad "--json exit $rc"
python3 - "$work/j" <<'EOP' && ok || bad "--json report: $(cat "$work/j")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["passed"] == 3 and r["failed"] == 1, r
t = {x["name"]: x for x in r["tests"]}
assert t["spikes"]["passed"] and t["spikes"]["line"] == 12
w = t["wrong"]
assert not w["passed"] and [f["line"] for f in w["failures"]] == [39, 44], w
assert w["failures"][0]["expected"] == "sensor_id,value\n2,30\n3,41\n" and w["failures"][0]["actual"] == "sensor_id,value\n2,30\n3,40\n"
EOP

# a test of a pipeline that fails to run fails, with the pipeline's message
cat >"$work/f.rgp" <<'EOS'
schema R { a: str }
source r = stdin as csv(R)
sink o = stdout as csv <- r
sink p = file("/nonexistent-dir/x.csv") as csv <- r
test "runs" {
    input r = "x\n"
    expect o = "a\nx\n"
}
EOS
"$rgp" test "$work/f.rgp" >"$work/out" 2>&1; rc=$?
# every sink is redirected into the test's folder, so this one runs
[ "$rc" = 0 ] && ok || bad "sinks are not redirected: exit $rc: $(cat "$work/out")"

# a network source cannot be replaced: the test cannot run (2), and says why
cat >"$work/n.rgp" <<'EOS'
schema R { a: str }
source r = tcp("127.0.0.1:9") as csv(R)
source s = stdin as csv(R)
sink o = stdout as csv <- s
sink p = stdout as csv <- r
test "net" {
    input s = "x\n"
    expect o = "x\n"
}
EOS
"$rgp" test "$work/n.rgp" >"$work/out" 2>"$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q "n.rgp:6: error: test \"net\": source 'r' reads the network" "$work/err" && ok \
    || bad "network source: exit $rc: $(cat "$work/err")"

# misuse is a compile error: rgp check and rgp test report it alike, exit 1
printf 'schema R { a: str }\nsource r = stdin as csv(R)\nsink o = stdout as csv <- r\ntest "x" { expect q = "" }\n' >"$work/e.rgp"
"$rgp" test "$work/e.rgp" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 1 ] && grep -q "e.rgp:4:19: error: expect names a sink; 'q' is not one (the sinks: o)" "$work/err" && ok \
    || bad "misuse: exit $rc: $(cat "$work/err")"

# a file without tests passes, and says so; rgp run ignores test blocks
"$rgp" test "$root/examples/logs.rgp" >"$work/out" 2>&1 && grep -q "0 passed, 0 failed: the file has no test blocks" "$work/out" \
    && ok || bad "no tests: $(cat "$work/out")"
printf 'sensor_id,value\n' >"$work/named.csv"
printf '1,10\n1,50\n' | "$rgp" run "$work/t.rgp" events=/dev/null named="$work/named.csv" 2>/dev/null >"$work/run.out"
printf 'sensor_id,value\n1,50\n' | cmp -s - "$work/run.out" && ok || bad "rgp run with test blocks: $(cat "$work/run.out")"

# the examples' own tests, and fmt keeps test blocks as they are
for ex in sensors iot_json; do
    "$rgp" test "$root/examples/$ex.rgp" >"$work/out" 2>&1 && grep -q " 0 failed" "$work/out" && ok || bad "examples/$ex.rgp: $(cat "$work/out")"
    "$rgp" fmt --check "$root/examples/$ex.rgp" && ok || bad "rgp fmt changes the test blocks of examples/$ex.rgp"
done
"$rgp" test --help | grep -q '^Usage: rgp test FILE.rgp \[--json\]' && ok || bad "rgp test --help"

echo "rgp_test: $passed passed, $failed failed"
[ "$failed" = 0 ]
