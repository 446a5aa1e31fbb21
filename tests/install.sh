#!/bin/sh
# The Unix side of rgp: the man page rgp(1) reads cleanly and describes every
# command of `rgp --help` and every option of each `rgp help CMD`; the bash
# completion offers the commands, each command's options and .rgp files; and
# `make install DESTDIR=...` puts the binary, the page and the completion
# under PREFIX. Usage: tests/install.sh PATH/TO/rgp (MAKE names make)
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
man=$root/docs/rgp.1
completion=$root/editors/bash-completion/rgp
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL install: $1"; failed=$((failed + 1)); }

# ---- the man page ---------------------------------------------------------------
groff -mdoc -ww -z "$man" 2>"$work/warn"
[ ! -s "$work/warn" ] && ok || { bad "groff warns about docs/rgp.1:"; cat "$work/warn"; }
commands=$("$rgp" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ "$(echo "$commands" | wc -l)" -ge 11 ] && ok || bad "rgp --help lists only: $commands"
for c in $commands; do
    grep -q "^\.It Cm $c\( \|$\)" "$man" && ok || bad "docs/rgp.1 has no '.It Cm $c' for the command $c"
done
# and no command the help does not list
for c in $(sed -n 's/^\.It Cm \([a-z]*\).*/\1/p' "$man"); do
    echo "$commands" | grep -qx "$c" && ok || bad "docs/rgp.1 describes '$c', which rgp --help does not list"
done
# the options: one list, the completion's, read from the help's usage and option lines
options() { bash -c '. "$1"; _rgp_options "$2" "$3"' sh "$completion" "$rgp" "$1"; }
all=""
for c in $commands; do
    for o in $(options "$c"); do
        all="$all $c:$o"
        grep -q "Fl ${o#-}\( \|$\)" "$man" && ok || bad "docs/rgp.1 does not describe '$o' of rgp $c (as 'Fl ${o#-}')"
    done
done
for want in build:-o check:--json fmt:-w journal:--from lsp:--stdio run:-O run:--metrics test:--json; do
    case " $all " in *" $want "*) ok ;; *) bad "the options read from the help miss $want (found:$all)" ;; esac
done

# ---- bash completion --------------------------------------------------------------
mkdir -p "$work/p/sub"
touch "$work/p/a.rgp" "$work/p/b.rgp" "$work/p/data.csv"
# complete WORDS...: what _rgp offers for the last word, one per line, sorted
complete_words() {
    (cd "$work/p" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rgp; printf "%s\n" "${COMPREPLY[@]}"' \
        sh "$completion" "$rgp" "$@") | sort
}
expect() {   # expect "WORDS BEFORE" "WORD BEING TYPED" "WANTED..."
    got=$(complete_words $1 "$2" | tr '\n' ' ')
    [ "$got" = "$3 " ] && ok || bad "completing 'rgp $1 $2': got '$got', expected '$3 '"
}
got=$(complete_words "" | tr '\n' ' ')
want=$(printf '%s\n' $commands --help --version | sort | tr '\n' ' ')
[ "$got" = "$want" ] && ok || bad "completing 'rgp ': got '$got', expected '$want'"
expect "" "l" "lsp"
expect "fmt" "--" "--check"
expect "run a.rgp" "--s" "--stats --strict"
expect "check" "" "a.rgp b.rgp sub"
expect "journal" "" "dump info verify"
expect "help" "j" "journal"
expect "run a.rgp" "out=da" "out=data.csv"
expect "build a.rgp -o" "da" "data.csv"

# ---- make install -------------------------------------------------------------------
dest=$root/build/inst
rm -rf "$dest"
${MAKE:-make} -s -C "$root" install DESTDIR="$dest" >"$work/out" 2>&1 || { bad "make install failed:"; cat "$work/out"; }
for f in bin/rgp share/man/man1/rgp.1 share/bash-completion/completions/rgp; do
    [ -f "$dest/usr/local/$f" ] && ok || bad "make install DESTDIR=build/inst did not install /usr/local/$f"
done
[ -x "$dest/usr/local/bin/rgp" ] && "$dest/usr/local/bin/rgp" --version | grep -q '^rgp ' && ok || bad "the installed rgp does not run"
cmp -s "$man" "$dest/usr/local/share/man/man1/rgp.1" && ok || bad "the installed man page differs from docs/rgp.1"
MANWIDTH=80 man -l "$dest/usr/local/share/man/man1/rgp.1" 2>/dev/null | grep -q 'compiler and runtime for streaming pipelines' && ok ||
    bad "man -l does not render the installed page"
rm -rf "$dest"
${MAKE:-make} -s -C "$root" install DESTDIR="$dest" PREFIX=/opt/rgp >"$work/out" 2>&1 &&
    [ -f "$dest/opt/rgp/bin/rgp" ] && [ -f "$dest/opt/rgp/share/man/man1/rgp.1" ] && ok || bad "make install PREFIX=/opt/rgp did not install under it"
rm -rf "$dest"

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
