#!/bin/sh
# Writes deterministic sample data for the examples into DIR (default examples/data):
# readings.csv has ROWS sensor readings (default 2000), a few of them broken on
# purpose so the demo shows how rejected rows are reported; east.csv and
# west.csv split it by sensor; app.log has ROWS lines of service logs;
# services.jsonl has 3 x ROWS heartbeats and requests of four services;
# orders.jsonl has 2 x ROWS order book events of three symbols.
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
# heartbeats and requests for examples/service_health.rgp, JSON lines, an event
# every 0.1 to 0.9 s. Now and then a service has an incident for 1 to 4 minutes:
# its heartbeats say "degraded" and its requests slow down 2.5 times, or, when it
# flaps, 3 times in every other minute. Event times jitter by up to 3 s, and a
# few requests turn up 30 to 120 s late.
awk -v rows="$rows" '
function rand01() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
BEGIN {
    seed = 2024
    split("api,auth,db,search", svc, ",")
    split("40,25,12,80", base, ",")
    t = 1767225600000
    for (i = 1; i <= 3 * rows; i++) {
        t += 100 + int(rand01() * 800)
        k = int(rand01() * 4) + 1
        s = svc[k]
        if (t >= until[k] && rand01() < 0.002) {
            until[k] = t + 60000 * (1 + int(rand01() * 4))
            flaps[k] = rand01() < 0.5
        }
        sick = t < until[k]
        factor = !sick ? 1 : !flaps[k] ? 2.5 : int(t / 60000) % 2 ? 1 : 3
        ts = t - int(rand01() * 3000)
        if (rand01() < 0.25) {
            status = sick ? "degraded" : rand01() < 0.01 ? "down" : "up"
            printf "{\"ts\":%.0f,\"service\":\"%s\",\"kind\":\"heartbeat\",\"status\":\"%s\"}\n", ts, s, status
            continue
        }
        ms = base[k] * (0.6 + 0.8 * rand01()) * factor
        if (rand01() < 0.02) ms *= 5                              # the slow tail
        if (rand01() < 0.005) ts -= 30000 + int(rand01() * 90000)  # held up on the way
        printf "{\"ts\":%.0f,\"service\":\"%s\",\"host\":\"%s-%d\",\"kind\":\"request\",\"latency_ms\":%.1f}\n",
            ts, s, s, int(rand01() * 3) + 1, ms
    }
}' > "$dir/services.jsonl"
# order book events for examples/orderbook.rgp, JSON lines: adds, modifies and
# cancels of three symbols. Each symbol's price walks (in cents, from its
# start): bids rest 1 to 15 cents below it and asks above, and when it moves,
# the orders on the wrong side of it are cancelled first, so a book never
# crosses. There is no fixed band: over the replay the levels move by dollars.
# Each symbol leans to buying or selling for a while, so its book tilts one
# way and then the other. The replay starts mid-session: a few modifies and
# cancels name orders placed before it.
awk -v rows="$rows" '
function rand01() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function remove(s, k) { live[s, k] = live[s, n[s]]; n[s]-- }
function cancel(s, k) { printf "{\"ts\":%.0f,\"op\":\"cancel\",\"id\":%d}\n", t, live[s, k]; remove(s, k) }
function away(s, b) { return mid[s] + (b == "B" ? -1 : 1) * (1 + int(rand01() * rand01() * 15)) }
BEGIN {
    seed = 99
    split("ACME,BOLT,CRUX", sym, ",")
    split("10000,2550,41200", mid, ",")
    t = 1767259800000
    for (i = 1; i <= 2 * rows; i++) {
        t += 1 + int(rand01() * 200)
        s = int(rand01() * 3) + 1
        if (rand01() < 0.02) lean[s] = int(rand01() * 3) - 1
        if (rand01() < 0.04) {   # the price moves a cent; orders it passes are pulled
            mid[s] += rand01() < 0.5 + 0.3 * lean[s] ? 1 : -1
            for (k = n[s]; k >= 1; k--) {
                id = live[s, k]
                if (side[id] == "B" ? price[id] >= mid[s] : price[id] <= mid[s]) cancel(s, k)
            }
            continue
        }
        if (rand01() < 0.01) {   # an order placed before the replay began, unknown to the book
            id = 900000 + int(rand01() * 1000)
            if (rand01() < 0.5) printf "{\"ts\":%.0f,\"op\":\"cancel\",\"id\":%d}\n", t, id
            else printf "{\"ts\":%.0f,\"op\":\"modify\",\"id\":%d,\"price\":%d,\"qty\":%d}\n", t, id, mid[s] - 1, 100
            continue
        }
        r = rand01()
        if (n[s] < 12 || r < 0.45) {
            id = ++ids
            side[id] = rand01() < 0.5 + 0.35 * lean[s] ? "B" : "S"
            price[id] = away(s, side[id])
            live[s, ++n[s]] = id
            printf "{\"ts\":%.0f,\"op\":\"add\",\"id\":%d,\"sym\":\"%s\",\"side\":\"%s\",\"price\":%d,\"qty\":%d}\n",
                t, id, sym[s], side[id], price[id], 100 * (1 + int(rand01() * 10))
        } else if (r < 0.75) {
            id = live[s, int(rand01() * n[s]) + 1]
            if (rand01() < 0.3) price[id] = away(s, side[id])
            printf "{\"ts\":%.0f,\"op\":\"modify\",\"id\":%d,\"price\":%d,\"qty\":%d}\n", t, id, price[id], 100 * (1 + int(rand01() * 10))
        } else {
            k = int(rand01() * n[s]) + 1
            # the side the symbol leans to cancels less
            if (lean[s] && side[live[s, k]] == (lean[s] > 0 ? "B" : "S") && rand01() < 0.6) k = int(rand01() * n[s]) + 1
            cancel(s, k)
        }
    }
}' > "$dir/orders.jsonl"
echo "wrote $dir/readings.csv ($rows rows), east.csv, west.csv, app.log, services.jsonl and orders.jsonl" >&2
