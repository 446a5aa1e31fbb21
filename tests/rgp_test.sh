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
printf 'schema L { text: str }\nsource l = stdin as lines(L)\nsink o = stdout as csv <- l\n' >"$work/none.rgp"
"$rgp" test "$work/none.rgp" >"$work/out" 2>&1 && grep -q "0 passed, 0 failed: the file has no test blocks" "$work/out" \
    && ok || bad "no tests: $(cat "$work/out")"
printf 'sensor_id,value\n' >"$work/named.csv"
printf '1,10\n1,50\n' | "$rgp" run "$work/t.rgp" events=/dev/null named="$work/named.csv" 2>/dev/null >"$work/run.out"
printf 'sensor_id,value\n1,50\n' | cmp -s - "$work/run.out" && ok || bad "rgp run with test blocks: $(cat "$work/run.out")"

# the examples' own tests, and fmt keeps test blocks as they are
for ex in sensors iot_json logs; do
    "$rgp" test "$root/examples/$ex.rgp" >"$work/out" 2>&1 && grep -q " 0 failed" "$work/out" && ok || bad "examples/$ex.rgp: $(cat "$work/out")"
    "$rgp" fmt --check "$root/examples/$ex.rgp" && ok || bad "rgp fmt changes the test blocks of examples/$ex.rgp"
done
"$rgp" test --help | grep -q '^Usage: rgp test FILE.rgp \[TESTS.rgp ...\] \[--json\]' && ok || bad "rgp test --help"

# tests in a file beside the pipeline: FILE.test.rgp is found, runs by its own
# name too, reports its own file:line, and holds only test blocks
mkdir -p "$work/side"
cp "$work/t.rgp" "$work/side/p.rgp"
sed -i '/^test /,$d' "$work/side/p.rgp"
cat >"$work/side/p.test.rgp" <<'EOS'
# tests of p.rgp
test "beside: spikes" {
    input readings = "1,10\n1,50\n"
    expect count(alerts) == 1
}

test "beside: wrong" {
    input readings = "2,30\n"
    expect count(alerts) == 7
}
EOS
"$rgp" test "$work/side/p.rgp" >"$work/out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q '^ok    test "beside: spikes" (.*side/p.test.rgp:2,' "$work/out" \
    && grep -q '^FAIL  test "beside: wrong" (.*side/p.test.rgp:7)' "$work/out" \
    && grep -q 'side/p.test.rgp:9: expected count(alerts) == 7, but it wrote 1 record$' "$work/out" \
    && grep -q '1 passed, 1 failed' "$work/out" && ok || bad "tests beside the pipeline: exit $rc: $(cat "$work/out")"
"$rgp" test "$work/side/p.test.rgp" >"$work/out2" 2>&1; rc=$?
untimed() { sed 's/, [0-9.]* s)$/)/' "$1"; }   # each test's seconds differ from run to run
[ "$rc" = 1 ] && [ "$(untimed "$work/out")" = "$(untimed "$work/out2")" ] && ok || bad "rgp test p.test.rgp: exit $rc: $(cat "$work/out2")"
"$rgp" test "$work/side/p.rgp" --json >"$work/json" 2>&1
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [t["file"].endswith("side/p.test.rgp") for t in r["tests"]]==[True,True], r; assert r["passed"]==1 and r["failed"]==1' "$work/json" \
    && ok || bad "--json with tests beside: $(cat "$work/json")"
# a file of tests named explicitly replaces the one beside, and adds to the pipeline's own
cat >"$work/more.rgp" <<'EOS'
test "more" {
    input readings = "5,99\n"
    expect alerts = "sensor_id,value\n5,99\n"
}
EOS
"$rgp" test "$work/side/p.rgp" "$work/more.rgp" >"$work/out" 2>&1 && grep -q '^ok    test "more" (.*more.rgp:1,' "$work/out" \
    && ! grep -q beside "$work/out" && grep -q '1 passed, 0 failed' "$work/out" && ok || bad "explicit file of tests: $(cat "$work/out")"
# what a file of tests may not hold, and what it must name, at its own file:line:col
cat >"$work/side/q.rgp" <<'EOS'
schema R { v: i64 }
source r = stdin as csv(R)
sink o = stdout as csv <- r
test "own" { input r = "1\n" expect count(o) == 1 }
EOS
cat >"$work/side/q.test.rgp" <<'EOS'
sink extra = stdout as csv <- r
test "own" { input r = "1\n" expect count(o) == 1 }
test "typo" { input rr = "1\n" expect count(o) == 1 }
EOS
"$rgp" test "$work/side/q.rgp" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 1 ] && grep -q 'q.test.rgp:1:6: error: a file of tests holds only test blocks; this sink declaration belongs in .*q.rgp' "$work/err" \
    && grep -q 'q.test.rgp:2:6: error: a second test named "own"; the first is at .*side/q.rgp:4' "$work/err" \
    && grep -q "q.test.rgp:3:21: error: input names a source; 'rr' is not one (the sources: r)" "$work/err" \
    && ok || bad "errors in a file of tests: exit $rc: $(cat "$work/err")"
"$rgp" test "$work/side/nope.rgp" "$work/missing.rgp" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 1 ] && grep -q "cannot read" "$work/err" && ok || bad "missing pipeline: exit $rc: $(cat "$work/err")"
"$rgp" test "$work/side/q.rgp" "$work/missing.rgp" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 1 ] && grep -q "rgp test: error: cannot read '.*missing.rgp': No such file" "$work/err" && ok || bad "missing file of tests: exit $rc: $(cat "$work/err")"

echo "rgp_test: $passed passed, $failed failed"
[ "$failed" = 0 ]
