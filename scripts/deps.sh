#!/bin/sh
# Installs (as root) or names (otherwise) the Debian packages rgp needs to build and test.
# Usage: scripts/deps.sh [build|test|bench|fuzz]. Exit 0 when everything is present.
# `bench` also installs DuckDB's Node client (npm, @duckdb/node-api, which ships
# DuckDB's native library) into build/duckdb, for the DuckDB contenders.
set -u
need="re2c lemon tcc libtcc-dev libpcre2-dev check libsubunit-dev pkg-config gcc make"
[ "${1:-build}" = fuzz ] && need="$need clang libclang-rt-14-dev"
[ "${1:-build}" = test ] && need="$need python3 curl prometheus nats-server libnats-dev bsdutils groff-base man-db chromium"   # groff and man read rgp(1) in tests/install.sh; logger for tests/syslog.sh; the peers of tests/net.sh and tests/nats.sh; tests/metrics.sh's scraper and Prometheus; tests/status_page.sh's browser
[ "${1:-build}" = bench ] && need="$need default-jdk-headless libdisruptor-java mawk gawk miller jq python3 gnuplot-nox time valgrind socat"

# duckdb_client: @duckdb/node-api under build/duckdb (any user: it is the
# project's own build directory). Exit 1 when npm is missing or fails.
duckdb_client() {
    dir=$(cd "$(dirname "$0")/.." && pwd)/build/duckdb
    [ -f "$dir/node_modules/@duckdb/node-api/package.json" ] && return 0
    if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "rgp: installing nodejs npm (for DuckDB's Node client)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "rgp: npm is missing: no DuckDB contender (apt-get install nodejs npm)" >&2; return 1
    fi
    echo "rgp: installing DuckDB's Node client into $dir (npm install @duckdb/node-api)"
    mkdir -p "$dir" && npm install --prefix "$dir" --no-audit --no-fund --silent @duckdb/node-api@1.5.6-r.1 >/dev/null || {
        echo "rgp: npm install @duckdb/node-api failed: no DuckDB contender" >&2; return 1; }
}

missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "rgp: missing Debian packages:$missing" >&2
        echo "rgp: install them with:  sudo apt-get install -y$missing" >&2
        exit 1
    fi
    echo "rgp: installing missing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null || {
        echo "rgp: apt-get install failed for:$missing" >&2; exit 1; }
fi
[ "${1:-build}" = bench ] && { duckdb_client || exit 1; }
exit 0
