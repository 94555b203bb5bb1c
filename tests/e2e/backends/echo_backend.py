"""Test backend for the mcplb e2e suite: a small threaded HTTP/1.1 server on raw sockets.

Prints `LISTENING <port>` when ready. For every request it prints `REQ {json}` when the head
has arrived and `DONE {json}` when the body has been read completely, so a test can await
"the backend saw this request" and check that a rejected request never reached it.
Reads commands from stdin: `release <key>` wakes the /sse and /wait handlers waiting on <key>.

Paths (query parameters in brackets):
  (any other)        200 JSON echo: method, target, version, headers in order, body_len, sha256
  /hop-resp          echo, plus hop-by-hop response headers that must not reach the client
  /chunked-resp      [size, chunk] chunked body of pattern bytes (seed 1)
  /cl-resp           [size] Content-Length body of pattern bytes (seed 2); HEAD: head only
  /status            [code] a bodiless 204 / 304
  /sse               [key, mode=chunked|close] SSE: event 1, wait for `release key`, events 2-3, end
  /wait              [key] wait for `release key`, then the echo
  /hang              read the request, never answer, hold the connection until the peer closes
  /truncate          [mode=cl|chunked] head and half the body, then close (backend died mid-body)
  /close-after       the echo (keep-alive framing), then close the connection unannounced and
                     print `CLOSED {json}` (a stale connection in the proxy's keep-alive pool)
"""

import argparse
import hashlib
import json
import os
import socket
import sys
import threading
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from rawhttp import pattern_bytes  # noqa: E402

NAME = "echo"
_out_lock = threading.Lock()
_events_lock = threading.Lock()
_events = {}
_conn_ids = iter(range(1, 1 << 62))
_seq_lock = threading.Lock()
_seq = [0]

HOP_RESPONSE = [
    ("Connection", "keep-alive, X-Hop-Resp"),
    ("Keep-Alive", "timeout=99, max=7"),
    ("X-Hop-Resp", "must-not-pass"),
    ("Proxy-Connection", "keep-alive"),
    ("Upgrade", "h2c"),
    ("Trailer", "X-Trailer-Resp"),
    ("X-End-To-End", "must-pass"),
]


def emit(kind, obj):
    with _out_lock:
        sys.stdout.write(f"{kind} {json.dumps(obj)}\n")
        sys.stdout.flush()


def event(key):
    with _events_lock:
        return _events.setdefault(key, threading.Event())


def control_loop():
    for line in sys.stdin:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "release":
            event(parts[1]).set()


class BadRequest(Exception):
    pass


class Handler:
    def __init__(self, sock):
        self.sock = sock
        self.rf = sock.makefile("rb", buffering=256 * 1024)
        self.conn_id = next(_conn_ids)

    def readline(self):
        line = self.rf.readline(65537)
        if len(line) > 65536:
            raise BadRequest("line too long")
        return line

    def run(self):
        try:
            while self.one():
                pass
        except (BadRequest, ValueError) as e:
            try:
                self.respond(400, [("Connection", "close")], json.dumps({"error": str(e)}).encode())
            except OSError:
                pass
        except OSError:
            pass
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    def one(self):
        line = self.readline()
        if not line:
            return False
        while line in (b"\r\n", b"\n"):  # tolerated empty lines before a request
            line = self.readline()
            if not line:
                return False
        parts = line.rstrip(b"\r\n").split(b" ")
        if len(parts) != 3:
            raise BadRequest(f"bad request line {line!r}")
        method, target, version = (p.decode("latin-1") for p in parts)
        headers = []
        while True:
            h = self.readline()
            if not h:
                return False
            if h in (b"\r\n", b"\n"):
                break
            k, sep, v = h.rstrip(b"\r\n").partition(b":")
            if not sep:
                raise BadRequest(f"bad header line {h!r}")
            headers.append([k.decode("latin-1"), v.strip(b" \t").decode("latin-1")])
        with _seq_lock:
            _seq[0] += 1
            seq = _seq[0]
        req = {"method": method, "target": target, "version": version, "headers": headers,
               "conn": self.conn_id, "seq": seq}
        emit("REQ", req)

        def hv(name):
            vals = [v for k, v in headers if k.lower() == name]
            return ", ".join(vals) if vals else None

        if (hv("expect") or "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body_len, digest = self.read_body(hv("content-length"), hv("transfer-encoding"))
        req["body_len"] = body_len
        req["sha256"] = digest
        emit("DONE", {"target": target, "conn": self.conn_id, "seq": seq, "body_len": body_len,
                      "sha256": digest})
        keep = (hv("connection") or "").lower().find("close") < 0 and version == "HTTP/1.1"
        return self.dispatch(req, method, target, keep)

    def read_body(self, cl, te):
        h = hashlib.sha256()
        n = 0
        if te is not None:
            if cl is not None:
                raise BadRequest("both content-length and transfer-encoding")
            if te.strip().lower() != "chunked":
                raise BadRequest(f"transfer-encoding {te!r}")
            while True:
                line = self.readline()
                if not line.endswith(b"\n"):
                    raise BadRequest("eof in chunk size")
                size_txt = line.rstrip(b"\r\n").split(b";")[0].strip()
                if not size_txt or any(c not in b"0123456789abcdefABCDEF" for c in size_txt):
                    raise BadRequest(f"bad chunk size {line!r}")
                size = int(size_txt, 16)
                if size == 0:
                    while self.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                left = size
                while left:
                    data = self.rf.read(min(left, 256 * 1024))
                    if not data:
                        raise BadRequest("eof in chunk")
                    h.update(data)
                    n += len(data)
                    left -= len(data)
                if self.readline() not in (b"\r\n", b"\n"):
                    raise BadRequest("chunk not followed by CRLF")
        elif cl is not None:
            if not cl.strip().isdigit():
                raise BadRequest(f"content-length {cl!r}")
            left = int(cl)
            while left:
                data = self.rf.read(min(left, 256 * 1024))
                if not data:
                    raise BadRequest("eof in body")
                h.update(data)
                n += len(data)
                left -= len(data)
        return n, h.hexdigest()

    def respond(self, status, headers, body, reason="X"):
        head = [f"HTTP/1.1 {status} {reason}", f"X-Backend-Name: {NAME}"]
        head += [f"{k}: {v}" for k, v in headers]
        if body is not None:
            head.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(data + (body or b""))

    def dispatch(self, req, method, target, keep):
        u = urlsplit(target)
        q = {k: v[-1] for k, v in parse_qs(u.query).items()}
        conn_hdr = [] if keep else [("Connection", "close")]
        echo = json.dumps(dict(req, backend=NAME)).encode()
        path = u.path
        if path == "/hop-resp":
            self.respond(200, HOP_RESPONSE + [("Content-Type", "application/json")], echo)
        elif path == "/chunked-resp":
            data = pattern_bytes(int(q.get("size", "100000")), seed=1)
            step = int(q.get("chunk", "1000"))
            head = (f"HTTP/1.1 200 OK\r\nX-Backend-Name: {NAME}\r\n"
                    "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in conn_hdr) + "\r\n").encode()
            self.sock.sendall(head)
            for i in range(0, len(data), step):
                piece = data[i:i + step]
                self.sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.sock.sendall(b"0\r\n\r\n")
        elif path == "/cl-resp":
            data = pattern_bytes(int(q.get("size", "100000")), seed=2)
            head = (f"HTTP/1.1 200 OK\r\nX-Backend-Name: {NAME}\r\n"
                    f"Content-Type: application/octet-stream\r\nContent-Length: {len(data)}\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in conn_hdr) + "\r\n").encode()
            self.sock.sendall(head if method == "HEAD" else head + data)
        elif path == "/status":
            code = int(q.get("code", "204"))
            self.respond(code, conn_hdr + [("ETag", '"e1"')], None, reason="Status")
        elif path == "/sse":
            return self.sse(q.get("key", "sse"), q.get("mode", "chunked"))
        elif path == "/wait":
            event(q.get("key", "wait")).wait()
            self.respond(200, conn_hdr + [("Content-Type", "application/json")], echo)
        elif path == "/truncate":
            data = pattern_bytes(100_000, seed=3)
            if q.get("mode") == "chunked":
                head = "Transfer-Encoding: chunked\r\n"
                part = b"%x\r\n%s\r\n" % (50_000, data[:50_000])
            else:
                head = f"Content-Length: {len(data)}\r\n"
                part = data[:50_000]
            self.sock.sendall(f"HTTP/1.1 200 OK\r\nX-Backend-Name: {NAME}\r\n{head}\r\n".encode()
                              + part)
            self.sock.shutdown(socket.SHUT_RDWR)
            return False
        elif path == "/close-after":
            self.respond(200, [("Content-Type", "application/json")], echo)
            self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
            emit("CLOSED", {"target": target, "conn": self.conn_id})
            return False
        elif path == "/hang":
            while self.rf.read1(65536):
                pass
            return False
        else:
            self.respond(200, conn_hdr + [("Content-Type", "application/json")], echo)
        return keep

    def sse(self, key, mode):
        def ev(i):
            return (f"id: {i}\nevent: message\ndata: "
                    f'{{"jsonrpc":"2.0","method":"notifications/message","params":{{"n":{i}}}}}'
                    "\n\n").encode()

        if mode == "close":
            self.sock.sendall((f"HTTP/1.1 200 OK\r\nX-Backend-Name: {NAME}\r\n"
                               "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                               "Connection: close\r\n\r\n").encode() + ev(1))
            event(key).wait()
            self.sock.sendall(ev(2) + ev(3))
            self.sock.shutdown(socket.SHUT_WR)
            return False
        self.sock.sendall((f"HTTP/1.1 200 OK\r\nX-Backend-Name: {NAME}\r\n"
                           "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n").encode())
        e1 = ev(1)
        self.sock.sendall(b"%x\r\n%s\r\n" % (len(e1), e1))
        event(key).wait()
        for i in (2, 3):
            e = ev(i)
            self.sock.sendall(b"%x\r\n%s\r\n" % (len(e), e))
        self.sock.sendall(b"0\r\n\r\n")
        return True


def main():
    global NAME
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="echo")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    NAME = args.name
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(512)
    threading.Thread(target=control_loop, daemon=True).start()
    print(f"LISTENING {srv.getsockname()[1]}", flush=True)
    while True:
        s, _ = srv.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=Handler(s).run, daemon=True).start()


if __name__ == "__main__":
    main()
