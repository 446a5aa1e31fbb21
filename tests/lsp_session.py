#!/usr/bin/env python3
"""A scripted JSON-RPC session with `rgp lsp`: diagnostics and their positions,
hover, definition, completion, formatting, protocol errors and a clean shutdown.
Every answer is compared with the exact value expected. Usage: lsp_session.py RGP"""
import json
import os
import select
import subprocess
import sys

TIMEOUT = 30   # seconds for any one answer: generous on a loaded machine

failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}:\n  got  {json.dumps(got)}\n  want {json.dumps(want)}")


class Server:
    def __init__(self, rgp):
        self.p = subprocess.Popen([rgp, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buf = b""
        self.next_id = 0

    def send_raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def read(self):
        """The next message from the server, or None when it closed its output."""
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                length = None
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                if length is None:
                    raise RuntimeError("a message without Content-Length: %r" % head)
                if len(rest) >= length:
                    self.buf = rest[length:]
                    return json.loads(rest[:length])
            ready, _, _ = select.select([self.p.stdout], [], [], TIMEOUT)
            if not ready:
                raise RuntimeError("no answer from rgp lsp in %d s" % TIMEOUT)
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.answer(self.next_id)

    def answer(self, id):
        msg = self.read()
        if msg is None or msg.get("id") != id:
            raise RuntimeError("expected the answer to request %r, got %r" % (id, msg))
        return msg

    def diagnostics(self):
        msg = self.read()
        if msg is None or msg.get("method") != "textDocument/publishDiagnostics":
            raise RuntimeError("expected diagnostics, got %r" % msg)
        return msg["params"]


URI = "file:///tmp/rgp-lsp-test/alerts.rgp"
GOOD = """\
schema Reading { sensor_id: u32, site: str, value: f64 }

source readings = stdin as csv(Reading)

stage hot = readings
    | where value > 80.0
    | select { sensor_id, over: value - 80.0 }

sink alerts = stdout as csv <- hot
"""
# line 5 (0-based): a type error under 'site' (a str compared with a number)
BAD_TYPE = GOOD.replace("where value > 80.0", "where site > 80.0")
UNFORMATTED = GOOD.replace("stage hot = readings", "stage  hot=readings")


URI2 = "file:///tmp/rgp-lsp-test/orders.rgp"
ORDERS = """\
schema Customer { id: i64, name: str, tier: str = "none" }
schema Order { order_id: i64, customer: i64, amount: f64 }
table customers = file("customers.csv") as csv(Customer, header: true) by id
source orders = stdin as csv(Order, header: true)
stage named = orders | join customers on customer | select { order_id, name: customers.name, amount }
route by_size = named {
    big: amount > 100.0,
    default: small
}
stage totals = orders
    | by customer state { n: u64 = 0 } {
          n += 1
          emit { customer, n }
      }
sink out = stdout as csv <- big
sink rest = stdout as csv <- small
sink t = stdout as csv <- totals
"""


def rgp_check(rgp, text):
    """What `rgp check --json` says about text, as LSP diagnostics (ASCII text: columns are characters)."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "rgp-lsp-%d.rgp" % os.getpid())
    with open(path, "w") as f:
        f.write(text)
    out = subprocess.run([rgp, "check", "--json", path], capture_output=True, text=True).stdout
    os.unlink(path)
    return [{"range": rng(g["line"] - 1, g["column"] - 1, g["line"] - 1, g["column"] - 1 + max(g["length"], 1)),
             "severity": 2 if g["severity"] == "warning" else 1, "source": "rgp", "message": g["message"]}
            for g in json.loads(out)]


def at(line, character):
    return {"textDocument": {"uri": URI}, "position": {"line": line, "character": character}}


def rng(l0, c0, l1, c1):
    return {"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}}


def robustness(s):
    """Every example, golden case and front-end fuzz input as a document, with
    requests at positions on and past its lines: each gets an answer, not an error."""
    import glob, random
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    files = sorted(glob.glob(root + "/examples/*.rgp") + glob.glob(root + "/tests/golden/*.rgp") +
                   glob.glob(root + "/tests/fuzz/corpus/*"))
    pick = random.Random(15)   # the same positions every run
    answered = 0
    for f in files:
        uri = "file://" + os.path.abspath(f)
        text = open(f, "rb").read().decode("utf-8", "replace")
        s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rgp", "version": 1, "text": text}})
        s.diagnostics()
        lines = text.split("\n")
        for _ in range(4):
            line = pick.randrange(len(lines) + 1)
            character = pick.randrange(len(lines[line]) + 2) if line < len(lines) else 0
            for method in ("textDocument/hover", "textDocument/definition", "textDocument/completion"):
                r = s.request(method, {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
                answered += "result" in r
        answered += "result" in s.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {}})
        s.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        s.diagnostics()
    check("requests on every example, golden case and fuzz input answered", answered, len(files) * 13)
    check("documents to try", len(files) > 400, True)


def main(rgp):
    s = Server(rgp)

    # before initialize: an error, not an answer
    r = s.request("textDocument/hover", at(0, 0))
    check("a request before initialize", r.get("error", {}).get("code"), -32002)

    r = s.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    caps = r["result"]["capabilities"]
    check("capabilities", {k: caps.get(k) for k in ("textDocumentSync", "hoverProvider", "definitionProvider",
                                                      "documentFormattingProvider", "positionEncoding")},
          {"textDocumentSync": {"openClose": True, "change": 1}, "hoverProvider": True,
           "definitionProvider": True, "documentFormattingProvider": True, "positionEncoding": "utf-16"})
    check("completion triggers", caps.get("completionProvider"), {"triggerCharacters": ["."]})
    s.notify("initialized", {})

    # a good file: no diagnostics
    s.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "rgp", "version": 1, "text": GOOD}})
    check("diagnostics of a good file", s.diagnostics(), {"uri": URI, "diagnostics": []})

    # hover: a field in an expression, a select item, a stream, a schema, a schema field
    def hover(line, character):
        res = s.request("textDocument/hover", at(line, character))["result"]
        return res and res["contents"]["value"]
    check("hover on the field 'value'", hover(5, 12), "value: f64")
    check("hover on the select item 'over'", hover(6, 27), "over: f64")
    check("hover on the operator '-'", hover(6, 38), "expression: f64")
    check("hover on the literal '80.0'", hover(6, 41), "literal: f64")
    check("hover on the stream 'hot' read by the sink", hover(8, 31), "stage hot: { sensor_id: u32, over: f64 }")
    check("hover on the source 'readings'", hover(4, 14), "source readings: { sensor_id: u32, site: str, value: f64 }")
    check("hover on the schema 'Reading'", hover(2, 34), "schema Reading { sensor_id: u32, site: str, value: f64 }")
    check("hover on a schema field", hover(0, 34), "site: str")
    check("hover on a keyword", hover(5, 7), None)

    # definition: a stream, a schema
    def definition(line, character):
        return s.request("textDocument/definition", at(line, character))["result"]
    check("definition of 'hot'", definition(8, 32), {"uri": URI, "range": rng(4, 6, 4, 9)})
    check("definition of 'readings'", definition(4, 12), {"uri": URI, "range": rng(2, 7, 2, 15)})
    check("definition of 'Reading'", definition(2, 32), {"uri": URI, "range": rng(0, 7, 0, 14)})
    check("definition of a keyword", definition(5, 7), None)

    # completion: inside select { } the record's fields, with their types
    def completion(line, character):
        items = s.request("textDocument/completion", at(line, character))["result"]["items"]
        return [(i["label"], i["detail"]) for i in items]
    fields = [("sensor_id", "u32"), ("site", "str"), ("value", "f64")]
    check("completion in select { }", completion(6, 15), fields)

    # a type error: the message rgp check prints, under the '>' of 0-based line 5
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": BAD_TYPE}]})
    d = s.diagnostics()["diagnostics"]
    check("diagnostics of a type error", [(x["range"], x["severity"], x["message"]) for x in d],
          [(rng(5, 17, 5, 18), 1, "cannot compare str with f64")])
    check("the type error as rgp check --json gives it", d, rgp_check(rgp, BAD_TYPE))

    # while typing `prev.`: a syntax error, and completion after '.' from the last text that checked
    typing = GOOD.replace("| where value > 80.0", "| where prev.")
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 3}, "contentChanges": [{"text": typing}]})
    d = s.diagnostics()["diagnostics"]
    check("diagnostics of a syntax error", [(x["range"]["start"], x["message"]) for x in d],
          [({"line": 6, "character": 4}, "unexpected '|'")])
    check("the syntax error as rgp check --json gives it", d, rgp_check(rgp, typing))
    warned = GOOD + "stage unread = hot | where over > 0.0\n"
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 3}, "contentChanges": [{"text": warned}]})
    d = s.diagnostics()["diagnostics"]
    check("a warning", [(x["range"], x["severity"], x["message"]) for x in d], [(rng(9, 6, 9, 12), 2, "stage 'unread' is never read")])
    check("the warning as rgp check --json gives it", d, rgp_check(rgp, warned))
    check("completion in a stage that reads a select's output", completion(9, 27), [("sensor_id", "u32"), ("over", "f64")])
    check("completion of the streams a sink can read", completion(8, 30),
          [("readings", "source"), ("hot", "stage"), ("unread", "stage")])
    check("completion after 'prev.'", completion(5, 17), fields)
    adding = GOOD.replace("over: value - 80.0 }\n", "over: value - 80.0 }\n    | where \n")
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 3}, "contentChanges": [{"text": adding}]})
    s.diagnostics()
    check("completion in an operator added after the select: its output's fields", completion(7, 12),
          [("sensor_id", "u32"), ("over", "f64")])

    # formatting: one edit, the whole text, giving what rgp fmt gives
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 4}, "contentChanges": [{"text": UNFORMATTED}]})
    check("diagnostics of the unformatted file", s.diagnostics()["diagnostics"], [])
    edits = s.request("textDocument/formatting", {"textDocument": {"uri": URI}, "options": {"tabSize": 4, "insertSpaces": True}})["result"]
    check("formatting edits", edits, [{"range": rng(0, 0, 9, 0), "newText": GOOD}])
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 5}, "contentChanges": [{"text": GOOD}]})
    s.diagnostics()
    check("formatting a formatted file", s.request("textDocument/formatting", {"textDocument": {"uri": URI}, "options": {}})["result"], [])

    # a position on a line with non-ASCII text before it counts UTF-16 code units:
    # 'Reading' is at character 45 and byte 46 of line 2
    accented = GOOD.replace("stdin as csv(Reading)", 'file("données.csv") as csv(Reading)')
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 6}, "contentChanges": [{"text": accented}]})
    s.diagnostics()
    check("hover after non-ASCII text", hover(2, 45), "schema Reading { sensor_id: u32, site: str, value: f64 }")

    # a second document: a table, a join, a route, a keyed block
    s.notify("textDocument/didOpen", {"textDocument": {"uri": URI2, "languageId": "rgp", "version": 1, "text": ORDERS}})
    check("diagnostics of the second document", s.diagnostics(), {"uri": URI2, "diagnostics": []})
    def at2(line, character):
        return {"textDocument": {"uri": URI2}, "position": {"line": line, "character": character}}
    def definition2(line, character):
        return s.request("textDocument/definition", at2(line, character))["result"]
    def completion2(line, character):
        items = s.request("textDocument/completion", at2(line, character))["result"]["items"]
        return [(i["label"], i["detail"]) for i in items]
    check("definition of the table 'customers'", definition2(4, 31), {"uri": URI2, "range": rng(2, 6, 2, 15)})
    check("definition of the branch 'big'", definition2(14, 28), {"uri": URI2, "range": rng(6, 4, 6, 7)})
    check("definition of the default branch 'small'", definition2(15, 29), {"uri": URI2, "range": rng(7, 13, 7, 18)})
    check("hover on the default branch 'small'", s.request("textDocument/hover", at2(7, 14))["result"]["contents"]["value"],
          "branch small: { order_id: i64, name: str, amount: f64 }")
    check("hover on 'customers.name'", s.request("textDocument/hover", at2(4, 79))["result"]["contents"]["value"], "customers.name: str")
    check("hover on the key 'customer' of a keyed block", s.request("textDocument/hover", at2(10, 10))["result"]["contents"]["value"],
          "customer: i64")
    check("completion in a keyed block: the record's fields and the state's",
          completion2(12, 17), [("order_id", "i64"), ("customer", "i64"), ("amount", "f64"), ("n", "u64")])
    typing = ORDERS.replace("name: customers.name,", "name: customers.,")
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI2, "version": 2}, "contentChanges": [{"text": typing}]})
    s.diagnostics()
    check("completion after 'customers.': the table's fields", completion2(4, 87), [("id", "i64"), ("name", "str"), ("tier", "str")])
    s.notify("textDocument/didClose", {"textDocument": {"uri": URI2}})
    check("diagnostics cleared on close", s.diagnostics(), {"uri": URI2, "diagnostics": []})
    r = s.request("textDocument/hover", at2(0, 0))
    check("hover in a closed document", r["error"]["code"], -32602)

    # protocol errors: bad JSON, not a request, an unknown method, bad params; none ends the server
    body = b'{"jsonrpc": "2.0", "id": 99, "method": '
    s.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    r = s.read()
    check("bad JSON", (r["id"], r["error"]["code"], r["error"]["message"]), (None, -32700, "bad JSON at byte 39: expected a value, found the end"))
    s.send([1, 2])
    check("an array", s.read()["error"]["code"], -32600)
    r = s.request("workspace/symbol", {"query": ""})
    check("an unknown method", r["error"], {"code": -32601, "message": "unknown method 'workspace/symbol'"})
    s.notify("$/cancelRequest", {"id": 1})   # an unknown notification: no answer at all
    r = s.request("textDocument/hover", {"textDocument": {"uri": URI}})
    check("hover without a position", r["error"]["code"], -32602)
    r = s.request("textDocument/hover", {"textDocument": {"uri": "file:///not/open.rgp"}, "position": {"line": 0, "character": 0}})
    check("hover in a document not open", r["error"], {"code": -32602, "message": "the document is not open"})
    s.send_raw(b"Content-Type: nothing\r\n\r\n")
    check("a message without Content-Length", s.read()["error"]["code"], -32700)
    deep = b"[" * 100000
    s.send_raw(b"Content-Length: %d\r\n\r\n" % len(deep) + deep)
    check("JSON nested 100000 deep", s.read()["error"]["message"], "bad JSON at byte 64: nested too deeply")
    robustness(s)
    r = s.request("shutdown", None)
    check("shutdown", ("result" in r, r.get("result")), (True, None))
    r = s.request("textDocument/hover", at(0, 0))
    check("a request after shutdown", r["error"]["code"], -32600)
    s.notify("exit", None)
    check("the end of output after exit", s.read(), None)
    check("exit status after shutdown and exit", s.p.wait(timeout=TIMEOUT), 0)

    # exit without shutdown: status 1; the end of input: status 1
    s = Server(rgp)
    s.request("initialize", {"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}})
    s.notify("exit", None)
    check("exit status without shutdown", s.p.wait(timeout=TIMEOUT), 1)
    s = Server(rgp)
    s.p.stdin.close()
    check("exit status at the end of input", s.p.wait(timeout=TIMEOUT), 1)

    # a client that stops reading: the failed write ends the server (status 1), no SIGPIPE
    s = Server(rgp)
    s.p.stdout.close()
    try:
        for _ in range(3):
            s.notify("initialized", {})
            s.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
    except BrokenPipeError:
        pass
    check("exit status when the client stops reading", s.p.wait(timeout=TIMEOUT), 1)

    # the client that takes utf-8 gets byte columns
    s = Server(rgp)
    r = s.request("initialize", {"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}})
    check("utf-8 offered and taken", r["result"]["capabilities"]["positionEncoding"], "utf-8")
    s.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "rgp", "version": 1, "text": accented}})
    s.diagnostics()
    check("hover in utf-8 columns", (hover(2, 45), hover(2, 46)), (None, "schema Reading { sensor_id: u32, site: str, value: f64 }"))
    s.request("shutdown", None)
    s.notify("exit", None)
    check("exit status of the utf-8 session", s.p.wait(timeout=TIMEOUT), 0)

    for f in failures:
        print("FAIL lsp: " + f)
    print(f"lsp: {'FAILED' if failures else 'passed'} ({len(failures)} failures)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
