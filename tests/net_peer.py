#!/usr/bin/env python3
"""The other end of tests/net.sh: free ports, tcp and udp clients, a tcp
receiver that can be killed and started again, and the checks of what rgp
wrote. Every loop is bounded; every wait has a deadline.

  net_peer.py port                                 a free 127.0.0.1 port (tcp and udp)
  net_peer.py wait PORT                            until something listens on PORT (10 s)
  net_peer.py clients PORT N RECORDS               N concurrent clients, RECORDS each, then
                                                   a garbage client, an oversize line and a
                                                   partial frame (the client number is N+1..N+3)
  net_peer.py one PORT RECORDS                     one client, RECORDS records
  net_peer.py check FILE N RECORDS                 every client's seq 1..RECORDS in order, sums
  net_peer.py framed PORT length32|octets RECORDS  one client, framed records, then a bad frame
  net_peer.py udpwait PORT                         until something has bound udp PORT (20 s)
  net_peer.py udp PORT RECORDS                     RECORDS datagrams
  net_peer.py recv PORT FILE STOP_AFTER            a tcp receiver: lines into FILE; with
                                                   STOP_AFTER > 0 it resets the connection and
                                                   exits after that many lines, leaving 0.5 s of
                                                   sending unread in its buffer
  net_peer.py complete FILE RECORDS                every seq 1..RECORDS arrived; prints duplicates
"""
import json
import socket
import struct
import sys
import threading
import time


def free_port():
    for _ in range(50):
        t = socket.socket()
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    sys.exit("no free port")


def connect(port):
    deadline = time.time() + 20
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=20)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def client(port, cid, records):
    s = connect(port)
    # in pieces of odd sizes, so frames cross reads
    data = b"".join(b'{"client":%d,"seq":%d,"v":%d}\n' % (cid, i, i * cid) for i in range(1, records + 1))
    for k in range(0, len(data), 7777):
        s.sendall(data[k:k + 7777])
    s.close()


def main():
    cmd = sys.argv[1]
    if cmd == "port":
        print(free_port())
    elif cmd == "wait":
        port = int(sys.argv[2])
        connect(port).close()   # this costs the source one connection: only for clients: unset
    elif cmd == "clients":
        port, n, records = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        ts = [threading.Thread(target=client, args=(port, c, records)) for c in range(1, n + 1)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        s = connect(port)   # garbage between good records: only the garbage is lost
        s.sendall(b'{"client":%d,"seq":1,"v":1}\nthis is not json\n{"client":%d,"seq":2,"v":2}\n\x00\x01\x02\n'
                  b'{"client":%d,"seq":3,"v":3}\n' % ((n + 1,) * 3))
        s.close()
        s = connect(port)   # a line longer than max_line: dropped whole, the next one read
        s.sendall(b'{"client":%d,"seq":1,"v":1,"pad":"%s"}\n{"client":%d,"seq":1,"v":1}\n' % (n + 2, b"x" * 5000, n + 2))
        s.close()
        s = connect(port)   # a partial frame when the connection closes
        s.sendall(b'{"client":%d,"seq":1,"v":1}\n{"client":%d,"se' % (n + 3, n + 3))
        s.close()
    elif cmd == "one":
        client(int(sys.argv[2]), 1, int(sys.argv[3]))
    elif cmd == "check":
        path, n, records = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        seen = {}
        for line in open(path):
            r = json.loads(line)
            seen.setdefault(r["client"], []).append(r)
        bad = []
        for c in range(1, n + 1):
            rs = seen.get(c, [])
            if [r["seq"] for r in rs] != list(range(1, records + 1)):
                bad.append("client %d: %d records, not seq 1..%d in order" % (c, len(rs), records))
            elif sum(r["v"] for r in rs) != c * records * (records + 1) // 2:
                bad.append("client %d: wrong sum" % c)
        if [r["seq"] for r in seen.get(n + 1, [])] != [1, 2, 3]:
            bad.append("the garbage client's good records: %s" % seen.get(n + 1))
        if len(seen.get(n + 2, [])) != 1 or len(seen.get(n + 3, [])) != 1:
            bad.append("oversize or partial client: %s %s" % (seen.get(n + 2), seen.get(n + 3)))
        if bad:
            sys.exit("; ".join(bad))
    elif cmd == "framed":
        port, kind, records = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        s = connect(port)
        out = []
        for i in range(1, records + 1):
            p = b'{"client":1,"seq":%d,"v":%d}' % (i, i)
            out.append((struct.pack(">I", len(p)) if kind == "length32" else b"%d " % len(p)) + p)
        data = b"".join(out)
        for k in range(0, len(data), 1001):
            s.sendall(data[k:k + 1001])
        # then a frame that breaks: a length too big (length32), a header that is not a count (octets)
        s.sendall(struct.pack(">I", 1 << 30) + b"xx" if kind == "length32" else b"x7 garbage")
        s.close()
    elif cmd == "udpwait":
        port = int(sys.argv[2])
        for _ in range(400):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                return
            finally:
                u.close()
            time.sleep(0.05)
        sys.exit("nothing bound udp port %d" % port)
    elif cmd == "udp":
        port, records = int(sys.argv[2]), int(sys.argv[3])
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(1, records + 1):
            u.sendto(b'{"client":1,"seq":%d,"v":%d}' % (i, i), ("127.0.0.1", port))
    elif cmd == "recv":
        port, path, stop_after = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)   # wider than the sink's 1 MB resend (up to net.core.rmem_max)
        ls.bind(("127.0.0.1", port))
        ls.listen(1)
        ls.settimeout(60)
        out = open(path, "ab")
        c, _ = ls.accept()
        ls.close()   # one connection: a reconnect meets a closed port until the next receiver
        c.settimeout(60)
        n, buf = 0, b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            buf += d
            *lines, buf = buf.split(b"\n")
            for line in lines:
                out.write(line + b"\n")
                n += 1
            out.flush()
            if stop_after and n >= stop_after:   # reset: what the kernel took but we did not read is lost here
                time.sleep(0.5)   # first let the sender fill our (autotuned, megabytes wide) buffer
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.close()
                return
    elif cmd == "complete":
        path, records = sys.argv[2], int(sys.argv[3])
        seqs = [json.loads(line)["seq"] for line in open(path)]
        missing = set(range(1, records + 1)) - set(seqs)
        if missing:
            sys.exit("%d records missing, first %d" % (len(missing), min(missing)))
        print(len(seqs) - records)
    else:
        sys.exit("unknown command " + cmd)


main()
