#!/bin/sh
# Sinks across runs and threads, beyond what one golden case shows: a file sink with
# append: true adds to what an earlier run wrote (header only on the first run), and
# two threads writing one stdout (and one stderr) give whole lines, every record,
# each stream in its own order. Each through rgp run and a rgp build binary.
# Usage: tests/sinks.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-sinks.XXXXXX")
trap 'rm -rf "$work"' EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL sinks: $1"; failed=$((failed + 1)); }

cat >"$work/append.rgp" <<'RGP'
schema R { n: i64, word: str }
source rows = stdin as csv(R, header: true)
sink log = file("log.csv", append: true) as csv <- rows
RGP
printf 'n,word\n1,one\n2,two\n' >"$work/in1"
printf 'n,word\n3,three\n' >"$work/in2"
printf 'n,word\n1,one\n2,two\n3,three\n1,one\n2,two\n3,three\n' >"$work/want"
"$rgp" build "$work/append.rgp" -o "$work/append.bin" || bad "build append.rgp"
rm -f "$work/log.csv"
"$rgp" run "$work/append.rgp" <"$work/in1" && "$rgp" run "$work/append.rgp" <"$work/in2" \
    && "$work/append.bin" <"$work/in1" && "$work/append.bin" <"$work/in2" || bad "append runs failed"
cmp -s "$work/want" "$work/log.csv" && ok || { bad "append: log.csv differs"; diff "$work/want" "$work/log.csv"; }
# an empty file gets the header; NAME=PATH keeps the sink's append
: >"$work/empty.csv"
"$work/append.bin" log="$work/empty.csv" <"$work/in2" && head -1 "$work/empty.csv" | grep -qx 'n,word' && ok \
    || bad "append to an empty file writes the header"
"$work/append.bin" log="$work/empty.csv" <"$work/in2" && [ "$(grep -c 'n,word' "$work/empty.csv")" = 1 ] \
    && [ "$(wc -l <"$work/empty.csv")" = 3 ] && ok || bad "NAME=PATH appends too"

# two threads (one per stage) on stdout, one more on stderr: 100000 records each
cat >"$work/two.rgp" <<'RGP'
schema R { n: i64, pad: str }
source rows = stdin as csv(R)
stage even = rows | where n % 2 == 0 | select { s: "even", n, pad }
stage odd = rows | where n % 2 == 1 | select { s: "odd", n, pad }
stage all = rows | select { s: "all", n }
sink a = stdout as csv(header: false) <- even
sink b = stdout as jsonl <- odd
sink c = stderr as csv(header: false) <- all
RGP
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%d,%s\n", i, substr("abcdefghijklmnopqrstuvwxyz0123456789", 1, 1 + i % 36) }' >"$work/two.in"
"$rgp" build "$work/two.rgp" -o "$work/two.bin" || bad "build two.rgp"
# every line whole and of its stream's shape, n increasing within each stream, every n once
check_two() {
    awk -F, '
        /^even,[0-9]+,[a-z0-9]+$/ { if ($2 <= le && ne) bad = bad " even-order"; le = $2; ne++; next }
        /^\{"s":"odd","n":[0-9]+,"pad":"[a-z0-9]+"\}$/ { split($2, f, ":"); v = f[2] + 0; if (v <= lo && no) bad = bad " odd-order"; lo = v; no++; next }
        { bad = bad " torn:" NR; exit }
        END { if (ne != 100000 || no != 100000) bad = bad " counts " ne "/" no; print bad ? bad : "ok" }' "$1"
}
check_err() {
    awk -F, '/^all,[0-9]+$/ { if ($2 != n) { print "bad at " NR; exit 1 } n++; next } { print "torn " NR; exit 1 }
        END { if (n != 200000) { print "count " n; exit 1 } }' "$1"
}
for mode in run bin; do
    if [ $mode = run ]; then "$rgp" run "$work/two.rgp" <"$work/two.in" >"$work/two.out" 2>"$work/two.err"
    else "$work/two.bin" <"$work/two.in" >"$work/two.out" 2>"$work/two.err"; fi
    r=$(check_two "$work/two.out"); [ "$r" = ok ] && ok || bad "$mode: two threads on stdout:$r"
    check_err "$work/two.err" >/dev/null && ok || bad "$mode: stderr sink: $(check_err "$work/two.err")"
    # and through a pipe, where writes of more than PIPE_BUF bytes may be split
    if [ $mode = run ]; then "$rgp" run "$work/two.rgp" <"$work/two.in" 2>/dev/null | cat >"$work/two.pipe"
    else "$work/two.bin" <"$work/two.in" 2>/dev/null | cat >"$work/two.pipe"; fi
    r=$(check_two "$work/two.pipe"); [ "$r" = ok ] && ok || bad "$mode: two threads on a pipe:$r"
done

# a CSV header that does not fit its schema stops the run before any sink is
# opened: a file sink keeps what it held, stdout gets nothing (not a header)
cat >"$work/hdr.rgp" <<'RGP'
schema R { n: i64, word: str }
source rows = stdin as csv(R, header: true)
sink keep = file("keep.csv") as csv <- rows
sink out = stdout as csv <- rows
RGP
"$rgp" build "$work/hdr.rgp" -o "$work/hdr.bin" || bad "build hdr.rgp"
printf 'old,contents\n' >"$work/keep.want"
for mode in run bin; do
    cp "$work/keep.want" "$work/keep.csv"
    if [ $mode = run ]; then printf 'n,wrod\n1,one\n' | "$rgp" run "$work/hdr.rgp" >"$work/hdr.out" 2>"$work/hdr.err"
    else printf 'n,wrod\n1,one\n' | "$work/hdr.bin" >"$work/hdr.out" 2>"$work/hdr.err"; fi
    [ $? = 1 ] && cmp -s "$work/keep.want" "$work/keep.csv" && [ ! -s "$work/hdr.out" ] \
        && grep -q "the header has no column for field 'word'" "$work/hdr.err" && ok \
        || { bad "$mode: a bad header left the sinks alone"; cat "$work/hdr.err"; }
    # a header that comes late through a pipe is waited for; reordered, it is matched by name
    if [ $mode = run ]; then (sleep 0.3; printf 'word,n\none,1\n') | "$rgp" run "$work/hdr.rgp" >"$work/hdr.out" 2>"$work/hdr.err"
    else (sleep 0.3; printf 'word,n\none,1\n') | "$work/hdr.bin" >"$work/hdr.out" 2>"$work/hdr.err"; fi
    [ $? = 0 ] && [ "$(cat "$work/hdr.out")" = "$(printf 'n,word\n1,one')" ] && cmp -s "$work/hdr.out" "$work/keep.csv" && ok \
        || { bad "$mode: a late header"; cat "$work/hdr.out" "$work/hdr.err"; }
done
# a SIGTERM while main waits for the header stops the run at once, sinks unopened
cp "$work/keep.want" "$work/keep.csv"
sleep 5 | "$work/hdr.bin" >"$work/hdr.out" 2>"$work/hdr.err" &
sleep 0.3; kill -TERM $!   # $!: the pipeline's last command, the binary
wait $!; st=$?
[ $st = 143 ] && cmp -s "$work/keep.want" "$work/keep.csv" && grep -q "stopped while waiting for its header" "$work/hdr.err" && ok \
    || { bad "a signal while waiting for the header (status $st)"; cat "$work/hdr.err"; }

echo "sinks: $passed passed, $failed failed"
[ "$failed" = 0 ]
