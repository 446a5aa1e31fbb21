#!/bin/sh
# Writes deterministic sample data for the examples into DIR (default examples/data):
# readings.csv has ROWS sensor readings (default 2000), a few of them broken on
# purpose so the demo shows how rejected rows are reported; east.csv and
# west.csv split it by sensor; app.log has ROWS lines of service logs.
set -eu
dir=${1:-examples/data}
rows=${2:-2000}
mkdir -p "$dir"
# The random numbers are our own (Park-Miller, exact in awk's doubles), not
# awk's rand(), which differs between mawk and gawk: same data everywhere.
awk -v rows="$rows" '
function rand01() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
BEGIN {
    seed = 42
    split("north,south,east,west,roof", sites, ",")
    print "sensor_id,site,value,ts"
    ts = 1767225600000
    for (i = 1; i <= rows; i++) {
        id = int(rand01() * 16) + 1
        v = 20 + rand01() * 50 + (rand01() < 0.08 ? 35 : 0)
        if (rand01() < 0.01) v = 900 + rand01() * 100          # a faulty sensor
        ts += int(rand01() * 2000)
        if (i == 117)  { printf "%d,north,warm,%.0f\n", id, ts; continue }        # not a number
        if (i == 1203) { printf "%d,\"roof, east\",%.0f\n", id, ts; continue }  # a field missing
        printf "%d,%s,%.2f,%.0f\n", id, sites[(id % 5) + 1], v, ts
    }
}' > "$dir/readings.csv"
# two sites for examples/fanout.rgp: the same shape, split by sensor
awk -F, -v dir="$dir" 'NR == 1 { print > (dir "/east.csv"); print > (dir "/west.csv"); next }
    { print > (dir "/" ($1 % 2 ? "east" : "west") ".csv") }' "$dir/readings.csv"
# service logs for examples/logs.rgp, a line every 0.1 to 2 s, a few without a timestamp
awk -v rows="$rows" '
function rand01() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
BEGIN {
    seed = 7
    split("web,db,cache,auth", svc, ",")
    split("request served,cache miss,slow query,disk full on /var,connection reset,token expired", msgs, ",")
    ts = 1767225600000
    for (i = 1; i <= rows; i++) {
        ts += 100 + int(rand01() * 1900)
        r = rand01()
        level = r < 0.05 ? "ERROR" : r < 0.15 ? "WARN" : "INFO"
        if (i % 500 == 0) { print "-- rotated --"; continue }
        printf "%.0f %s %s %s\n", ts, svc[int(rand01() * 4) + 1], level, msgs[int(rand01() * 6) + 1]
    }
}' > "$dir/app.log"
echo "wrote $dir/readings.csv ($rows rows), east.csv, west.csv and app.log" >&2
