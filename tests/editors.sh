#!/bin/sh
# The editor files list the words of the language: the lexer's keywords
# (dsl/lexer.re), the scalar types (compiler/types.h) and the functions and
# aggregates (compiler/builtins.h). Each list in editors/vim/syntax/rgp.vim and
# editors/textmate/rgp.tmLanguage.json must be exactly the one derived from those
# sources, so a new keyword that is not highlighted fails here. Then vim loads the
# syntax file and names the group of a word of each kind.
# Usage: tests/editors.sh
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-editors.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL editors: $1"; failed=$((failed + 1)); }
words() { tr ' ' '\n' | sed '/^$/d' | sort -u; }

# ---- the sources of truth ----------------------------------------------------
sed -n 's/^ *"\([a-z_]*\)" *{ return make(L, TK_.*/\1/p' "$root/dsl/lexer.re" | words >"$work/keywords"
sed -n 's/^ *X([A-Z0-9]*, *"\([a-z0-9]*\)".*/\1/p' "$root/compiler/types.h" | words >"$work/types"
awk '/#define RGP_(BUILTINS|AGGREGATES)\(X\)/, /^$/' "$root/compiler/builtins.h" |
    sed -n 's/^ *X(\([a-z_0-9]*\),.*/\1/p' | words | comm -23 - "$work/types" >"$work/functions"   # casts are types
[ "$(wc -l <"$work/keywords")" -gt 30 ] && ok || bad "found only $(wc -l <"$work/keywords") keywords in dsl/lexer.re"
[ "$(wc -l <"$work/types")" -eq 8 ] && ok || bad "expected 8 scalar types in compiler/types.h, found $(wc -l <"$work/types")"
grep -qx coalesce "$work/functions" && grep -qx p999 "$work/functions" && ok || bad "the functions or aggregates were not found"

# same KIND WANT GOT: the two lists are equal
same() {
    if diff "$2" "$3" >"$work/diff"; then ok; else bad "$1 (< wanted, > found):"; cat "$work/diff"; fi
}

# ---- vim: the words of `syn keyword GROUP ...` lines ---------------------------
vim_words() {
    for g in "$@"; do awk -v g="$g" '$1 == "syn" && $2 == "keyword" && $3 == g { for (i = 4; i <= NF; i++) print $i }' \
        "$root/editors/vim/syntax/rgp.vim"; done | words
}
vim_words rgpDeclaration rgpKeyword rgpOperator rgpBoolean >"$work/vim"
same "vim keywords" "$work/keywords" "$work/vim"
vim_words rgpType >"$work/vim"
same "vim types" "$work/types" "$work/vim"
vim_words rgpFunction >"$work/vim"
same "vim functions" "$work/functions" "$work/vim"
grep -q 'setfiletype rgp' "$root/editors/vim/ftdetect/rgp.vim" && ok || bad "ftdetect does not set the rgp filetype"

# ---- TextMate: the \b(a|b|...) alternatives of each repository rule -------------
python3 - "$root/editors/textmate/rgp.tmLanguage.json" "$work" <<'PY' || bad "the TextMate grammar does not load (above)"
import json, re, sys
g = json.load(open(sys.argv[1]))
assert g["scopeName"] == "source.rgp", "scopeName"
groups = {"keywords": ["declaration", "keyword", "operator-word", "boolean"], "types": ["type"], "functions": ["function"]}
for rule in g["repository"].values():          # every pattern must compile (ours use no Oniguruma-only syntax)
    for key in ("match", "begin", "end"):
        if key in rule:
            re.compile(rule[key])
for kind, rules in groups.items():
    found = set()
    for r in rules:
        m = re.match(r"\\b\(([a-z0-9_|]+)\)", g["repository"][r]["match"])
        assert m, "rule %s: no \\b(...) list" % r
        found |= set(m.group(1).split("|"))
    open(sys.argv[2] + "/tm_" + kind, "w").write("".join(w + "\n" for w in sorted(found)))
PY
for kind in keywords types functions; do
    sort -u "$work/tm_$kind" >"$work/tm" 2>/dev/null && same "TextMate $kind" "$work/$kind" "$work/tm"
done

# ---- vim itself: the syntax group of a word of each kind ------------------------
if command -v vim >/dev/null 2>&1; then
    cat >"$work/a.rgp" <<'RGP'
schema R { v: f64 }
stage s = r | where v > 1.5 and true | select { n: round(v) }  # note
RGP
    # each: LINE COL GROUP
    printf '%s\n' "1 1 rgpDeclaration" "1 16 rgpType" "2 15 rgpKeyword" "2 25 rgpNumber" "2 29 rgpOperator" \
        "2 33 rgpBoolean" "2 52 rgpFunction" "2 64 rgpComment" >"$work/want"
    : >"$work/got"
    while read -r line col group; do
        echo "call writefile([synIDattr(synID($line, $col, 1), 'name')], '$work/one')" >"$work/probe.vim"
        HOME=$work timeout 60 vim -Nu NONE -i NONE -es --cmd "set rtp^=$root/editors/vim" --cmd 'filetype on' --cmd 'syntax on' \
            -c 'set ft=rgp' -S "$work/probe.vim" -c 'qa!' "$work/a.rgp" </dev/null >/dev/null 2>&1
        echo "$line $col $(cat "$work/one" 2>/dev/null)" >>"$work/got"
    done <"$work/want"
    same "vim's syntax groups" "$work/want" "$work/got"
    # ftdetect: a .rgp file gets the rgp filetype by itself
    echo "call writefile([&filetype], '$work/one')" >"$work/probe.vim"
    HOME=$work timeout 60 vim -Nu NONE -i NONE -es --cmd "set rtp^=$root/editors/vim" --cmd 'filetype on' \
        -S "$work/probe.vim" -c 'qa!' "$work/a.rgp" </dev/null >/dev/null 2>&1
    [ "$(cat "$work/one" 2>/dev/null)" = rgp ] && ok || bad "vim does not detect a .rgp file as rgp: '$(cat "$work/one" 2>/dev/null)'"
fi

echo "editors: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
