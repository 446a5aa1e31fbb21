#!/bin/sh
# A checkpoint of KEYS keys (default 1M) of keyed state: a journal of one record
# per key is read by a checkpointed pipeline (a rgp build binary) that keeps a
# count and a sum per key, following the journal; it reports each checkpoint
# (RGP_VERBOSE): its size, how long the thread that holds the state stopped to
# save it, and how long the file took (write, fsync, rename, fsync of the folder).
# Prints numbers, never fails the build. Usage: bench/checkpoint/run.sh BUILD [KEYS] [SECONDS]
set -u
B=$(cd "$1" && pwd)
KEYS=${2:-1000000}
SECS=${3:-8}
D=$B/bench_checkpoint
rm -rf "$D" && mkdir -p "$D" && cd "$D" || exit 1
cat > mk.rgp <<'R'
schema Ev { k: u64, name: str, v: f64, t: time }
source c = file("in.csv") as csv(Ev)
sink j = journal("in") <- c
R
awk -v n="$KEYS" 'BEGIN { for (i = 0; i < n; i++) printf "%d,s%d,%d.5,%d\n", i, i % 100, i % 1000, i }' > in.csv
"$B/rgp" run mk.rgp || exit 0
cat > keys.rgp <<'R'
options { checkpoint: "ck", every: 1 s }
schema Ev { k: u64, name: str, v: f64, t: time }
source r = journal("in") as Ev
stage s = r | by k state { n: u64 = 0, sum: f64 = 0.0 } {
    n += 1
    sum += v
    if n > 5 { emit { k, n, sum } }
}
sink o = journal("out") <- s
R
"$B/rgp" build keys.rgp -o keys.bin || exit 0
RGP_VERBOSE=1 ./keys.bin 2>err &
pid=$!
sleep "$SECS"
kill -TERM "$pid"
wait "$pid"
echo "checkpoint of $KEYS keys ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)):"
grep 'checkpoint [0-9]' err
