"""Shared helpers for the mcplb end-to-end tests (Python 3 stdlib only).

Everything here talks to real processes on 127.0.0.1: it starts them with a stdout pipe, waits for
their ready line with a deadline, and stops them by PID in a cleanup (so failures clean up too).
The HTTP client is hand-written on raw sockets on purpose: the tests must be able to send bytes
no library would send (smuggling, slowloris) and see exactly what comes back.
"""

import hashlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BACKENDS = os.path.join(HERE, "backends")
REPO = os.path.dirname(os.path.dirname(HERE))

READY_TIMEOUT = 15.0  # a process must print its ready line within this
IO_TIMEOUT = 10.0  # default deadline for one request/response

LISTEN_RE = r"mcplb listening on 127\.0\.0\.1:(\d+)"


# ---------------------------------------------------------------------------------------------
# binaries


def _find_bin(env_name, candidates):
    path = os.environ.get(env_name)
    if path:
        if not os.access(path, os.X_OK):
            raise AssertionError(f"{env_name}={path} is not an executable file")
        return path
    for c in candidates:
        p = os.path.join(REPO, c)
        if os.access(p, os.X_OK):
            return p
    raise unittest.SkipTest(f"{env_name} not set and no built binary found in {candidates}")


def mcplb_bin():
    return _find_bin("MCPLB_BIN", ["build/src/app/mcplb", "build-e2e/src/app/mcplb"])


def demo_bin():
    return _find_bin("DEMO_BIN", ["build/demo/mcp-demo-server", "build-e2e/demo/mcp-demo-server"])


# ---------------------------------------------------------------------------------------------
# processes


def proc_alive(pid, starttime=None):
    """True if pid exists, is not a zombie, and (when given) started at `starttime` (guards
    against PID reuse)."""
    st = proc_stat(pid)
    if st is None:
        return False
    state, _ppid, start = st
    if state in ("Z", "X"):
        return False
    return starttime is None or start == starttime


def proc_stat(pid):
    """(state, ppid, starttime) from /proc/<pid>/stat, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm may hold spaces and parentheses: the fields after it start after the LAST ')'.
    rest = data[data.rfind(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[19])


def children_of(pid):
    """PIDs whose parent is `pid` (scans /proc; includes zombies' absence)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = proc_stat(int(name))
        if st and st[1] == pid and st[0] not in ("Z", "X"):
            out.append(int(name))
    return sorted(out)


def proc_status_kib(pid, field):
    """A `kB` field of /proc/<pid>/status (VmHWM, VmRSS) in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def wait_until(pred, timeout, interval=0.02, what="condition"):
    """Poll `pred` until it returns truthy; return its value or raise AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


class Proc:
    """A child process whose stdout lines are collected by a thread (so it never blocks on a
    full pipe) and whose stderr goes to a file (shown when something goes wrong)."""

    def __init__(self, argv, name, workdir, stdin=False, env=None):
        self.name = name
        self.argv = argv
        self.stderr_path = os.path.join(workdir, f"{name}.stderr")
        self._stderr = open(self.stderr_path, "wb")
        self.p = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        self.pid = self.p.pid
        self.lines = []  # every stdout line so far (str, without newline)
        self._cv = threading.Condition()
        self._eof = False
        self._t = threading.Thread(target=self._reader, daemon=True)
        self._t.start()

    def _reader(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._cv:
                self.lines.append(line)
                self._cv.notify_all()
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    def wait_line(self, pattern, timeout=READY_TIMEOUT, start=0):
        """Wait for a stdout line (index >= start) matching regex `pattern`; return
        (match, index). Fails with the process's stderr tail if it does not come."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        i = start
        with self._cv:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m, i
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    break
                self._cv.wait(min(left, 0.2))
        raise AssertionError(
            f"{self.name}: no stdout line matching {pattern!r} within {timeout}s "
            f"(exited={self.p.poll()})\n{self.describe()}")

    def line_count(self):
        with self._cv:
            return len(self.lines)

    def lines_since(self, start):
        with self._cv:
            return list(self.lines[start:])

    def send_stdin(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def stderr_tail(self, n=40):
        try:
            with open(self.stderr_path, "rb") as f:
                data = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join(data[-n:])

    def describe(self):
        with self._cv:
            out = "\n".join(self.lines[-20:])
        return (f"--- {self.name} argv: {self.argv}\n--- stdout tail:\n{out}\n"
                f"--- stderr tail:\n{self.stderr_tail()}")

    def signal(self, sig):
        if self.p.poll() is None:
            os.kill(self.pid, sig)

    def wait_exit(self, timeout):
        """Return the exit code (negative = killed by signal); AssertionError on timeout."""
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"{self.name} (pid {self.pid}) did not exit within {timeout}s\n{self.describe()}")

    def stop(self):
        """Cleanup: TERM, then KILL after a short grace; always reap."""
        if self.p.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.p.wait(timeout=5)
            except ProcessLookupError:
                pass
        if self.p.stdin:
            try:
                self.p.stdin.close()
            except OSError:
                pass
        # Grandchildren may still hold the pipe open; only close it once the reader is done.
        self._t.join(timeout=1)
        if not self._t.is_alive():
            self.p.stdout.close()
        self._stderr.close()
        if os.environ.get("E2E_VERBOSE"):
            sys.stderr.write(self.describe() + "\n")


# ---------------------------------------------------------------------------------------------
# test base class: temp dir, process start helpers


class E2ETestCase(unittest.TestCase):
    """Gives each test a temp dir and helpers that start processes with cleanup registered."""

    def setUp(self):
        td = tempfile.TemporaryDirectory(prefix="mcplb-e2e-")
        self.addCleanup(td.cleanup)
        self.tmp = td.name
        self._procs = []

    def spawn(self, argv, name, stdin=False, env=None):
        p = Proc(argv, name, self.tmp, stdin=stdin, env=env)
        self._procs.append(p)
        self.addCleanup(p.stop)
        return p

    def write_file(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start_backend(self, name="echo", script="echo_backend.py"):
        """Start one of our Python backends; returns (proc, port)."""
        p = self.spawn([sys.executable, "-u", os.path.join(BACKENDS, script), "--name", name],
                       f"backend-{name}", stdin=True)
        m, _ = p.wait_line(r"^LISTENING (\d+)$")
        return p, int(m.group(1))

    def start_demo(self, name):
        p = self.spawn([demo_bin(), "--listen", "127.0.0.1:0", "--name", name], f"demo-{name}")
        m, _ = p.wait_line(rf"mcp-demo-server {re.escape(name)} listening on 127\.0\.0\.1:(\d+)")
        return p, int(m.group(1))

    def start_mcplb(self, config_text, name="mcplb"):
        """Write the config, run `mcplb run -c`, wait for the ready line; returns (proc, port)."""
        path = self.write_file(f"{name}.yaml", config_text)
        p = self.spawn([mcplb_bin(), "run", "-c", path], name)
        m, _ = p.wait_line(LISTEN_RE)
        port = int(m.group(1))
        self.assertNotEqual(port, 0, "mcplb printed port 0 instead of the bound port")
        return p, port

    def assert_alive(self, proc):
        self.assertIsNone(proc.p.poll(), f"{proc.name} died\n{proc.describe()}")


def config_yaml(backends, workers=1, client=None, pool=None, shutdown_timeout="5s", extra=""):
    """A minimal mcplb config: one listener on an ephemeral port, one pool `mcp`.
    `backends` is [(name, port)]; `client` / `pool` override keys (dicts of YAML scalars)."""
    c = {"max_header_bytes": "16k", "max_body_bytes": "64m", "header_timeout": "2s",
         "idle_timeout": "75s"}
    c.update(client or {})
    pl = {"connect": "2s", "read": "5s", "idle_stream": "300s"}
    pl.update(pool or {})
    be = ", ".join(f'{{name: {n}, address: "127.0.0.1:{p}"}}' for n, p in backends)
    return (
        'listen: [{address: "127.0.0.1:0"}]\n'
        f"workers: {workers}\n"
        "client: {" + ", ".join(f"{k}: {v}" for k, v in c.items()) + "}\n"
        f"shutdown_timeout: {shutdown_timeout}\n"
        "pools:\n"
        "  mcp:\n"
        "    policy: round_robin\n"
        f"    backends: [{be}]\n"
        "    keepalive: {max_idle: 64, max_requests: 1000, idle_timeout: 60s}\n"
        "    timeouts: {" + ", ".join(f"{k}: {v}" for k, v in pl.items()) + "}\n"
        + extra)


def dead_port():
    """A loopback port with nothing listening (bound then closed; nothing else on this machine
    is asked to use it, so it stays free for the test's lifetime in practice)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


free_port = dead_port


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
        return f"<Response {self.status} {self.headers!r} body[{len(self.body)}]={self.body[:200]!r}>"


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
# backend request log (our Python backends print one JSON line per event on stdout)


class BackendLog:
    """Reads the `REQ {...}` / `DONE {...}` lines our backends print."""

    def __init__(self, proc):
        self.proc = proc

    def mark(self):
        return self.proc.line_count()

    def events(self, since=0, kind=None):
        out = []
        for ln in self.proc.lines_since(since):
            k, _, js = ln.partition(" ")
            if k in ("REQ", "DONE") and (kind is None or k == kind):
                ev = json.loads(js)
                ev["kind"] = k
                out.append(ev)
        return out

    def wait(self, kind, target, since=0, timeout=IO_TIMEOUT):
        """Wait for an event of `kind` for request target `target`; return it."""
        m, _ = self.proc.wait_line(rf"^{kind} .*\"target\": {re.escape(json.dumps(target))}",
                                   timeout, start=since)
        return json.loads(m.string.partition(" ")[2])
