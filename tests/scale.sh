#!/bin/sh
# The front end on large programs: generated here, since they are too big to keep.
# Each must check in seconds (timeout), never crash (exit status under 128), and
# either run right through `rgp run` and a `rgp build` binary alike or fail with
# the exact error at file:line:col.
# Usage: tests/scale.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
# rgp run through libtcc every time: no background cc, and an empty cache of our own
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
cd "$work" || exit 1
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL scale: $1"; failed=$((failed + 1)); }

# chain N TEXT: TEXT for i = 1..N, with %d replaced by i and %p by i - 1 (split once: gsub is slow)
chain() {
    awk -v n="$1" -v t="$2" 'BEGIN {
        np = split(t, p, "%p")
        for (i = 1; i <= n; i++) {
            s = p[1]; for (k = 2; k <= np; k++) s = s (i - 1) p[k]
            nd = split(s, d, "%d"); s = d[1]; for (k = 2; k <= nd; k++) s = s i d[k]
            printf "%s", s
        }
    }'
}

# checks FILE WHAT: `rgp check` succeeds within the time bound
checks() {
    timeout 10 "$rgp" check "$1" >/dev/null 2>"$work/err"; st=$?
    if [ $st = 0 ]; then ok; else bad "$2: rgp check exit $st"; head -c 600 "$work/err"; fi
}

# rejects FILE WHAT MESSAGE: `rgp check` exits 1 within the time bound, first line MESSAGE
rejects() {
    timeout 10 "$rgp" check "$1" >/dev/null 2>"$work/err"; st=$?
    first=$(head -n 1 "$work/err")
    if [ $st = 1 ] && [ "$first" = "$3" ]; then ok; else bad "$2: exit $st, first line: $(echo "$first" | head -c 300)"; fi
}

# runs FILE WHAT INPUT EXPECTED: rgp run and a built binary both print EXPECTED for INPUT
runs() {
    t0=$(date +%s)
    for mode in run build; do
        if [ $mode = run ]; then
            printf "$3" | timeout 60 "$rgp" run "$1" >"$work/out" 2>"$work/err"; st=$?
        else
            timeout 120 "$rgp" build "$1" -o "$work/bin" 2>"$work/err" && printf "$3" | timeout 60 "$work/bin" >"$work/out" 2>>"$work/err"
            st=$?
        fi
        printf "$4" >"$work/want"
        if [ $st = 0 ] && cmp -s "$work/want" "$work/out"; then ok; else
            bad "$2 ($mode): exit $st, output $(head -c 200 "$work/out")"; head -c 600 "$work/err"
        fi
    done
    [ -n "${SCALE_TIMES:-}" ] && echo "$2: $(($(date +%s) - t0)) s"
}

head_r='schema R { a: i64, s: str }
source src = stdin as csv(R)
'
sink='
sink out = stdout as csv <- t
'

# ---- deep expressions: a chain of N terms is N-1 levels deep -----------------------
{ printf '%s' "$head_r"; printf 'stage t = src | select { x: a'; chain 299 ' + 1'; printf ' }'; printf '%s' "$sink"; } >plus300.rgp
runs plus300.rgp "300 terms" '1,x\n-7,y\n' 'x\n300\n292\n'
{ printf '%s' "$head_r"; printf 'stage t = src | select { x: a'; chain 69999 ' + 1'; printf ' }'; printf '%s' "$sink"; } >plus70000.rgp
rejects plus70000.rgp "70,000 terms" \
    "plus70000.rgp:3:280023: error: expression nested deeper than 10000 levels; compute it in steps, naming the parts in a select"
{ printf '%s' "$head_r"; printf 'stage t = src | select { x: max(0, a'; chain 10000 ' * 1'; printf ') }'; printf '%s' "$sink"; } >call.rgp
rejects call.rgp "10,001 factors in a call" \
    "call.rgp:3:29: error: expression nested deeper than 10000 levels; compute it in steps, naming the parts in a select"

# long chains of every kind of operator, in a select and a where (cc -O2 takes seconds
# over a few hundred string joins or ifs, so those chains are shorter)
{ printf '%s' "$head_r"; printf 'stage t = src\n    | select { a, s, plus: a'; chain 4999 ' + 1'
  printf ',\n        joined: s'; chain 100 ' + "."'
  printf ',\n        n: len(s'; chain 100 ' + "."'
  printf '),\n        ifs: 0'; chain 100 ' + if a >= %d { 1 } else { 0 }'
  printf ' }\n    | where a > 0'; chain 1000 ' and a > -%d'
  printf ' and (a == 0'; chain 1000 ' or a == %d'; printf ')'; printf '%s' "$sink"; } >deep.rgp
dots=$(chain 100 '.')
runs deep.rgp "5,000 terms, 100 joins and ifs, 1,000 ands and ors" '1000,ab\n-2,cd\n1001,ef\n' \
    "a,s,plus,joined,n,ifs\n1000,ab,5999,ab$dots,102,100\n"
# in keyed state, an aggregate and a route's condition
{ printf '%s' "$head_r"; printf 'route r = src { big: a'; chain 3000 ' - 1'; printf ' > 0, default: small }\n'
  printf 'stage t = big\n    | by s state { n: i64 = 0 } { n += a'; chain 3000 ' - 1'; printf ' emit { s, n } }\n'
  printf '    | group by s { x: sum(n'; chain 3000 ' * 1'; printf ') }'; printf '%s' "$sink"; } >deep_ops.rgp
runs deep_ops.rgp "3,000 terms in a route, keyed state and an aggregate" '5000,x\n5000,x\n7,y\n' 's,x\nx,6000\n'

# brackets open at once: the parser's stack
{ printf '%s' "$head_r"; printf 'stage t = src | select { x: '; chain 400 '('; printf 'a'; chain 400 ' + 1)'; printf ' }'; printf '%s' "$sink"; } >parens400.rgp
runs parens400.rgp "400 nested brackets" '1,x\n' 'x\n401\n'
{ printf '%s' "$head_r"; printf 'stage t = src | select { x: '; chain 5000 '('; printf 'a'; chain 5000 ')'; printf ' }'; printf '%s' "$sink"; } >parens.rgp
rejects parens.rgp "5,000 nested brackets" \
    "parens.rgp:3:1017: error: nested too deeply: more than 1000 brackets, operators and ifs open at once; compute it in steps, naming the parts in a select"

# ---- many declarations: each checks in well under a second ---------------------------
# timed TIMEOUT FILE WHAT: rgp check succeeds within TIMEOUT seconds
timed() {
    timeout "$1" "$rgp" check "$2" >/dev/null 2>"$work/err"; st=$?
    if [ $st = 0 ]; then ok; else bad "$3: rgp check exit $st (124: over $1 s)"; head -c 600 "$work/err"; fi
}
{ printf '%s' "$head_r"; printf 'stage s0 = src | where a > 0\n'; chain 10000 'stage s%d = s%p | where a > -%d\n'
  printf 'sink out = stdout as csv <- s10000\n'; } >stages.rgp
timed 2 stages.rgp "a chain of 10,000 stages"
timeout 10 "$rgp" emit stages.rgp >stages.c; st=$?; size=$(wc -c <stages.c); rm -f stages.c
[ $st = 0 ] && [ "$size" -lt 20000000 ] && ok || bad "a chain of 10,000 stages: rgp emit exit $st, $size bytes (the indent grew with the chain)"
{ printf '%s' "$head_r"; printf 'stage s0 = src | where a > 0\n'; chain 300 'stage s%d = s%p | where a > -%d | select { a: a + 1, s }\n'
  printf 'sink out = stdout as csv <- s300\n'; } >stages300.rgp
runs stages300.rgp "a chain of 300 stages fused in one thread" '5,x\n-1,y\n' 'a,s\n305,x\n'
{ printf 'schema R {'; chain 10000 ' f%d: i64,'; printf ' last: i64 }\nsource src = stdin as csv(R)\nstage t = src | select {'
  chain 10000 ' f%d,'; printf ' last }'; printf '%s' "$sink"; } >fields.rgp
timed 2 fields.rgp "10,000 fields, all selected"
{ printf '%s' "$head_r"; printf 'stage s0 = src | where a > 0\n'
  chain 10000 'stage s%d = s%p | where a > %d\nsink o%d = file("o%d.csv") as csv <- s%d\n'; } >sinks.rgp
timed 2 sinks.rgp "10,000 stages each with a sink"
{ printf '%s' "$head_r"; printf 'route r = src {'; chain 10000 ' b%d: a == %d,'; printf ' default: rest }\nsink out = stdout as csv <- rest\n'
  chain 10000 'sink o%d = file("o%d.csv") as csv <- b%d\n'; } >route.rgp
timed 2 route.rgp "a route of 10,000 branches, each with a sink"
{ printf '%s' "$head_r"; chain 10000 'stage s%d = src | where a > %d\n'; printf 'sink out = stdout as csv <- src\n'; } >unused.rgp
timed 2 unused.rgp "10,000 warnings"
[ "$(grep -c "warning: stage 's[0-9]*' is never read" "$work/err")" = 10000 ] && ok || bad "10,000 warnings: not each reported once"

echo "scale: $passed passed, $failed failed"
[ $failed = 0 ]
