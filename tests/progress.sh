#!/bin/sh
# The progress line (runtime/progress.h) as a user at a terminal meets it:
# stderr on a pseudo-terminal (python3's pty), a source reading a regular
# file and one reading a fifo this test holds open, so the run lasts until the
# file is read to the end and the line says so; a message (a rejected row)
# clears it first; it is cleared at the end. Then no line with --no-progress, none when the only source is a pipe
# (but one with --progress), and never a byte of it when stderr is not a
# terminal, even with --progress. Through rgp run, and the cases of one
# source through a rgp build binary.
# Every wait is bounded.
# Usage: tests/progress.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(dirname "$rgp")/progress-test
rm -rf "$work" && mkdir -p "$work" || exit 1
trap 'rm -rf "$work"' EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL progress ($mode): $1"; failed=$((failed + 1)); }

cat >"$work/p.rgp" <<'RGP'
schema R { k: u32, v: f64 }
source big = file("bad.csv") as csv(R)
source more = file("more.fifo") as csv(R)
stage hot = big | where v > 10.0
sink out = file("out.csv") as csv <- hot
sink copy = file("copy.csv") as csv <- more
RGP
cat >"$work/pipe.rgp" <<'RGP'
schema R { k: u32, v: f64 }
source big = stdin as csv(R)
sink out = file("out.csv") as csv <- big
RGP
seq 1 200000 | awk '{ print $1 % 7 "," $1 }' >"$work/big.csv"
{ cat "$work/big.csv"; echo "x,1"; } >"$work/bad.csv"   # p.rgp's: its last row rejected

# on_tty STDERR-FILE STDIN-FILE CMD...: runs CMD with stderr on a pty (stdout
# to /dev/null), stdin from STDIN-FILE (|PATH: PATH through a pipe); what the
# terminal got goes to STDERR-FILE.
# With HOLD set, the fifo more.fifo is held open until the terminal shows
# 100.0% of bad.csv's 200001 rows (30 s at most), then closed so the run ends.
on_tty() {
    timeout 90 python3 - "$@" <<'PY'
import os, pty, select, subprocess, sys, time
out, stdin, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
hold = os.environ.get("HOLD")
fifo = os.open(hold, os.O_RDWR) if hold else None   # read-write: the open never waits
master, slave = pty.openpty()
feed = subprocess.Popen(["cat", stdin[1:]], stdout=subprocess.PIPE) if stdin.startswith("|") else None   # |PATH: through a pipe
p = subprocess.Popen(cmd, stdin=feed.stdout if feed else open(stdin), stdout=subprocess.DEVNULL, stderr=slave)
if feed: feed.stdout.close()
os.close(slave)
got, deadline = b"", time.monotonic() + 60
while True:
    if fifo is not None and (b"100.0%  200001 records" in got or time.monotonic() > deadline - 30):
        os.close(fifo); fifo = None   # the file is read: let the run end
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try: chunk = os.read(master, 4096)
        except OSError: chunk = b""   # the child closed the pty
        if not chunk: break
        got += chunk
    elif p.poll() is not None or time.monotonic() > deadline: break
open(out, "wb").write(got)
sys.exit(p.wait(timeout=30))
PY
}

for mode in jit aot; do
    if [ $mode = aot ]; then
        "$rgp" build "$work/pipe.rgp" -o "$work/pipe.bin" || bad "build"   # one build: cc -O2 is the slow part
        run_p="" run_pipe="$work/pipe.bin"
    else
        run_p="$rgp run $work/p.rgp" run_pipe="$rgp run $work/pipe.rgp"
    fi
    if [ -n "$run_p" ]; then
    rm -f "$work/more.fifo" && mkfifo "$work/more.fifo"
    # a terminal and a regular file: the line, until 100%, then cleared
    HOLD=$work/more.fifo on_tty "$work/tty" /dev/null $run_p && ok || bad "exit status $?"
    python3 - "$work/tty" <<'PY' && ok || bad "the terminal above"
import re, sys
t = open(sys.argv[1], "rb").read().decode()
lines = re.findall(r"\r(p: +\d+\.\d%  \d+ records  \d+ records/s  \d+\.\d MB/s  ETA (?:\d+:\d\d:\d\d|-))\x1b\[K", t)
errors = []
if not lines: errors.append("no progress line")
if not any(l.startswith("p: 100.0%  200001 records ") and l.endswith("ETA 0:00:00") for l in lines): errors.append("no line at 100.0%, ETA 0:00:00")
if not re.search(r"\r\x1b\[Kp: [^\r]*bad\.csv:200001: row rejected: ", t): errors.append("a message does not clear the line first")
end = t.rfind("\r\x1b[K")   # the line cleared at the end: only the summary after it
if end < 0 or not re.fullmatch(r"p: 1 records? did not reach a sink[^\r]*\r\n(p: [^\r]*\r\n)*", t[end + 4:]):
    errors.append("the line is not cleared before the summary: %r" % t[end:])
pct = [float(re.match(r"p: +([\d.]+)%", l).group(1)) for l in lines]
if pct != sorted(pct): errors.append("the percent went down: %s" % pct)
for e in errors: print(e)
if errors: print("the last progress lines: %r" % lines[-3:])
sys.exit(1 if errors else 0)
PY
    [ "$(wc -l <"$work/out.csv")" = 199991 ] && ok || bad "out.csv does not hold the records and a header"
    fi

    # a terminal, stdin a regular file: the line; with --no-progress, nothing
    on_tty "$work/tty" "$work/big.csv" $run_pipe && grep -q "$(printf '\rpipe: ')" "$work/tty" && ok \
        || { bad "stdin a regular file: the terminal got:"; od -c "$work/tty" | head -4; }
    on_tty "$work/tty" "$work/big.csv" $run_pipe --no-progress && [ ! -s "$work/tty" ] && ok \
        || { bad "--no-progress: the terminal got:"; od -c "$work/tty" | head -4; }

    # a terminal, and a pipe as the only source: nothing, unless --progress (then no percent)
    on_tty "$work/tty" "|$work/big.csv" $run_pipe && [ ! -s "$work/tty" ] && ok \
        || { bad "a pipe: the terminal got:"; od -c "$work/tty" | head -4; }
    on_tty "$work/tty" "|$work/big.csv" $run_pipe --progress && ok || bad "--progress: exit status"
    grep -q "$(printf '\rpipe: [0-9]* records  [0-9]* records/s  [0-9.]* MB/s\033')" "$work/tty" && ! grep -q '%' "$work/tty" && ok \
        || { bad "--progress, a pipe: the terminal got:"; od -c "$work/tty" | head -6; }

    # stderr not a terminal, stdin a regular file: not a byte of it, even with --progress
    $run_pipe <"$work/big.csv" 2>"$work/err" && [ ! -s "$work/err" ] && ok || { bad "stderr not a terminal:"; od -c "$work/err" | head -4; }
    $run_pipe --progress <"$work/big.csv" 2>"$work/err" && [ ! -s "$work/err" ] && ok \
        || { bad "stderr not a terminal, --progress:"; od -c "$work/err" | head -4; }
done
echo "progress: $passed passed, $failed failed"
[ $failed = 0 ]
