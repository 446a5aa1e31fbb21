#!/bin/sh
# rgp journal verify|dump|info as a user meets them: on a sound journal, a torn
# tail, a corrupt frame, a missing directory and bad arguments.
# Usage: journal_tools.sh RGP JOURNAL_WRITER
set -u
RGP=$1
WRITER=$2
D=build/journal_tools
rm -rf "$D" && mkdir -p "$D"
J=$D/j
n=0
fail() { echo "journal_tools: FAIL: $*" >&2; exit 1; }
expect() {  # expect STATUS PATTERN CMD...: the status and a line of stdout+stderr matching PATTERN
    want=$1 pat=$2
    shift 2
    n=$((n + 1))
    "$@" >"$D/out" 2>&1
    got=$?
    [ $got -eq "$want" ] || fail "$*: exit $got, expected $want: $(cat "$D/out")"
    grep -q -- "$pat" "$D/out" || fail "$*: no line matches '$pat' in: $(cat "$D/out")"
}

"$WRITER" "$J" always 300 || fail "writer"
seg=$J/00000000000000000000.seg
expect 0 "sound: [0-9]* segments*, offsets 0 to 300, 300 records" "$RGP" journal verify "$J"
expect 0 '^{"offset":0,"id":0,"name":"rec-0"}$' "$RGP" journal dump "$J"
expect 0 '^{"offset":299,"id":299,"name":"rec-299rec-299rec-299rec-299rec-299"}$' "$RGP" journal dump "$J" --from 299
[ "$("$RGP" journal dump "$J" --from 297 | wc -l)" -eq 3 ] || fail "dump --from 297 did not give 3 records"
expect 0 "^next  *300$" "$RGP" journal info "$J"
expect 0 "^durable  *300$" "$RGP" journal info "$J"
expect 0 "^schema  *id:u64;name:str$" "$RGP" journal info "$J"
expect 1 "past its end" "$RGP" journal dump "$J" --from 301
expect 1 "expects an offset (a whole number), found 'x'" "$RGP" journal dump "$J" --from x
expect 1 "unknown tool 'check'" "$RGP" journal check "$J"
expect 1 "journal $D/none: No such file or directory" "$RGP" journal verify "$D/none"
expect 0 "Usage: rgp journal verify DIR" "$RGP" journal --help

# a torn tail: a warning, still sound; a writer cuts it and goes on
last=$(ls "$J"/*.seg | tail -1)
size=$(stat -c %s "$last")
truncate -s $((size - 5)) "$last"
expect 0 "warning: .*torn tail of" "$RGP" journal verify "$J"
expect 0 "bytes after the last whole record (a torn tail)" "$RGP" journal dump "$J" --from 298
"$WRITER" "$J" always 1 2>"$D/w.err" || fail "writer after a torn tail: $(cat "$D/w.err")"
grep -q "cut a torn tail of" "$D/w.err" || fail "the writer did not say it cut the tail"
expect 0 "offsets 0 to 300, 300 records" "$RGP" journal verify "$J"

# one flipped byte inside the first segment: verify and dump name the segment and byte
printf 'X' | dd of="$seg" bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "00000000000000000000.seg: corrupt frame at byte [0-9]* (offset [0-9]*)" "$RGP" journal verify "$J"
expect 1 "00000000000000000000.seg: corrupt frame at byte" "$RGP" journal dump "$J"
echo "journal_tools: $n checks passed"
