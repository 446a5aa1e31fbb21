#!/bin/sh
# rgp lsp: a scripted JSON-RPC session (tests/lsp_session.py) checks diagnostics
# against rgp check --json, hover, definition, completion, formatting, protocol
# errors and the exit statuses. Usage: tests/lsp.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-lsp.XXXXXX")
trap 'rm -rf "$work"' EXIT
TMPDIR=$work python3 "$(dirname "$0")/lsp_session.py" "$rgp"
