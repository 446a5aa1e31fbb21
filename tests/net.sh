#!/bin/sh
# tcp and udp sources and the tcp sink against real sockets on 127.0.0.1, with
# tests/net_peer.py as the other end: 8 concurrent clients whose order and sums
# are checked per connection, a garbage client, an oversize line and a partial
# frame (rejected and counted, the others go on); length32 and octets framing;
# csv over tcp; a stop by SIGTERM that drains what was received; udp datagrams
# all accounted for (records + dropped = sent); and the tcp sink across a
# restart of its receiver (nothing lost, duplicates counted); and rgp's csv tcp
# sink into its csv tcp source under octets and length32 framing. Each through
# rgp run and a rgp build binary. Every wait is bounded by timeout.
# Usage: tests/net.sh PATH/TO/rgp
set -u
rgp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
peer="python3 $here/net_peer.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/rgp-net.XXXXXX")
trap 'rm -rf "$work"' EXIT
RGP_NO_BACKGROUND_CC=1 XDG_CACHE_HOME=$work/cache
export RGP_NO_BACKGROUND_CC XDG_CACHE_HOME
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL net ($mode): $1"; failed=$((failed + 1)); }

cat >"$work/clients.rgp" <<'RGP'
schema Ev { client: u32, seq: u64, v: i64 }
source s = tcp("127.0.0.1:9", clients: 11, max_line: 1 KB) as jsonl(Ev)
sink o = file("out.jsonl") as jsonl <- s
RGP
cat >"$work/framed32.rgp" <<'RGP'
schema Ev { client: u32, seq: u64, v: i64 }
source s = tcp("127.0.0.1:9", framing: length32, clients: 1) as jsonl(Ev)
sink o = file("out.jsonl") as jsonl <- s
RGP
sed 's/length32/octets/' "$work/framed32.rgp" >"$work/octets.rgp"
cat >"$work/csv.rgp" <<'RGP'
schema Ev { client: u32, seq: u64, v: i64 }
source s = tcp("127.0.0.1:9", clients: 1) as csv(Ev)
sink o = stdout as csv <- s
RGP
cat >"$work/stop.rgp" <<'RGP'
schema Ev { client: u32, seq: u64, v: i64 }
source s = tcp("127.0.0.1:9") as jsonl(Ev)
sink o = file("out.jsonl") as jsonl <- s
RGP
cat >"$work/udp.rgp" <<'RGP'
schema Ev { client: u32, seq: u64, v: i64 }
source s = udp("127.0.0.1:9") as jsonl(Ev)
stage n = s | group { n: count() }
sink o = stdout as csv(header: false) <- n
RGP
cat >"$work/udpfull.rgp" <<'RGP'
schema Ev { client: u32, seq: u64, v: i64 }
source s = udp("127.0.0.1:9") as jsonl(Ev) with { ring: 1024 }
sink o = file("out") as jsonl <- s
RGP
cat >"$work/sink.rgp" <<'RGP'
schema Ev { seq: u64, pad: str }
source s = stdin as csv(Ev)
sink o = tcp("127.0.0.1:9") as jsonl <- s
RGP
seq 1 300000 | awk '{ printf "%d,%080d\n", $1, $1 }' >"$work/seq.csv"   # 27 MB: more than the receiver's buffer
# rgp to rgp: a csv tcp sink under octets framing (a string holding a newline and quotes) into a csv tcp source
cat >"$work/tx.rgp" <<'RGP'
schema T { n: u64, s: str }
source s = stdin as csv(T)
sink o = tcp("127.0.0.1:9", framing: octets) as csv <- s
RGP
cat >"$work/rx.rgp" <<'RGP'
schema T { n: u64, s: str }
source s = tcp("127.0.0.1:9", framing: octets, clients: 1) as csv(T)
sink o = stdout as jsonl <- s
RGP
printf '1,plain\n2,"two\nlines"\n3,"say ""hi"""\n4,\n' >"$work/tx.csv"
printf '{"n":1,"s":"plain"}\n{"n":2,"s":"two\\nlines"}\n{"n":3,"s":"say \\"hi\\""}\n{"n":4,"s":""}\n' >"$work/rx.want"
sed 's/octets/length32/' "$work/tx.rgp" >"$work/tx32.rgp"; sed 's/octets/length32/' "$work/rx.rgp" >"$work/rx32.rgp"

# run NAME ARGS... &: the pipeline, by rgp run or its built binary, as the background job itself (exec: $! is its pid)
run() {
    name=$1; shift
    if [ "$mode" = jit ]; then exec timeout 120 "$rgp" run "$work/$name.rgp" "$@"; else exec timeout 120 "$work/$name.bin" "$@"; fi
}

for mode in jit aot; do
    if [ $mode = aot ]; then
        for n in clients framed32 octets csv stop udp udpfull sink tx rx tx32 rx32; do
            "$rgp" build "$work/$n.rgp" -o "$work/$n.bin" || bad "build $n.rgp"
        done
    fi

    # 8 clients of 20000 records at once, then garbage, an oversize line, a partial frame
    port=$($peer port); rm -f "$work/out.jsonl"
    run clients s=127.0.0.1:$port o="$work/out.jsonl" 2>"$work/err" & pid=$!
    timeout 60 $peer clients "$port" 8 20000 || bad "clients could not send"
    wait $pid; rc=$?
    [ $rc = 0 ] && ok || bad "clients: exit status $rc"
    $peer check "$work/out.jsonl" 8 20000 && ok || bad "clients: per-connection order or sums"
    grep -q "source 's': 4 of 160009 rejected" "$work/err" && ok || { bad "clients: 4 rejected counted"; cat "$work/err"; }
    grep -q "client 10 (127.0.0.1:[0-9]*):1: row rejected: longer than max_line (1024 bytes): dropped whole" "$work/err" && ok \
        || bad "clients: the oversize line named"
    grep -q "client 11 (127.0.0.1:[0-9]*):2: row rejected: a partial frame of 16 bytes when the connection closed" "$work/err" && ok \
        || bad "clients: the partial frame named"

    # length32 and octets framing: 1000 records, then a frame that breaks
    for f in framed32 octets; do
        port=$($peer port); rm -f "$work/out.jsonl"
        run $f s=127.0.0.1:$port o="$work/out.jsonl" 2>"$work/err" & pid=$!
        timeout 60 $peer framed "$port" "$([ $f = octets ] && echo octets || echo length32)" 1000 || bad "$f: could not send"
        wait $pid; rc=$?
        [ $rc = 0 ] && [ "$(wc -l <"$work/out.jsonl")" = 1000 ] && ok || bad "$f: status $rc, $(wc -l <"$work/out.jsonl") records"
        grep -q "1 of 1001 rejected" "$work/err" && ok || { bad "$f: the broken frame counted"; cat "$work/err"; }
    done
    grep -q "not an RFC 6587 octet count (DIGITS SP); closing the connection" "$work/err" && ok || bad "octets: bad header named"

    # csv over tcp: one row per frame, a bad quote rejected
    port=$($peer port)
    run csv s=127.0.0.1:$port >"$work/out" 2>"$work/err" & pid=$!
    timeout 20 python3 -c "
import socket, sys, time
for _ in range(400):
    try: s = socket.create_connection(('127.0.0.1', $port)); break
    except OSError: time.sleep(0.05)
s.sendall(b'1,1,10\r\n1,\"2\",20\n1,3\"x,30\n1,4,40\n'); s.close()" || bad "csv: could not send"
    wait $pid
    printf 'client,seq,v\n1,1,10\n1,2,20\n1,4,40\n' | cmp -s - "$work/out" && ok || { bad "csv: output"; cat "$work/out"; }
    grep -q ":3: row rejected: a quote inside a field that does not start with one" "$work/err" && ok || bad "csv: bad quote"

    # no clients: N: SIGTERM ends the stream, and what was received is parsed first
    port=$($peer port); rm -f "$work/out.jsonl"
    run stop s=127.0.0.1:$port o="$work/out.jsonl" 2>"$work/err" & pid=$!
    timeout 60 $peer one "$port" 50000 || bad "stop: could not send"
    kill -TERM $pid; wait $pid; rc=$?
    [ $rc = 143 ] && [ "$(wc -l <"$work/out.jsonl")" = 50000 ] && ok \
        || bad "stop: status $rc (want 143), $(wc -l <"$work/out.jsonl") of 50000 records"

    # udp: every datagram is a record or counted as dropped
    port=$($peer port)
    run udp s=127.0.0.1:$port >"$work/out" 2>"$work/err" & pid=$!
    timeout 20 $peer udpwait "$port"
    timeout 60 $peer udp "$port" 100000
    sleep 0.5; kill -TERM $pid; wait $pid
    got=$(cat "$work/out"); dropped=$(sed -n "s/.*source 's': \([0-9]*\) datagrams* dropped.*/\1/p" "$work/err")
    [ $((got + ${dropped:-0})) = 100000 ] && ok || { bad "udp: $got records + ${dropped:-0} dropped != 100000"; cat "$work/err"; }

    # udp with a sink that cannot keep up (a fifo nobody reads while the datagrams come): the ring fills, datagrams are dropped and counted
    # (a small ring, so that it fills even when a loaded machine lets the kernel's buffer overflow first)
    port=$($peer port); rm -f "$work/fifo"; mkfifo "$work/fifo"
    rm -f "$work/sent"   # the fifo is read only once every datagram has been sent (at most 60 s)
    ( exec 3<"$work/fifo"; i=0; while [ ! -e "$work/sent" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
      cat <&3 >"$work/out" ) & rd=$!
    run udpfull s=127.0.0.1:$port o="$work/fifo" 2>"$work/err" & pid=$!
    timeout 20 $peer udpwait "$port"
    timeout 60 $peer udp "$port" 100000; touch "$work/sent"
    sleep 1; kill -TERM $pid; wait $pid; wait $rd   # the reader's cat ends when rgp closes the fifo
    got=$(wc -l <"$work/out"); full=$(sed -n "s/.*dropped: \([0-9]*\) when the ring was full.*/\1/p" "$work/err")
    dropped=$(sed -n "s/.*source 's': \([0-9]*\) datagrams* dropped.*/\1/p" "$work/err")
    [ $((got + ${dropped:-0})) = 100000 ] && [ "${full:-0}" -gt 0 ] && ok \
        || { bad "udp, ring full: $got records + ${dropped:-0} dropped (${full:-0} when full) != 100000"; cat "$work/err"; }

    # the tcp sink: its receiver resets the connection after 50000 lines and comes back
    port=$($peer port); rm -f "$work/got"
    timeout 60 $peer recv "$port" "$work/got" 50000 & rpid=$!
    run sink o=127.0.0.1:$port <"$work/seq.csv" 2>"$work/err" & pid=$!
    wait $rpid
    sleep 0.3   # the sink meets a closed port for a while: backoff
    timeout 60 $peer recv "$port" "$work/got" 0 & rpid=$!
    wait $pid; rc=$?; wait $rpid
    [ $rc = 0 ] && ok || bad "sink: exit status $rc"
    dups=$($peer complete "$work/got" 300000) && ok || bad "sink: records lost across the restart"
    grep -q "sink 'o': connected to 127.0.0.1:$port again; sending the [0-9]* records it keeps again" "$work/err" && ok \
        || { bad "sink: reconnect reported"; cat "$work/err"; }
    grep -q "records sent again (duplicates)" "$work/err" && ok || bad "sink: resends counted"
    echo "net ($mode): tcp sink restart: 300000 records, $dups duplicates"

    # rgp's tcp sink into rgp's tcp source, framed: every record whole, in order
    for f in "" 32; do
        port=$($peer port)
        run rx$f s=127.0.0.1:$port >"$work/out" 2>"$work/err" & pid=$!
        ( run tx$f o=127.0.0.1:$port <"$work/tx.csv" 2>"$work/txerr" ) || bad "tx$f: exit status $?"
        wait $pid
        cmp -s "$work/rx.want" "$work/out" && ok || { bad "sink to source, framing ${f:-octets}"; cat "$work/out" "$work/err" "$work/txerr"; }
    done
done

echo "net: $passed passed, $failed failed"
[ "$failed" = 0 ]
