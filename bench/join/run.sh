#!/bin/sh
# A file-table join: ORDERS events (default 10M) against a table of USERS rows
# (default 1M), about 9% of them with no user, through a `rgp build` binary and
# through DuckDB (its Node client, two threads, when scripts/deps.sh bench has
# installed it); both write the same rows in input order (DuckDB's floats
# written 16.0 where rgp writes 16). Prints the best of ROUNDS wall times.
# A benchmark: it prints numbers and never fails the build.
# Usage: bench/join/run.sh [ORDERS [USERS [ROUNDS]]]
set -u
ORDERS=${1:-10000000} USERS=${2:-1000000} ROUNDS=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
D=$root/build/bench/join
mkdir -p "$D"
if [ ! -f "$D/orders.$ORDERS.$USERS" ]; then
    awk -v n="$USERS" 'BEGIN { print "id,name,tier"; for (i = 0; i < n; i++) printf "%d,user%d,%s\n", i, i, i % 3 ? "gold" : "silver" }' >"$D/users.csv"
    awk -v n="$ORDERS" -v u="$USERS" 'BEGIN { srand(14); print "order_id,user_id,amount"
        for (i = 0; i < n; i++) printf "%d,%d,%.2f\n", i, int(rand() * u * 1.1), rand() * 100 }' >"$D/orders.csv"
    rm -f "$D"/orders.*.* && touch "$D/orders.$ORDERS.$USERS"
fi
cp "$here/join.rgp" "$D/" && "$root/build/rgp" build "$D/join.rgp" -o "$D/join" || { echo "bench join: rgp build failed"; exit 0; }
best() {   # best NAME COMMAND...: the least wall time of ROUNDS runs, in seconds
    name=$1; shift; b=""
    for r in $(seq "$ROUNDS"); do
        s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
        b=$(echo "$s $e ${b:-999999}" | awk '{ t = $2 - $1; print t < $3 ? t : $3 }')
    done
    printf '%-8s %6.2f s  %5.1f M events/s\n' "$name" "$b" "$(echo "$ORDERS $b" | awk '{ print $1 / $2 / 1e6 }')"
}
echo "join: $ORDERS orders against $USERS users ($(nproc) CPUs)"
best rgp "$D/join"
if [ -d "$root/build/duckdb/node_modules/@duckdb/node-api" ] && command -v node >/dev/null; then
    best duckdb node "$here/duckdb.cjs" "$D"
    sed 's/\.0$//' "$D/duckdb.csv" | cmp -s - "$D/rgp.csv" && echo "same rows" || echo "bench join: the outputs differ"
else
    echo "duckdb: not installed (scripts/deps.sh bench)"
fi
