"""Transparent session failover and safe retries (issue 6), with real demo servers.

A session's token stays the client's; when its backend dies, mcplb replays the session's
initialize on a live backend and the client's next request is answered there. Calls that may
have reached a backend before it died are retried elsewhere only when the tool is annotated
readOnlyHint/idempotentHint (learned from tools/list) or listed in the config.
"""

import collections
import signal
import threading
import time
import unittest

import harness as h

FAILOVER_RE = r"session failover: {} -> (\w+) \(([^)]*)\), initialize replayed in ([\d.]+) ms"


def open_session(port):
    with h.Conn(port) as c:
        r = h.session_post(c, h.initialize_body(), version=None)
        assert r.status == 200, r
        token = r.header("mcp-session-id")
        r2 = h.session_post(c, h.jsonrpc("notifications/initialized"), token)
        assert r2.status == 202, r2
        return token, r.header("x-backend-name")


def call(port, token, tool, args=None, req_id=2):
    with h.Conn(port) as c:
        t0 = time.monotonic()
        r = h.session_post(c, h.tool_call_body(tool, args, req_id), token)
        return r, time.monotonic() - t0


def list_tools(port, token):
    with h.Conn(port) as c:
        r = h.session_post(c, h.jsonrpc("tools/list", {}, 3), token)
        assert r.status == 200, r


def start(tc, names):
    """Demo servers by name: sets tc.procs {name: proc}; returns [(name, port)]."""
    started = {n: tc.start_demo(n) for n in names}
    tc.procs = {n: p for n, (p, _) in started.items()}
    return [(n, port) for n, (_, port) in started.items()]


def failover_yaml(demos, workers=2, extra_pool=""):
    return h.config_yaml(
        demos, workers=workers, policy="least_sessions", pool={"read": "2s"},
        pool_extra="    failover: {sessions: reinitialize}\n" + extra_pool)


class SessionFailover(h.E2ETestCase):
    def test_sessions_move_when_backend_killed(self):
        demos = start(self, ["f1", "f2", "f3"])
        lb, port = self.start_mcplb(failover_yaml(demos))
        sessions = [open_session(port) for _ in range(9)]
        by_backend = collections.Counter(b for _, b in sessions)
        self.assertEqual(by_backend, {"f1": 3, "f2": 3, "f3": 3})
        # Session state before: the counter tool counts per backend session.
        baseline = [call(port, t, "whoami")[1] for t, _ in sessions]
        victim = "f2"
        proc = self.procs[victim]
        proc.p.send_signal(signal.SIGKILL)
        proc.p.wait(5)
        mark = lb.err_mark()
        moved_latency = []
        for token, backend in sessions:
            r, took = call(port, token, "whoami")
            self.assertEqual(r.status, 200, r)
            answered = h.tool_text(r)
            if backend == victim:
                self.assertIn(answered, {"f1", "f3"})
                moved_latency.append(took)
            else:
                self.assertEqual(answered, backend)
            # The same token keeps working, on the same new backend.
            r2, _ = call(port, token, "whoami", req_id=3)
            self.assertEqual(h.tool_text(r2), answered)
        moves = [l for l in lb.err_text(mark).splitlines() if "session failover: f2 ->" in l]
        self.assertEqual(len(moves), 3, moves)
        base_ms = sorted(baseline)[len(baseline) // 2] * 1000
        print(f"\nfailover: 3 sessions moved off a killed backend; the request that moved "
              f"each took {', '.join(f'{x * 1000:.1f}' for x in moved_latency)} ms "
              f"(a normal call: {base_ms:.1f} ms median)")
        # A moved session ends normally: DELETE reaches the backend that has it now.
        token = next(t for t, b in sessions if b == victim)
        with h.Conn(port) as c:
            c.send(h.build_request("DELETE", "/mcp", [("Mcp-Session-Id", token),
                                                      ("MCP-Protocol-Version", h.SESSION_VERSION)]))
            self.assertEqual(c.read_response("DELETE").status, 200)

    def test_failover_off_by_default_gives_404(self):
        demos = start(self, ["g1", "g2"])
        _, port = self.start_mcplb(h.config_yaml(demos, policy="least_sessions"))
        token, backend = open_session(port)
        self.procs[backend].p.send_signal(signal.SIGKILL)
        self.procs[backend].p.wait(5)
        r, _ = call(port, token, "whoami")
        h.assert_mcplb_error(self, r, 404, -32001)

    def test_unknown_session_cannot_move(self):
        # A session made before failover was on (here: by another mcplb with the same key)
        # has no initialize in the store: it gets the spec's 404, not a broken session.
        demos = start(self, ["k1", "k2"])
        key = self.write_key("k")
        base = h.config_yaml(demos, policy="least_sessions") + h.session_yaml([("k", key)])
        _, plain_port = self.start_mcplb(base, name="lb-plain")
        _, fo_port = self.start_mcplb(failover_yaml(demos) + h.session_yaml([("k", key)]),
                                      name="lb-failover")
        token, backend = open_session(plain_port)
        self.procs[backend].p.send_signal(signal.SIGKILL)
        self.procs[backend].p.wait(5)
        r, _ = call(fo_port, token, "whoami")
        h.assert_mcplb_error(self, r, 404, -32001)


class SafeRetries(h.E2ETestCase):
    def test_only_idempotent_calls_retried_on_hung_backend(self):
        demos = start(self, ["r1", "r2"])
        lb, port = self.start_mcplb(h.config_yaml(
            demos, workers=1, policy="round_robin", pool={"read": "300ms"},
            pool_extra="    health: {passive: {max_fails: 0, consecutive_errors: 0}}\n"))
        # Stateless calls (2026 revision): learn the annotations from a tools/list first.
        with h.Conn(port) as c:
            c.send(h.build_request("POST", "/mcp", [
                ("Content-Type", "application/json"),
                ("Accept", "application/json, text/event-stream"),
                ("MCP-Protocol-Version", h.MCP_VERSION), ("Mcp-Method", "tools/list")],
                h.jsonrpc("tools/list", {}, 1)))
            self.assertEqual(c.read_response("POST").status, 200)
        stopped = self.procs["r2"]
        stopped.p.send_signal(signal.SIGSTOP)
        self.addCleanup(lambda: stopped.p.send_signal(signal.SIGCONT))

        def stateless(tool, req_id):
            with h.Conn(port) as c:
                c.send(h.build_request("POST", "/mcp", [
                    ("Content-Type", "application/json"),
                    ("Accept", "application/json, text/event-stream"),
                    ("MCP-Protocol-Version", h.MCP_VERSION), ("Mcp-Method", "tools/call"),
                    ("Mcp-Name", tool)], h.tool_call_body(tool, {}, req_id)))
                return c.read_response("POST")

        # whoami is readOnlyHint: the call that hit the hung backend is answered by r1.
        whoami = [stateless("whoami", i) for i in range(4)]
        self.assertEqual([r.status for r in whoami], [200] * 4)
        self.assertEqual({h.tool_text(r) for r in whoami}, {"r1"})
        # counter is not idempotent: the call that hit the hung backend is not run twice.
        counter = [stateless("counter", 10 + i) for i in range(4)]
        statuses = collections.Counter(r.status for r in counter)
        self.assertEqual(statuses, {200: 2, 504: 2}, statuses)


class KillUnderLoad(h.E2ETestCase):
    def test_kill9_under_load_no_client_errors(self):
        names = ["l1", "l2", "l3"]
        demos = start(self, names)
        lb, port = self.start_mcplb(failover_yaml(
            demos, extra_pool="    health: {active: {type: mcp, path: /mcp, interval: 300ms, "
                              "timeout: 200ms, fast_recheck: 50ms, unhealthy_threshold: 2, "
                              "healthy_threshold: 2}}\n"))
        t0, _ = open_session(port)
        list_tools(port, t0)  # mcplb learns which tools are safe to retry
        errors = []
        calls = collections.Counter()
        stop = threading.Event()
        lock = threading.Lock()

        def client(n):
            deadline = time.monotonic() + 30
            i = 0
            while not stop.is_set() and time.monotonic() < deadline and i < 400:
                try:
                    token, _ = open_session(port)
                    for j in range(5):
                        r, _ = call(port, token, "echo", {"text": f"{n}-{i}-{j}"}, req_id=j + 2)
                        ok = r.status == 200 and h.tool_text(r) == f"{n}-{i}-{j}"
                        with lock:
                            calls["ok" if ok else "bad"] += 1
                            if not ok:
                                errors.append((r.status, r.body[:200]))
                except Exception as e:  # noqa: BLE001 - every failure is a client-visible error
                    with lock:
                        errors.append(repr(e))
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        h.wait_until(lambda: calls["ok"] >= 200, 20, what="load running")
        victim = self.procs["l2"]
        mark = lb.err_mark()
        victim.p.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        lb.wait_err(r"backend l2 \(127\.0\.0\.1:\d+\) pool mcp: healthy -> unhealthy", timeout=10,
                    start=mark)
        detected = time.monotonic() - killed_at
        h.wait_until(lambda: calls["ok"] >= 1200, 25, what="load after the kill")
        stop.set()
        for t in threads:
            t.join(35)
        moved = len([l for l in lb.err_text(mark).splitlines() if "session failover: l2" in l])
        print(f"\nkill -9 under load: {calls['ok']} calls ok, {len(errors)} errors, "
              f"{moved} sessions moved, detection {detected * 1000:.0f} ms")
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
