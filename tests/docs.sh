#!/bin/sh
# Runs every example in docs/language.md, connectors.md, operations.md, testing.md and durability.md: each ```rgp block must
# pass `rgp check` (and `rgp test` when it has test blocks);
# when ```input and ```output blocks follow it, `rgp run` on that input must print
# exactly that output. Usage: tests/docs.sh PATH/TO/rgp
set -u
rgp=$1
docs="$(dirname "$0")/../docs/language.md $(dirname "$0")/../docs/connectors.md $(dirname "$0")/../docs/operations.md $(dirname "$0")/../docs/testing.md $(dirname "$0")/../docs/durability.md"
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
# rgp run through libtcc every time: no background cc, and an empty cache of our own
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
# split the fenced blocks into numbered files: N.rgp, N.input, N.output; a ```file:NAME
# block is a file the examples read (a lookup table's), written beside them as NAME
awk -v dir="$work" '
    /^```(rgp|input|output)$/ { kind = substr($0, 4); if (kind == "rgp") n++; file = dir "/" n "." kind; printf "" > file; next }
    /^```file:[A-Za-z0-9_.-]+$/ { file = dir "/" substr($0, 9); printf "" > file; next }
    /^```$/ { file = ""; next }
    file != "" { print >> file }
' $docs
passed=0 failed=0
for prog in "$work"/*.rgp; do
    n=$(basename "$prog" .rgp)
    if ! "$rgp" check "$prog" 2>"$work/err"; then
        echo "FAIL docs example $n does not check:"; cat "$work/err"; failed=$((failed + 1)); continue
    fi
    if grep -q '^test "' "$prog" && ! "$rgp" test "$prog" >"$work/out" 2>&1; then   # its test blocks must pass
        echo "FAIL docs example $n: rgp test:"; cat "$work/out"; failed=$((failed + 1)); continue
    fi
    if [ -f "$work/$n.input" ]; then
        "$rgp" run "$prog" <"$work/$n.input" >"$work/out" 2>"$work/err"
        if ! cmp -s "$work/out" "$work/$n.output"; then
            echo "FAIL docs example $n: output differs (expected < > actual)"
            diff "$work/$n.output" "$work/out" | head -20; cat "$work/err"
            failed=$((failed + 1)); continue
        fi
    fi
    passed=$((passed + 1))
done
echo "docs: $passed passed, $failed failed"
[ "$passed" -gt 0 ] && [ $failed = 0 ]
