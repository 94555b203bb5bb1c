"""Shared helpers for the mcplb end-to-end tests (Python 3 stdlib only).

Everything here talks to real processes on 127.0.0.1: it starts them with a stdout pipe, waits for
their ready line with a deadline, and stops them by PID in a cleanup (so failures clean up too).
The raw HTTP client lives in rawhttp.py; its names are re-exported here, so tests import only
`harness`.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from rawhttp import *  # noqa: F401,F403  (tests reach everything through `harness`)
from rawhttp import IO_TIMEOUT

HERE = os.path.dirname(os.path.abspath(__file__))
BACKENDS = os.path.join(HERE, "backends")
REPO = os.path.dirname(os.path.dirname(HERE))

READY_TIMEOUT = 15.0  # a process must print its ready line within this

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
        self.signalled = False  # the test sent it a signal (its exit status is expected)
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

    def err_mark(self):
        """The current end of the stderr log (mcplb's log lines), for wait_err(start=...)."""
        try:
            return os.path.getsize(self.stderr_path)
        except OSError:
            return 0

    def err_text(self, start=0):
        with open(self.stderr_path, "rb") as f:
            f.seek(start)
            return f.read().decode("utf-8", "replace")

    def wait_err(self, pattern, timeout=READY_TIMEOUT, start=0):
        """Wait for a stderr line (after byte offset `start`) matching `pattern`; returns the
        match. stderr is a file, so this polls it (every 20 ms) until the deadline."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.err_text(start).splitlines():
                m = rx.search(line)
                if m:
                    return m
            if time.monotonic() > deadline or self.p.poll() is not None:
                raise AssertionError(f"{self.name}: no stderr line matching {pattern!r} within "
                                     f"{timeout}s\n{self.describe()}")
            time.sleep(0.02)

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
        self.signalled = True
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
        """Cleanup: TERM, then KILL after a short grace; always reap. A process that had
        already died with a failure status (a crash) gets its output shown."""
        code = self.p.poll()
        if code is not None and code != 0 and not self.signalled:
            sys.stderr.write(f"\n*** {self.name} (pid {self.pid}) exited by itself with status "
                             f"{code}\n{self.describe()}\n")
        if code is None:
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

    def start_demo(self, name, args=()):
        p = self.spawn([demo_bin(), "--listen", "127.0.0.1:0", "--name", name, *args],
                       f"demo-{name}")
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

    def write_key(self, name):
        """A fresh session key file (64 hex digits and a newline); returns its path."""
        return self.write_file(name, os.urandom(32).hex() + "\n")

    def start_demos(self, names):
        """One demo server per name; returns [(name, port)] (what config_yaml takes)."""
        return [(n, self.start_demo(n)[1]) for n in names]


def config_yaml(backends, workers=1, client=None, pool=None, shutdown_timeout="5s", extra="",
                policy="round_robin", pool_extra=""):
    """A minimal mcplb config: one listener on an ephemeral port, one pool `mcp`.
    `backends` is [(name, port)] or [(name, port, weight)]; `client` / `pool` override keys
    (dicts of YAML scalars); `policy` is the pool's policy value (YAML text); `pool_extra` is
    more YAML lines for the pool, indented by 4."""
    c = {"max_header_bytes": "16k", "max_body_bytes": "64m", "header_timeout": "2s",
         "idle_timeout": "75s"}
    c.update(client or {})
    pl = {"connect": "2s", "read": "5s", "idle_stream": "300s"}
    pl.update(pool or {})
    be = ", ".join(f'{{name: {b[0]}, address: "127.0.0.1:{b[1]}"'
                   + (f", weight: {b[2]}" if len(b) > 2 else "") + "}" for b in backends)
    return (
        'listen: [{address: "127.0.0.1:0"}]\n'
        f"workers: {workers}\n"
        "client: {" + ", ".join(f"{k}: {v}" for k, v in c.items()) + "}\n"
        f"shutdown_timeout: {shutdown_timeout}\n"
        "pools:\n"
        "  mcp:\n"
        f"    policy: {policy}\n"
        f"    backends: [{be}]\n"
        + pool_extra +
        "    keepalive: {max_idle: 64, max_requests: 1000, idle_timeout: 60s}\n"
        "    timeouts: {" + ", ".join(f"{k}: {v}" for k, v in pl.items()) + "}\n"
        + extra)


def session_yaml(keys, ttl=None):
    """A `session:` section for config_yaml's `extra`; keys is [(id, secret_file)], first seals."""
    out = "session:\n  keys:\n"
    out += "".join(f"    - {{id: {k}, secret_file: {json.dumps(path)}}}\n" for k, path in keys)
    if ttl:
        out += f"  ttl: {ttl}\n"
    return out


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
# backend request log (our Python backends print one JSON line per event on stdout)


class BackendLog:
    """Reads the `REQ {...}` / `DONE {...}` / `CLOSED {...}` lines our backends print."""

    def __init__(self, proc):
        self.proc = proc

    def mark(self):
        return self.proc.line_count()

    def events(self, since=0, kind=None):
        out = []
        for ln in self.proc.lines_since(since):
            k, _, js = ln.partition(" ")
            if k in ("REQ", "DONE", "CLOSED") and (kind is None or k == kind):
                ev = json.loads(js)
                ev["kind"] = k
                out.append(ev)
        return out

    def wait(self, kind, target, since=0, timeout=IO_TIMEOUT):
        """Wait for an event of `kind` for request target `target`; return it."""
        m, _ = self.proc.wait_line(rf"^{kind} .*\"target\": {re.escape(json.dumps(target))}",
                                   timeout, start=since)
        return json.loads(m.string.partition(" ")[2])
