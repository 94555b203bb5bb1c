"""Raw-socket HTTP/1.1 client for the e2e tests, plus SSE and MCP (stateless) helpers.

Hand-written on purpose: the tests must send bytes no library would send (smuggling, slowloris)
and see exactly what comes back. Every read has a deadline.
"""

import hashlib
import json
import re
import socket
import time

IO_TIMEOUT = 10.0  # default deadline for one request/response


# ---------------------------------------------------------------------------------------------
# raw HTTP/1.1 client


class Closed(Exception):
    """The peer closed (EOF or reset) before the expected bytes arrived."""


class Response:
    def __init__(self, status, reason, version, headers, body, raw_head):
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers  # [(name, value)] in order, as received
        self.body = body
        self.raw_head = raw_head

    def header(self, name, default=None):
        vals = self.header_all(name)
        return ", ".join(vals) if vals else default

    def header_all(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def connection_tokens(self):
        toks = set()
        for v in self.header_all("connection"):
            toks.update(t.strip().lower() for t in v.split(",") if t.strip())
        return toks

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return (f"<Response {self.status} {self.headers!r} "
                f"body[{len(self.body)}]={self.body[:200]!r}>")


class Conn:
    """One client connection with a read buffer; every read has a deadline."""

    def __init__(self, port, timeout=IO_TIMEOUT, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.timeout = timeout

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("deadline passed")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(256 * 1024)
        except (ConnectionResetError, BrokenPipeError) as e:
            raise Closed(f"connection reset: {e}")
        if not data:
            raise Closed("EOF")
        self.buf += data

    def read_until(self, sep, deadline, limit=1 << 20):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out = bytes(self.buf[:i + len(sep)])
                del self.buf[:i + len(sep)]
                return out
            if len(self.buf) > limit:
                raise AssertionError(f"no {sep!r} within {limit} bytes")
            self._fill(deadline)

    def read_exact(self, n, deadline):
        while len(self.buf) < n:
            self._fill(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_some(self, deadline):
        """Whatever is buffered, or the next recv's worth."""
        if not self.buf:
            self._fill(deadline)
        out = bytes(self.buf)
        self.buf.clear()
        return out

    def read_to_eof(self, deadline):
        while True:
            try:
                self._fill(deadline)
            except Closed:
                out = bytes(self.buf)
                self.buf.clear()
                return out

    # --- responses

    def read_head(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            raw = self.read_until(b"\r\n\r\n", deadline)
            lines = raw[:-4].split(b"\r\n")
            m = re.match(rb"^HTTP/(\d\.\d) (\d{3})(?: (.*))?$", lines[0])
            if not m:
                raise AssertionError(f"bad status line {lines[0]!r}")
            headers = []
            for ln in lines[1:]:
                k, sep, v = ln.partition(b":")
                if not sep:
                    raise AssertionError(f"bad response header line {ln!r}")
                headers.append((k.decode("latin-1"), v.strip(b" \t").decode("latin-1")))
            status = int(m.group(2))
            if 100 <= status < 200 and status != 101:
                continue  # interim responses are not what callers wait for
            return status, (m.group(3) or b"").decode("latin-1"), m.group(1).decode(), headers, raw

    def read_response(self, method="GET", timeout=None):
        """Read one full response (body decoded from chunked if needed)."""
        t = timeout or self.timeout
        deadline = time.monotonic() + t
        status, reason, version, headers, raw = self.read_head(t)
        r = Response(status, reason, version, headers, b"", raw)
        if method == "HEAD" or status in (204, 304):
            return r
        te = (r.header("transfer-encoding") or "").lower()
        if te:
            if te.split(",")[-1].strip() != "chunked":
                raise AssertionError(f"response transfer-encoding {te!r}")
            r.body = b"".join(self.iter_chunks(deadline))
        elif r.header("content-length") is not None:
            cls = {v.strip() for v in r.header_all("content-length")}
            if len(cls) != 1:
                raise AssertionError(f"conflicting response content-length {cls}")
            r.body = self.read_exact(int(cls.pop()), deadline)
        else:
            r.body = self.read_to_eof(deadline)
        return r

    def iter_chunks(self, deadline):
        """Yield decoded chunk payloads of a chunked body (consumes trailers and final CRLF)."""
        while True:
            line = self.read_until(b"\r\n", deadline)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.read_until(b"\r\n", deadline) != b"\r\n":
                    pass
                return
            data = self.read_exact(size, deadline)
            if self.read_exact(2, deadline) != b"\r\n":
                raise AssertionError("chunk not followed by CRLF")
            yield data

    def request(self, method, target, headers=(), body=None, host="test.local", timeout=None):
        self.send(build_request(method, target, headers, body, host))
        return self.read_response(method, timeout)

    def wait_closed(self, timeout):
        """Wait until the peer closes; returns any bytes that arrived first (and the
        seconds it took). AssertionError if still open at the deadline."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        got = bytearray(self.buf)
        self.buf.clear()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"connection still open after {timeout:.1f}s (received {bytes(got)[:200]!r})")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                return bytes(got), time.monotonic() - t0
            except socket.timeout:
                continue
            if not data:
                return bytes(got), time.monotonic() - t0
            got += data


def build_request(method, target, headers=(), body=None, host="test.local"):
    """Serialize a request. `headers` is [(name, value)]; Host first unless host is None.
    Adds Content-Length for a bytes body unless a framing header is given."""
    lines = [f"{method} {target} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    names = {k.lower() for k, _ in headers}
    for k, v in headers:
        lines.append(f"{k}: {v}")
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


def chunked(data, sizes):
    """Encode `data` as chunked with chunk sizes cycling through `sizes`."""
    out = bytearray()
    i = 0
    k = 0
    while i < len(data):
        n = sizes[k % len(sizes)]
        k += 1
        piece = data[i:i + n]
        i += n
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    out += b"0\r\n\r\n"
    return bytes(out)


def pattern_bytes(n, seed=0):
    """Deterministic non-repeating-looking bytes (sha256 counter stream)."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, i)).digest()
        i += 1
    return bytes(out[:n])


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def get(port, target, headers=(), timeout=None):
    with Conn(port) as c:
        return c.request("GET", target, headers, timeout=timeout)


def connect_refused(port):
    """True if a TCP connect to the port is refused right now."""
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        return False
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        return False  # the listener was closing with this connect queued: ask again
    finally:
        s.close()


def assert_jsonrpc_error(tc, resp, status):
    """mcplb's own errors: given status, application/json, JSON-RPC error object, id null."""
    tc.assertEqual(resp.status, status, resp)
    ct = (resp.header("content-type") or "").lower()
    tc.assertTrue(ct.startswith("application/json"), f"content-type {ct!r}: {resp}")
    try:
        doc = resp.json()
    except ValueError as e:
        tc.fail(f"error body is not JSON ({e}): {resp.body[:300]!r}")
    tc.assertEqual(doc.get("jsonrpc"), "2.0", doc)
    tc.assertIn("id", doc, doc)
    tc.assertIsNone(doc["id"], doc)
    err = doc.get("error")
    tc.assertIsInstance(err, dict, doc)
    tc.assertIsInstance(err.get("code"), int, doc)
    tc.assertIsInstance(err.get("message"), str, doc)
    tc.assertTrue(err["message"], doc)
    return doc


# ---------------------------------------------------------------------------------------------
# MCP helpers (stateless 2026-07-28 form)

MCP_VERSION = "2026-07-28"


def whoami_request(req_id=1, host="test.local"):
    body = json.dumps({"jsonrpc": "2.0", "id": req_id, "method": "tools/call",
                       "params": {"name": "whoami", "arguments": {}}}).encode()
    return build_request("POST", "/mcp", [
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", MCP_VERSION),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", "whoami"),
    ], body, host)


def jsonrpc_from_response(resp):
    """The JSON-RPC message of an MCP response, whether sent as JSON or as one SSE event."""
    ct = (resp.header("content-type") or "").lower()
    if ct.startswith("text/event-stream"):
        for ev in parse_sse(resp.body):
            if ev.get("data"):
                msg = json.loads(ev["data"])
                if "result" in msg or "error" in msg:
                    return msg
        raise AssertionError(f"no JSON-RPC response in SSE body {resp.body[:300]!r}")
    return resp.json()


def whoami(conn, req_id=1):
    """Call the demo's whoami tool on an open Conn; returns (name from body, X-Backend-Name)."""
    conn.send(whoami_request(req_id))
    resp = conn.read_response("POST")
    if resp.status != 200:
        raise AssertionError(f"whoami: {resp}")
    msg = jsonrpc_from_response(resp)
    name = msg["result"]["content"][0]["text"]
    return name, resp.header("x-backend-name")


def parse_sse(data):
    """Parse an SSE byte stream into a list of {field: value} events (data lines joined)."""
    events = []
    text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        ev = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            v = v[1:] if v.startswith(" ") else v
            ev[k] = ev[k] + "\n" + v if k == "data" and k in ev else v
        events.append(ev)
    return events


# ---------------------------------------------------------------------------------------------
# MCP helpers (session-based 2025 revisions, old HTTP+SSE) and incremental SSE reading

SESSION_VERSION = "2025-11-25"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]+$")  # unpadded base64url: an mcplb sealed token
DEMO_SID_RE = re.compile(r"^[0-9a-f]{32}$")  # the demo server's own session ids


def jsonrpc(method, params=None, req_id=None):
    """A JSON-RPC message as bytes (a notification when req_id is None)."""
    msg = {"jsonrpc": "2.0", "method": method}
    if req_id is not None:
        msg["id"] = req_id
    if params is not None:
        msg["params"] = params
    return json.dumps(msg).encode()


def initialize_body(req_id=1, version=SESSION_VERSION):
    return jsonrpc("initialize", {"protocolVersion": version, "capabilities": {},
                                  "clientInfo": {"name": "mcplb-e2e", "version": "1"}}, req_id)


def tool_call_body(name, arguments=None, req_id=1):
    return jsonrpc("tools/call", {"name": name, "arguments": arguments or {}}, req_id)


def session_request(body, token=None, version=SESSION_VERSION, headers=(), target="/mcp",
                    host="test.local"):
    """A session-mode POST: JSON body, Accept both, Mcp-Session-Id when a token is given."""
    hdrs = [("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream")]
    if version:
        hdrs.append(("MCP-Protocol-Version", version))
    if token is not None:
        hdrs.append(("Mcp-Session-Id", token))
    return build_request("POST", target, hdrs + list(headers), body, host)


def session_post(conn, body, token=None, **kw):
    conn.send(session_request(body, token, **kw))
    return conn.read_response("POST")


def tool_text(resp):
    """The first text content of a tools/call result (JSON or SSE response)."""
    if resp.status != 200:
        raise AssertionError(f"tools/call: {resp}")
    msg = jsonrpc_from_response(resp)
    if "result" not in msg:
        raise AssertionError(f"tools/call failed: {msg}")
    return msg["result"]["content"][0]["text"]


def b64url_decode(text):
    import base64
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_key_id(token):
    """The key id written in clear into an mcplb token (src/mcp/README.md, wire format)."""
    raw = b64url_decode(token)
    if len(raw) < 2 or raw[0] != 1 or len(raw) < 2 + raw[1]:
        raise AssertionError(f"not an mcplb token: {token!r}")
    return raw[2:2 + raw[1]].decode("ascii")


def tamper(token, i=None):
    """The token with one character changed (another base64url letter), at index i (default:
    the middle, inside the ciphertext)."""
    i = len(token) // 2 if i is None else i
    c = token[i]
    repl = "A" if c != "A" else "B"
    return token[:i] + repl + token[i + 1:]


def assert_mcplb_error(tc, resp, status, code, req_id=None):
    """An error mcplb answered itself (src/mcp/error.h): status, JSON-RPC code, the request's
    id (None = null), data.origin = mcplb. Returns the parsed body."""
    tc.assertEqual(resp.status, status, resp)
    ct = (resp.header("content-type") or "").lower()
    tc.assertTrue(ct.startswith("application/json"), f"content-type {ct!r}: {resp}")
    try:
        doc = resp.json()
    except ValueError as e:
        tc.fail(f"error body is not JSON ({e}): {resp.body[:300]!r}")
    tc.assertEqual(doc.get("jsonrpc"), "2.0", doc)
    tc.assertIn("id", doc, doc)
    tc.assertEqual(doc["id"], req_id, doc)
    err = doc.get("error")
    tc.assertIsInstance(err, dict, doc)
    tc.assertEqual(err.get("code"), code, doc)
    tc.assertIsInstance(err.get("message"), str, doc)
    tc.assertEqual((err.get("data") or {}).get("origin"), "mcplb", doc)
    return doc


class SseStream:
    """Reads the events of an open SSE response body one at a time (chunked or
    close-delimited), each read with a deadline."""

    def __init__(self, conn, chunked):
        self.conn = conn
        self.chunked = chunked
        self.raw = bytearray()  # decoded body bytes not yet returned as events
        self.ended = False  # the body ended (terminal chunk or EOF)

    def _more(self, deadline):
        if self.chunked:
            line = self.conn.read_until(b"\r\n", deadline)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.conn.read_until(b"\r\n", deadline) != b"\r\n":
                    pass
                self.ended = True
                return
            self.raw += self.conn.read_exact(size, deadline)
            if self.conn.read_exact(2, deadline) != b"\r\n":
                raise AssertionError("chunk not followed by CRLF")
        else:
            try:
                self.raw += self.conn.read_some(deadline)
            except Closed:
                self.ended = True

    def next_event(self, timeout=IO_TIMEOUT, comments=False):
        """The next event as {field: value}, or None when the stream ended. Comment-only
        blocks (keep-alives) are skipped unless `comments`."""
        deadline = time.monotonic() + timeout
        while True:
            ends = [(i, len(sep)) for sep in (b"\n\n", b"\r\n\r\n", b"\r\r")
                    for i in [self.raw.find(sep)] if i >= 0]
            if ends:
                i, n = min(ends)
                block = bytes(self.raw[:i + n])
                del self.raw[:i + n]
                evs = parse_sse(block)
                if evs and (evs[0] or comments):
                    return evs[0]
                continue
            if self.ended:
                return None
            self._more(deadline)

    def wait_for(self, pred, timeout=IO_TIMEOUT):
        """Read events until pred(event) holds; returns (event, events skipped before it)."""
        deadline = time.monotonic() + timeout
        skipped = []
        while True:
            ev = self.next_event(max(deadline - time.monotonic(), 0.001))
            if ev is None:
                raise AssertionError(f"SSE stream ended before the awaited event; got {skipped}")
            if pred(ev):
                return ev, skipped
            skipped.append(ev)

    def read_to_end(self, timeout=IO_TIMEOUT):
        """All remaining events until the body ends (AssertionError at the deadline)."""
        deadline = time.monotonic() + timeout
        out = []
        while True:
            ev = self.next_event(max(deadline - time.monotonic(), 0.001))
            if ev is None:
                return out
            out.append(ev)


def open_sse(conn, method, target, headers=(), body=None, host="test.local", timeout=None):
    """Send a request that should open an SSE stream; returns (Response with head only,
    SseStream or None when the response is not an event stream: then its body is read)."""
    conn.send(build_request(method, target, headers, body, host))
    status, reason, version, hdrs, raw = conn.read_head(timeout)
    r = Response(status, reason, version, hdrs, b"", raw)
    if status != 200 or not (r.header("content-type") or "").lower().startswith(
            "text/event-stream"):
        te = (r.header("transfer-encoding") or "").lower()
        deadline = time.monotonic() + (timeout or conn.timeout)
        if te:
            r.body = b"".join(conn.iter_chunks(deadline))
        elif r.header("content-length") is not None:
            r.body = conn.read_exact(int(r.header("content-length")), deadline)
        return r, None
    chunked = (r.header("transfer-encoding") or "").lower().endswith("chunked")
    return r, SseStream(conn, chunked)
