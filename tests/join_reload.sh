#!/bin/sh
# SIGHUP reloads a lookup table while the pipeline runs: a built binary and
# `rgp run`, each reading a fifo, get rows, then a new table file and a HUP,
# then rows that must see the new values; then a broken file (a rejected row)
# and a missing one, each with a HUP: the old values stay and stderr says why.
# Every wait is a bounded poll. Usage: tests/join_reload.sh PATH/TO/rgp
set -u
RGP=$1
D=build/join_reload
rm -rf "$D" && mkdir -p "$D"
D=$(cd "$D" && pwd)
fail() { echo "join_reload: FAIL: $*" >&2; [ -f "$D/err" ] && sed 's/^/  stderr: /' "$D/err" >&2; exit 1; }
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$D/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME

cat > "$D/reload.rgp" <<'EOF'
schema User { id: i64, name: str }
schema Event { user_id: i64 }
table users = file("users.csv") as csv(User, header: true) by id
source events = file("events.fifo") as csv(Event)
stage named = events | join users on user_id or default | select { user_id, name: users.name }
sink out = file("out.csv") as csv <- named
EOF
"$RGP" build "$D/reload.rgp" -o "$D/reload" || fail "rgp build"

# wait_for FILE PATTERN: up to 10 s for a line matching PATTERN
wait_for() {
    n=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        n=$((n + 1))
        [ $n -le 200 ] || fail "no line matching '$2' in $(basename "$1") after 10 s"
        sleep 0.05
    done
}

# run_case NAME COMMAND...: the pipeline under COMMAND, fed through the fifo
run_case() {
    name=$1; shift
    rm -f "$D/events.fifo" "$D/out.csv" "$D/err"
    printf 'id,name\n1,ann\n2,bob\n' > "$D/users.csv"
    mkfifo "$D/events.fifo"
    "$@" 2>"$D/err" &
    pid=$!
    exec 3>"$D/events.fifo"
    printf '1\n2\n' >&3
    wait_for "$D/out.csv" '^2,bob$'

    printf 'id,name\n1,ann2\n2,bob2\n3,cy\n' > "$D/users.csv.new" && mv "$D/users.csv.new" "$D/users.csv"
    kill -HUP $pid
    wait_for "$D/err" "table 'users': reloaded from .*: 3 rows"
    printf '1\n3\n' >&3
    wait_for "$D/out.csv" '^3,cy$'

    printf 'id,name\n1,x\nnot-a-number,y\n' > "$D/users.csv"
    kill -HUP $pid
    wait_for "$D/err" "not reloaded: 1 of 2 rows of .* were rejected; keeping the 3 rows loaded before"
    rm "$D/users.csv"
    kill -HUP $pid
    wait_for "$D/err" "cannot read table 'users'"
    wait_for "$D/err" "table 'users': not reloaded; keeping the 3 rows loaded before"
    printf '1\n' >&3
    exec 3>&-
    n=0
    while kill -0 $pid 2>/dev/null; do
        n=$((n + 1))
        [ $n -le 200 ] || { kill $pid; fail "$name: did not end after its input closed"; }
        sleep 0.05
    done
    wait $pid || fail "$name: exit status $?"
    printf 'user_id,name\n1,ann\n2,bob\n1,ann2\n3,cy\n1,ann2\n' | cmp -s - "$D/out.csv" || fail "$name: output: $(cat "$D/out.csv")"
    grep -q "row rejected: field 'id'" "$D/err" || fail "$name: the rejected row is not shown"
    echo "join_reload: $name ok"
}

run_case binary "$D/reload"
run_case "rgp run" "$RGP" run "$D/reload.rgp"

# Twenty reloads while rows stream in: every row sees one whole table (all its
# names say one version), and the versions only go forward, since the rows
# are joined in order on one thread.
rm -f "$D/events.fifo" "$D/out.csv" "$D/err"
mkfifo "$D/events.fifo"
printf 'id,name\n1,v0\n2,v0\n' > "$D/users.csv"
"$D/reload" 2>"$D/err" &
pid=$!
exec 3>"$D/events.fifo"
for v in $(seq 1 20); do
    awk 'BEGIN { for (i = 0; i < 500; i++) print 1 + i % 2 }' >&3
    printf 'id,name\n1,v%d\n2,v%d\n' "$v" "$v" > "$D/users.csv.new" && mv "$D/users.csv.new" "$D/users.csv"
    kill -HUP $pid
    n=0
    while [ "$(grep -c "reloaded from" "$D/err")" -lt "$v" ]; do
        n=$((n + 1))
        [ $n -le 200 ] || fail "stress: reload $v not done after 10 s"
        sleep 0.05
    done
done
awk 'BEGIN { for (i = 0; i < 500; i++) print 1 + i % 2 }' >&3
exec 3>&-
wait $pid || fail "stress: exit status $?"
awk -F, 'NR > 1 { v = substr($2, 2) + 0; if (v < last) { print "version " v " after " last " at line " NR; exit 1 } last = v; n++ }
    END { if (n != 10500 || last != 20) { print n " rows, last version " last; exit 1 } }' "$D/out.csv" >"$D/stress.out" \
    || fail "stress: $(cat "$D/stress.out")"
echo "join_reload: 20 reloads under load ok"
