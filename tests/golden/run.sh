#!/bin/sh
# Golden end-to-end tests. Each case is NAME.rgp in this folder with, beside it:
#   NAME.out     expected stdout          NAME.err     expected stderr (else: empty)
#   NAME.status  expected exit status (else 0)
#   NAME.args    arguments for the pipeline; $OUT is a fresh folder for output files
#   NAME.stdin   standard input           NAME.files/  expected files in $OUT (folders too)
#   NAME.sort    present: compare stdout and files sorted (merged streams interleave freely)
#   NAME.env     VAR=VALUE words set in the environment of the run ($OUT as in .args)
# Every case runs twice, through `rgp run` (libtcc) and a `rgp build` binary (cc),
# and both must match byte for byte. A case whose .err starts with NAME.rgp: is
# a compile-error case: `rgp check` must print the same diagnostics.
# Usage: tests/golden/run.sh PATH/TO/rgp [NAME ...]
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); shift
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-golden.XXXXXX")
trap 'rm -rf "$work" "$here"/.*.bin.$$' EXIT
# rgp run through libtcc every time: no background cc, and an empty cache of our own
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
cd "$here" || exit 1
passed=0 failed=0

cases=${*:-$(ls *.rgp | sed 's/\.rgp$//')}

# compare WHAT EXPECTED-FILE ACTUAL-FILE
compare() {
    if [ -f "$case.sort" ] && [ "$1" != stderr ]; then
        sort "$2" >"$work/expected.sorted"; sort "$3" >"$work/actual.sorted"
        set -- "$1 (sorted)" "$work/expected.sorted" "$work/actual.sorted"
    fi
    if ! cmp -s "$2" "$3"; then
        echo "FAIL $case ($mode): $1 differs (expected < > actual):"
        diff "$2" "$3" | head -20
        ok=0
    fi
}

check_case() {
    out="$work/$case.$mode.dir"; rm -rf "$out"; mkdir -p "$out"
    exp_status=0; [ -f "$case.status" ] && exp_status=$(cat "$case.status")
    args=""; [ -f "$case.args" ] && args=$(sed "s|\$OUT|$out|g" "$case.args")
    stdin=/dev/null; [ -f "$case.stdin" ] && stdin="$case.stdin"
    vars=""; [ -f "$case.env" ] && vars=$(sed "s|\$OUT|$out|g" "$case.env")
    ok=1
    if [ "$mode" = jit ]; then
        # shellcheck disable=SC2086
        env $vars "$rgp" run "$case.rgp" $args <"$stdin" >"$work/stdout" 2>"$work/stderr"; status=$?
    elif [ "$mode" = check ]; then
        "$rgp" check "$case.rgp" >"$work/stdout" 2>"$work/stderr"; status=$?
    else
        # beside the .rgp file: a built binary resolves the file's relative paths against its own directory
        bin="$here/.$case.bin.$$"
        if "$rgp" build "$case.rgp" -o "$bin" >"$work/stdout" 2>"$work/stderr"; then
            # shellcheck disable=SC2086
            env $vars "$bin" $args <"$stdin" >"$work/stdout" 2>"$work/stderr"; status=$?
        else
            status=$?
        fi
        rm -f "$bin"
    fi
    [ "$status" = "$exp_status" ] || { echo "FAIL $case ($mode): exit status $status, expected $exp_status"; ok=0; }
    if [ -f "$case.out" ]; then compare stdout "$case.out" "$work/stdout"
    else compare stdout /dev/null "$work/stdout"; fi
    if [ -f "$case.err" ]; then compare stderr "$case.err" "$work/stderr"
    else compare stderr /dev/null "$work/stderr"; fi
    if [ -d "$case.files" ]; then
        # every file under it, in folders too (a journal is a folder of segments)
        for f in $(cd "$case.files" && find . -type f | sed 's|^\./||' | sort); do
            compare "file $f" "$case.files/$f" "$out/$f"
        done
        # and no file it does not expect in those folders
        for f in $(cd "$out" && find . -mindepth 2 -type f | sed 's|^\./||' | sort); do
            [ -f "$case.files/$f" ] || { echo "FAIL $case ($mode): unexpected file $f"; ok=0; }
        done
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# The cases run in $jobs workers (default: one per CPU), each with its own
# scratch folder; each worker's report is printed whole when all are done.
run_worker() {   # run_worker N: every jobs-th case, from the N-th
    work=$work/w$1; mkdir -p "$work"
    i=0
    for case in $cases; do
        i=$((i + 1))
        [ $((i % jobs)) = "$1" ] || continue
        modes="jit aot"
        # diagnostics that name the .rgp file come from the compiler: `rgp check` must agree
        [ -f "$case.err" ] && head -c $((${#case} + 5)) "$case.err" | grep -qx "$case.rgp:" && modes="check jit aot"
        for mode in $modes; do check_case; done
    done
    echo "$passed $failed" >"$work/counts"
}
jobs=${RGP_GOLDEN_JOBS:-$(nproc 2>/dev/null || echo 1)}
n=0
while [ $n -lt "$jobs" ]; do
    run_worker $n >"$work/report.$n" 2>&1 &
    n=$((n + 1))
done
wait
n=0
while [ $n -lt "$jobs" ]; do
    cat "$work/report.$n"
    read -r p f <"$work/w$n/counts" || { p=0 f=1; echo "FAIL golden: worker $n did not finish"; }
    passed=$((passed + p)) failed=$((failed + f))
    n=$((n + 1))
done
echo "golden: $passed passed, $failed failed"
[ $failed = 0 ]
