#!/bin/sh
# rgp's tcp source against socat (issue 12's target: a newline source that
# counts records reaches at least 80% of the rate at which socat moves the
# same bytes from a loopback socket to /dev/null). One sender, the same for
# both (socat from a file in the page cache), sends N lines of sensor CSV to
# 127.0.0.1; the receiver is either `socat -u -b 1 MiB TCP-LISTEN OPEN:/dev/null`
# or an `rgp build` binary whose tcp source (clients: 1) frames the lines and
# counts them with a group. The time runs from the sender's start to the
# receiver's exit, from when the receiver is listening and set up. Rounds alternate (socat, rgp, socat, rgp, ...); the table
# gives each one's median rate and the ratio of the medians.
# A benchmark: it prints numbers and never fails a build.
# Usage: bench/tcp/run.sh [LINES] [ROUNDS]   (from anywhere; builds what it needs)
set -u
n=${1:-5000000} rounds=${2:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
b=$root/build
command -v socat >/dev/null 2>&1 || { echo "bench tcp: socat is missing (apt-get install socat)"; exit 0; }
make -s -C "$root" build/rgp || exit 0
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-tcpbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_listen PORT: until something listens there (without connecting: a
# connection would be one of the rgp source's clients)
wait_listen() {
    i=0
    while [ $i -lt 200 ] && ! ss -Hltn "sport = :$1" | grep -q .; do sleep 0.01; i=$((i + 1)); done
}
now() { date +%s.%N; }

awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "%d,%d.%02d,%d\n", i % 1000, 20 + i % 60, i % 100, 1767225600000 + i }' >"$work/data"
bytes=$(wc -c <"$work/data")
cat >"$work/count.rgp" <<'RGP'
schema Line { text: str }
source lines = tcp("127.0.0.1:9", clients: 1) as lines(Line)
stage n = lines | group { n: count() }
sink o = stdout as csv(header: false) <- n
RGP
"$b/rgp" build "$work/count.rgp" -o "$work/count" || exit 0

# round socat|rgp: prints the seconds it took, or nothing when its count is wrong
round() {
    port=$(free_port)
    if [ "$1" = socat ]; then
        socat -u -b 1048576 "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" OPEN:/dev/null &
    else
        "$work/count" lines="127.0.0.1:$port" >"$work/count.out" &
    fi
    rx=$!
    wait_listen "$port"
    sleep 0.2   # its start-up done (rgp listens before it makes its rings): the rate is what is timed
    t0=$(now)
    socat -u -b 1048576 "OPEN:$work/data" "TCP:127.0.0.1:$port"
    wait $rx
    t1=$(now)
    if [ "$1" = rgp ] && [ "$(cat "$work/count.out")" != "$n" ]; then
        echo "bench tcp: rgp counted $(cat "$work/count.out") lines of $n" >&2
        return
    fi
    echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }'
}
: >"$work/socat.t"; : >"$work/rgp.t"
r=0
while [ $r -lt "$rounds" ]; do
    round socat >>"$work/socat.t"
    round rgp >>"$work/rgp.t"
    r=$((r + 1))
done
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms=$(median "$work/socat.t") mr=$(median "$work/rgp.t")
[ -n "$ms" ] && [ -n "$mr" ] || { echo "bench tcp: no valid rounds"; exit 0; }
echo "tcp newline source, $n lines ($bytes bytes) over loopback, $rounds interleaved rounds, medians:"
echo "$ms $mr $bytes $n" | awk '{
    printf "  socat to /dev/null      %.3f s  %7.1f MB/s\n", $1, $3 / $1 / 1e6
    printf "  rgp build, counting     %.3f s  %7.1f MB/s  %5.1f M records/s\n", $2, $3 / $2 / 1e6, $4 / $2 / 1e6
    printf "  rgp / socat rate: %.0f%% (target: at least 80%%)\n", 100 * $1 / $2 }'
echo "  all rounds (s): socat $(tr '\n' ' ' <"$work/socat.t"); rgp $(tr '\n' ' ' <"$work/rgp.t")"
