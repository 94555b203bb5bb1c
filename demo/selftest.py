#!/usr/bin/env python3
"""End-to-end self-test of mcp-demo-server over loopback (Python stdlib only).

Usage: selftest.py BINARY [extra server flags, e.g. --threads 2]
Starts the server on a free port, exercises the three transports and the plain endpoints,
sends SIGTERM and checks the exit. Prints 'N passed, N failed'; exit status 1 on failure.
"""
import http.client, json, re, socket, subprocess, sys, threading, time

BIN = sys.argv[1]; EXTRA = sys.argv[2:]
proc = subprocess.Popen([BIN, "--listen", "127.0.0.1:0", "--name", "e2e", "--sse-keepalive-ms", "300"] + EXTRA,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
line = proc.stdout.readline().decode().strip()
assert line.startswith("mcp-demo-server e2e listening on 127.0.0.1:"), line
PORT = int(line.rsplit(":", 1)[1])
fails = 0; passes = 0

def check(name, cond, detail=""):
    global fails, passes
    if cond: passes += 1
    else: fails += 1; print("FAIL", name, detail)

def req(method, path, body=None, headers=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse(); data = r.read()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

def j(data): return json.loads(data) if data else None
V26 = {"MCP-Protocol-Version": "2026-07-28"}

def sse_events(raw):
    evs = []
    for block in raw.decode().split("\n\n"):
        ev = {}
        for l in block.split("\n"):
            if l.startswith(":") or not l: continue
            k, _, v = l.partition(": ")
            ev[k] = v
        if ev: evs.append(ev)
    return evs

# --- stateless
h = dict(V26, **{"Mcp-Method": "tools/call", "Mcp-Name": "echo"})
s, hd, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "hi\u00e9\n"}}}), h)
check("stateless echo", s == 200 and j(d)["result"]["content"][0]["text"] == "hi\u00e9\n" and j(d)["result"]["resultType"] == "complete", d)
check("x-backend-name", hd.get("x-backend-name") == "e2e")
s, _, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "whoami"}}), h)
check("stateless name mismatch", s == 400 and j(d)["error"]["code"] == -32020, d)
s, _, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 2, "method": "server/discover"}), dict(V26, **{"Mcp-Method": "server/discover"}))
check("discover", s == 200 and "2026-07-28" in j(d)["result"]["supportedVersions"], d)
s, _, d = req("POST", "/mcp", "{oops", h)
check("parse error", s == 400 and j(d)["error"]["code"] == -32700, d)
s, _, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 3, "method": "nope"}), dict(V26, **{"Mcp-Method": "nope"}))
check("stateless unknown method 404", s == 404 and j(d)["error"]["code"] == -32601, d)
s, _, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}), {"MCP-Protocol-Version": "1999-01-01", "Mcp-Method": "tools/list"})
check("unsupported version", s == 400 and j(d)["error"]["code"] == -32022, d)
hp = dict(V26, **{"Mcp-Method": "tools/call", "Mcp-Name": "progress", "Accept": "application/json, text/event-stream"})
s, hd, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "progress", "arguments": {"steps": 3, "interval_ms": 10}, "_meta": {"progressToken": "p"}}}), hp)
evs = sse_events(d)
check("stateless progress sse", s == 200 and hd["content-type"] == "text/event-stream" and len(evs) == 4 and j(evs[-1]["data"])["id"] == 5, d)

# --- sessions
init = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
s, hd, d = req("POST", "/mcp", json.dumps(init), {"Accept": "application/json, text/event-stream"})
sid = hd.get("mcp-session-id", "")
check("initialize", s == 200 and len(sid) == 32 and j(d)["result"]["protocolVersion"] == "2025-11-25", (hd, d))
hs = {"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25", "Accept": "application/json, text/event-stream"}
s, _, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}), hs)
check("initialized 202", s == 202 and d == b"")
for i in (1, 2):
    s, _, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 10 + i, "method": "tools/call", "params": {"name": "counter"}}), hs)
    check("counter %d" % i, j(d)["result"]["content"][0]["text"] == "e2e:%d" % i, d)
s, _, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 20, "method": "tools/list"}), {"MCP-Protocol-Version": "2025-11-25"})
check("missing session 400", s == 400, d)
s, _, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 21, "method": "tools/list"}), {"Mcp-Session-Id": "0" * 32})
check("unknown session 404", s == 404, d)

# GET stream + notify + replay
got = {}
stream_open = threading.Event()
def reader():
    c = socket.create_connection(("127.0.0.1", PORT)); c.settimeout(5)
    c.sendall(("GET /mcp HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nMcp-Session-Id: %s\r\n\r\n" % sid).encode())
    buf = b""; t0 = time.time()
    while time.time() - t0 < 3 and buf.count(b"notifications/message") < 2:
        try: buf += c.recv(65536)
        except socket.timeout: break
        if b"\r\n\r\n" in buf: stream_open.set()  # the stream's head: it is attached
    got["raw"] = buf; c.close(); stream_open.set()
t = threading.Thread(target=reader); t.start()
stream_open.wait(5)
for txt in ("a", "b"):
    req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 30, "method": "tools/call", "params": {"name": "notify", "arguments": {"text": txt}}}), hs)
t.join()
check("GET stream notify", got["raw"].count(b"notifications/message") == 2, got["raw"])
# Sent after that stream is gone (or while the server has not noticed yet): either way it is
# recorded for replay.
req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 31, "method": "tools/call", "params": {"name": "notify", "arguments": {"text": "c"}}}), hs)
ids = [m.decode() for m in re.findall(rb"id: (\d+_\d+)", got["raw"])]
c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=3)
c.request("GET", "/mcp", headers={"Accept": "text/event-stream", "Mcp-Session-Id": sid, "Last-Event-ID": ids[0]})
r = c.getresponse(); buf = b""
try:
    while b'"c"' not in buf: buf += r.read1(65536) if hasattr(r, "read1") else r.read(1)
except Exception as e: pass
c.close()
check("Last-Event-ID replay", b'"b"' in buf and b'"c"' in buf and b'"a"}' not in buf, buf)

# progress over POST SSE, with priming event
s, hd, d = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 40, "method": "tools/call", "params": {"name": "progress", "arguments": {"steps": 2, "interval_ms": 10}, "_meta": {"progressToken": 9}}}), hs)
evs = sse_events(d)
check("session progress sse", s == 200 and evs[0].get("data", "") == "" and len(evs) == 4 and all("id" in e for e in evs), d)
# batch (2025-03-26 only)
s, hd, d = req("POST", "/mcp", json.dumps(dict(init, params=dict(init["params"], protocolVersion="2025-03-26"))))
sid0326 = hd["mcp-session-id"]
s, _, d = req("POST", "/mcp", json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "slow", "arguments": {"ms": 5}}}]), {"Mcp-Session-Id": sid0326})
check("batch 2025-03-26", s == 200 and [x["id"] for x in j(d)] == [1, 2], d)
s, _, d = req("POST", "/mcp", json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "ping"}]), hs)
check("batch rejected 2025-11-25", s == 400, d)
s, _, _ = req("DELETE", "/mcp", None, hs)
check("delete", s == 200)
s, _, _ = req("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}), hs)
check("after delete 404", s == 404)

# --- old HTTP+SSE
c = socket.create_connection(("127.0.0.1", PORT)); c.settimeout(5)
c.sendall(b"GET /sse HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
buf = b""
while b"sessionId=" not in buf or not buf.split(b"sessionId=")[1].split(b"\n")[0].strip(): buf += c.recv(65536)
ep = buf.split(b"data: ")[1].split(b"\n")[0].decode().strip()
s, _, d = req("POST", ep, json.dumps(dict(init, params=dict(init["params"], protocolVersion="2024-11-05"))))
check("old sse 202", s == 202, d)
s, _, d = req("POST", ep, json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "whoami"}}))
t0 = time.time()
while buf.count(b"event: message") < 2 and time.time() - t0 < 3: buf += c.recv(65536)
check("old sse responses", b'"protocolVersion":"2024-11-05"' in buf and b'"text":"e2e"' in buf, buf)
s, _, _ = req("POST", "/message?sessionId=nope", "{}")
check("old sse unknown session", s == 404)
c.close()

# --- misc endpoints
s, hd, d = req("GET", "/healthz"); check("healthz", s == 200 and d == b"ok")
s, hd, d = req("GET", "/ui/widget.html"); check("widget", s == 200 and hd["content-type"] == "text/html+skybridge" and "max-age=3600" in hd["cache-control"])
s, hd, d = req("POST", "/debug/echo?q=1", "abc", {"X-T": "1"}); check("debug echo", s == 200 and j(d)["body_length"] == 3 and ["X-T", "1"] in j(d)["headers"], d)
s, hd, d = req("GET", "/nope"); check("404", s == 404 and j(d)["error"]["code"] == -32000)

# --- SIGTERM
proc.send_signal(15)
try: rc = proc.wait(timeout=3)
except subprocess.TimeoutExpired: rc = None; proc.kill()
check("sigterm exit 0", rc == 0, rc)
err = proc.stderr.read().decode()
check("no stderr output", err == "", err[:2000])
print("%d passed, %d failed" % (passes, fails))
sys.exit(1 if fails else 0)
