#!/bin/sh
# rgp lsp: a scripted JSON-RPC session (tests/lsp_session.py) checks diagnostics
# against rgp check --json, hover, definition, completion, formatting, protocol
# errors and the exit statuses. Usage: tests/lsp.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-lsp.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
# the command line: help as rgp help lsp gives it, and a bad argument refused
"$rgp" help lsp >"$work/a" && "$rgp" lsp --help >"$work/b" && cmp -s "$work/a" "$work/b" ||
    { echo "FAIL lsp: rgp lsp --help differs from rgp help lsp"; failed=1; }
"$rgp" lsp --tcp >/dev/null 2>"$work/err" </dev/null; status=$?
[ "$status" = 1 ] && head -1 "$work/err" | grep -qx "rgp lsp: error: unexpected argument '--tcp'" ||
    { echo "FAIL lsp: rgp lsp --tcp: exit $status, $(head -1 "$work/err")"; failed=1; }
TMPDIR=$work python3 "$(dirname "$0")/lsp_session.py" "$rgp" || failed=1
[ "$failed" = 0 ]
