#!/bin/sh
# syslog(SCHEMA) over real sockets, fed by logger(1) from Debian's bsdutils:
# RFC 5424 over TCP with octet counting (logger --octet-count) and with
# newline framing, from three logger connections at once, plus a client that
# sends garbage (rejected and counted, the others go on); RFC 3164 over UDP
# (logger --rfc3164 -d), every datagram a record or counted. Each message
# carries a sequence number; every one must arrive once, in order within its
# connection, with the host, app, pid, msgid, severity, facility and time
# logger put in it. Through rgp run and a rgp build binary; every wait is
# bounded by timeout. Usage: tests/syslog.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
peer="python3 $here/net_peer.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-syslog.XXXXXX")
trap 'rm -rf "$work"' EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL syslog ($mode): $1"; failed=$((failed + 1)); }
command -v logger >/dev/null || { echo "syslog: logger(1) is missing: install bsdutils (scripts/deps.sh test)"; exit 1; }
host=$(hostname)
N=2000

# the tcp sources: 5 connections, the first one our wait for the listener
cat >"$work/octets.rgp" <<'RGP'
schema Log { ts: time, host: str, app: str, pid: u32, msgid: str, severity: str, facility: u32, sd: str, message: str }
source s = tcp("127.0.0.1:9", framing: octets, clients: 5) as syslog(Log)
sink o = file("out.jsonl") as jsonl <- s
RGP
sed 's/framing: octets, //' "$work/octets.rgp" >"$work/newline.rgp"
cat >"$work/udp.rgp" <<'RGP'
schema Log { ts: time, host: str, app: str, pid: u32, severity: u32, facility: str, message: str }
source s = udp("127.0.0.1:9") as syslog(Log)
sink o = file("out.jsonl") as jsonl <- s
RGP
seq 1 $N | sed 's/^/event /' >"$work/lines"

run() {
    name=$1; shift
    if [ "$mode" = jit ]; then exec timeout 120 "$rgp" run "$work/$name.rgp" "$@"; else exec timeout 120 "$work/$name.bin" "$@"; fi
}

# check OUT APPS SEVERITY FACILITY: every app's N events, each once and in order, with the fields logger sent
check() {
    python3 - "$@" "$host" "$N" <<'PY'
import json, sys, time
out, apps, sev, fac, host, n = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
seen = {a: [] for a in apps}
now = time.time() * 1000
for line in open(out):
    r = json.loads(line)
    a = r["app"]
    if a not in seen: sys.exit("unexpected app %r" % a)
    pid = "1" + a[3:]   # app1 sent --id=11
    want = {"host": host, "pid": int(pid) if isinstance(r["pid"], int) else pid, "severity": int(sev) if isinstance(r["severity"], int) else sev,
            "facility": int(fac) if isinstance(r["facility"], int) else fac}
    for k, v in want.items():
        if r[k] != v: sys.exit("%s: %s is %r, expected %r" % (line.strip(), k, r[k], v))
    if "msgid" in r and r["msgid"] != "M" + pid: sys.exit("%s: msgid" % line.strip())
    if "sd" in r and not r["sd"].startswith("[timeQuality "): sys.exit("%s: sd" % line.strip())
    if abs(r["ts"] - now) > 600000: sys.exit("%s: ts %d is not now" % (line.strip(), r["ts"]))
    seen[a].append(int(r["message"].split()[1]))
for a, s in seen.items():
    if s != list(range(1, n + 1)): sys.exit("app %s: %d events, not 1..%d in order" % (a, len(s), n))
PY
}

for mode in jit aot; do
    if [ $mode = aot ]; then
        for n in octets newline udp; do "$rgp" build "$work/$n.rgp" -o "$work/$n.bin" || bad "build $n.rgp"; done
    fi

    # RFC 5424 over tcp, octet counting and newline framing: three loggers at once and a garbage client
    for f in octets newline; do
        port=$($peer port); rm -f "$work/out.jsonl"
        run $f s=127.0.0.1:$port o="$work/out.jsonl" 2>"$work/err" & pid=$!
        timeout 20 $peer wait "$port" || bad "$f: rgp did not listen"
        oc=$([ $f = octets ] && echo --octet-count)
        for i in 1 2 3; do
            timeout 60 logger --rfc5424 $oc -T -n 127.0.0.1 -P "$port" -t "app$i" --id=1$i --msgid "M1$i" -p local3.warning \
                -f "$work/lines" & eval "l$i=\$!"
        done
        # shellcheck disable=SC2154
        wait "$l1" && wait "$l2" && wait "$l3" || bad "$f: logger failed"
        if [ $f = octets ]; then garbage='11 hello world19 <13>1 - - - - - x y'; else garbage='hello world
<13>1 - - - - - x y
'; fi
        timeout 20 python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $port)); s.sendall(sys.argv[1].encode()); s.close()" "$garbage" || bad "$f: garbage client"
        wait $pid; rc=$?
        [ $rc = 0 ] && ok || { bad "$f: exit status $rc"; cat "$work/err"; }
        check "$work/out.jsonl" app1,app2,app3 warning 19 && ok || bad "$f: records"
        grep -q "source 's': 2 of $((3 * N + 2)) rejected" "$work/err" && ok || { bad "$f: 2 rejected counted"; cat "$work/err"; }
        grep -q "client 5 (127.0.0.1:[0-9]*):1: row rejected: not a syslog message: column 1: expected '<' and the PRI" "$work/err" && ok \
            || { bad "$f: the garbage named with its connection"; cat "$work/err"; }
        grep -q "client 5 (127.0.0.1:[0-9]*):2: row rejected: not a syslog message: column 17: expected STRUCTURED-DATA" "$work/err" && ok \
            || { bad "$f: the bad structured data named"; cat "$work/err"; }
    done

    # RFC 3164 over udp: one datagram per message; records + dropped = sent
    port=$($peer port); rm -f "$work/out.jsonl"
    run udp s=127.0.0.1:$port o="$work/out.jsonl" 2>"$work/err" & pid=$!
    timeout 20 $peer udpwait "$port"
    timeout 60 logger --rfc3164 -d -n 127.0.0.1 -P "$port" -t app1 --id=11 -p daemon.err -f "$work/lines" || bad "udp: logger failed"
    sleep 0.5; kill -TERM $pid; wait $pid
    got=$(wc -l <"$work/out.jsonl"); dropped=$(sed -n "s/.*source 's': \([0-9]*\) datagrams* dropped.*/\1/p" "$work/err")
    if [ "${dropped:-0}" = 0 ]; then
        check "$work/out.jsonl" app1 3 daemon && ok || bad "udp: records"
    else
        [ $((got + dropped)) = $N ] && ok || bad "udp: $got records + $dropped dropped != $N"
    fi
    grep -q "rejected" "$work/err" && { bad "udp: rejections"; cat "$work/err"; } || ok

    # examples/syslog_tcp.rgp: urgent messages on stdout, all archived, counts at the stop
    port=$($peer port); rm -f "$work/archive" "$work/summary"
    if [ $mode = jit ]; then set -- "$rgp" run "$here/../examples/syslog_tcp.rgp"
    else "$rgp" build "$here/../examples/syslog_tcp.rgp" -o "$work/example.bin" || bad "build the example"; set -- "$work/example.bin"; fi
    timeout 120 "$@" logs=127.0.0.1:$port archive="$work/archive" summary="$work/summary" >"$work/out" 2>"$work/err" & pid=$!
    timeout 20 $peer wait "$port" || bad "example: rgp did not listen"
    head -5 "$work/lines" | timeout 20 logger --rfc5424 --octet-count -T -n 127.0.0.1 -P "$port" -t web -p user.info || bad "example: logger"
    head -3 "$work/lines" | timeout 20 logger --rfc5424 --octet-count -T -n 127.0.0.1 -P "$port" -t db -p daemon.err || bad "example: logger"
    for _ in $(seq 100); do [ "$(wc -l <"$work/out")" -ge 3 ] && break; sleep 0.1; done
    kill -TERM $pid; wait $pid; rc=$?
    [ $rc = 143 ] && ok || { bad "example: exit status $rc, expected 143"; cat "$work/err"; }
    [ "$(grep -c '"app":"db","pid":"","severity":3' "$work/out")" = 3 ] && [ "$(wc -l <"$work/out")" = 3 ] && ok \
        || { bad "example: the 3 errors on stdout"; cat "$work/out"; }
    [ "$(wc -l <"$work/archive")" = 8 ] && ok || bad "example: 8 messages archived"
    printf 'host,app,severity,messages\n%s,web,6,5\n%s,db,3,3\n' "$host" "$host" | cmp -s - "$work/summary" && ok \
        || { bad "example: the counts"; cat "$work/summary"; }
done

echo "syslog: $passed passed, $failed failed"
[ "$failed" = 0 ]
