#!/bin/sh
# rgp fmt. Each case in tests/fmt/ is NAME.rgp with NAME.out, the exact canonical
# text, or NAME.err and NAME.status for a file fmt must refuse. Then properties
# over every example, golden case and fmt case that parses: the output keeps every
# token and comment, formatting it again changes nothing, and it has no trailing
# blanks or runs of blank lines. Then --check, -w and the exit statuses.
# Usage: tests/fmt.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-fmt.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL fmt: $1"; failed=$((failed + 1)); }

# tokens FILE: one token a line, comments too, cut by a lexer of our own (awk,
# not rgp's), so a token that fmt split, joined, dropped or moved shows in a diff
tokens() {
    awk '{
        sub(/\r$/, "")
        while ($0 != "") {
            if (match($0, /^[ \t\r]+/)) { $0 = substr($0, RLENGTH + 1); continue }
            if (substr($0, 1, 1) == "#") { sub(/[ \t\r]+$/, ""); print "comment " $0; break }
            if (!match($0, /^"([^"\\]|\\.)*"/) && !match($0, /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/) &&
                !match($0, /^[A-Za-z_][A-Za-z0-9_]*/) && !match($0, /^(<-|==|!=|<=|>=|\+=|-=|\*=)/))
                match($0, /^./)
            print substr($0, 1, RLENGTH); $0 = substr($0, RLENGTH + 1)
        }
    }' "$1"
}

# ---- cases: exact output, diagnostics and exit status -----------------------
cd "$root/tests/fmt" || exit 1
for input in *.rgp; do
    name=${input%.rgp}
    "$rgp" fmt "$input" >"$work/out" 2>"$work/err"; status=$?
    want=0; [ -f "$name.status" ] && want=$(cat "$name.status")
    [ "$status" = "$want" ] && ok || bad "$name: exit $status, expected $want"
    for stream in out err; do
        if [ -f "$name.$stream" ]; then expected=$name.$stream; else expected=/dev/null; fi
        if cmp -s "$expected" "$work/$stream"; then ok
        else bad "$name: std$stream differs (expected < > actual)"; diff "$expected" "$work/$stream" | head -20; fi
    done
done

# ---- properties over every .rgp file in the tree that parses -----------------
n=0
for f in "$root"/examples/*.rgp "$root"/examples/*/*.rgp "$root"/tests/golden/*.rgp "$root"/tests/fmt/*.rgp; do
    what=${f#"$root"/}
    if ! "$rgp" fmt "$f" >"$work/a.rgp" 2>"$work/a.err"; then
        # fmt refuses only what rgp check refuses, with the same first message
        "$rgp" check "$f" >/dev/null 2>"$work/c.err"
        [ "$(head -1 "$work/a.err")" = "$(head -1 "$work/c.err")" ] && ok || bad "$what: fmt refused it: $(head -1 "$work/a.err")"
        continue
    fi
    n=$((n + 1))
    tokens "$f" >"$work/t1"; tokens "$work/a.rgp" >"$work/t2"
    if cmp -s "$work/t1" "$work/t2"; then ok
    else bad "$what: tokens or comments changed (before < > after)"; diff "$work/t1" "$work/t2" | head -10; fi
    "$rgp" fmt "$work/a.rgp" >"$work/b.rgp" && cmp -s "$work/a.rgp" "$work/b.rgp" && ok || bad "$what: fmt(fmt(x)) differs from fmt(x)"
    "$rgp" fmt --check "$work/a.rgp" 2>/dev/null && ok || bad "$what: --check rejects fmt's own output"
    grep -n '[[:blank:]]$' "$work/a.rgp" >"$work/trailing" && { bad "$what: trailing blanks"; head -3 "$work/trailing"; } || ok
    awk 'prev == "" && NR > 1 && $0 == "" { bad = 1 } { prev = $0 } END { exit !bad }' "$work/a.rgp" \
        && bad "$what: a run of blank lines" || ok
    if [ -s "$work/a.rgp" ]; then
        [ "$(tail -c 1 "$work/a.rgp" | od -An -c | tr -d ' ')" = '\n' ] && [ -n "$(tail -n 1 "$work/a.rgp")" ] \
            && ok || bad "$what: does not end with exactly one newline"
    fi
done
[ "$n" -ge 25 ] && ok || bad "only $n files formatted; expected the examples and golden cases"
"$rgp" fmt --check "$root"/examples/*.rgp "$root"/examples/*/*.rgp && ok || bad "examples are not canonical: run rgp fmt -w examples/*.rgp, or fix fmt"

# ---- --check and -w ------------------------------------------------------------
cd "$work" || exit 1
cp "$root/tests/fmt/indent.rgp" messy.rgp
cp "$root/tests/fmt/indent.rgp" messy2.rgp
cp "$root/examples/sensors.rgp" good.rgp
cp "$root/tests/fmt/syntax_error.rgp" broken.rgp

"$rgp" fmt --check good.rgp >out 2>err && [ ! -s out ] && [ ! -s err ] && ok || bad "--check of a canonical file: $(cat err)"
"$rgp" fmt --check messy.rgp good.rgp messy2.rgp >out 2>err; status=$?
[ $status = 1 ] && [ ! -s out ] && [ "$(cat err)" = "messy.rgp: not formatted
messy2.rgp: not formatted" ] && ok || bad "--check names each file not formatted (exit $status): $(cat out err)"
cmp -s messy.rgp "$root/tests/fmt/indent.rgp" && ok || bad "--check changed a file"
"$rgp" fmt --check broken.rgp >out 2>err; status=$?
[ $status = 1 ] && grep -q "^broken.rgp:5:1: error:" err && ! grep -q "not formatted" err && ok \
    || bad "--check of a file with a syntax error: exit $status, $(cat err)"

"$rgp" fmt good.rgp messy.rgp >out && cat good.rgp "$root/tests/fmt/indent.out" | cmp -s - out && ok \
    || bad "fmt of two files prints both, in order"

chmod 640 messy.rgp
inode=$(stat -c %i good.rgp)
"$rgp" fmt -w good.rgp messy.rgp >out 2>err && [ ! -s out ] && [ ! -s err ] && ok || bad "-w: $(cat out err)"
cmp -s messy.rgp "$root/tests/fmt/indent.out" && ok || bad "-w did not write the canonical text"
[ "$(stat -c %a messy.rgp)" = 640 ] && ok || bad "-w changed the file's mode to $(stat -c %a messy.rgp)"
[ "$(stat -c %i good.rgp)" = "$inode" ] && ok || bad "-w rewrote a file that was already canonical"
ls -a | grep -q 'fmt-' && bad "-w left a temporary file: $(ls -a | grep fmt-)" || ok

ln -s messy2.rgp link.rgp
"$rgp" fmt -w link.rgp && [ -L link.rgp ] && cmp -s messy2.rgp "$root/tests/fmt/indent.out" && ok \
    || bad "-w through a symlink rewrites the file it names and keeps the link"
cp broken.rgp broken.orig
"$rgp" fmt -w broken.rgp >out 2>err; status=$?
[ $status = 1 ] && cmp -s broken.rgp broken.orig && grep -q "^broken.rgp:5:1: error:" err && ok \
    || bad "-w of a file with a syntax error: exit $status, file changed or no diagnostic"
cp "$root/tests/fmt/spacing.rgp" more.rgp
"$rgp" fmt -w nope.rgp more.rgp 2>err; status=$?
[ $status = 1 ] && grep -q "cannot read 'nope.rgp'" err && cmp -s more.rgp "$root/tests/fmt/spacing.out" && ok \
    || bad "-w goes on past a missing file and exits 1 (exit $status)"

# ---- the command line ------------------------------------------------------------
for args in "" "--check -w good.rgp" "--bogus good.rgp"; do
    # shellcheck disable=SC2086
    "$rgp" fmt $args >out 2>err; status=$?
    [ $status = 1 ] && grep -q "^Usage: rgp fmt" err && [ ! -s out ] && ok || bad "rgp fmt $args: exit $status, expected 1 and the usage"
done
"$rgp" help fmt >a && "$rgp" fmt --help >b && cmp -s a b && grep -q -- "--check" a && grep -q -- "-w " a && ok \
    || bad "rgp help fmt and rgp fmt --help differ or do not describe --check and -w"
"$rgp" --help | grep -q "^  fmt " && ok || bad "rgp --help does not list fmt"

echo "fmt: $passed passed, $failed failed"
[ $failed = 0 ]
