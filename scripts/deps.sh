#!/bin/sh
# Installs (as root) or names (otherwise) the Debian packages rgp needs to build and test.
# Usage: scripts/deps.sh [build|bench|fuzz]. Exit 0 when everything is present.
set -u
need="re2c lemon tcc libtcc-dev check libsubunit-dev pkg-config gcc make"
[ "${1:-build}" = fuzz ] && need="$need clang libclang-rt-14-dev"
[ "${1:-build}" = bench ] && need="$need default-jdk-headless libdisruptor-java mawk gawk miller jq python3 gnuplot-nox time valgrind"

missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "rgp: installing missing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null || {
        echo "rgp: apt-get install failed for:$missing" >&2; exit 1; }
    exit 0
fi
echo "rgp: missing Debian packages:$missing" >&2
echo "rgp: install them with:  sudo apt-get install -y$missing" >&2
exit 1
