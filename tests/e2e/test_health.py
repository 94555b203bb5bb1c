"""Active and passive health checks end to end (issue 6), on real demo servers.

Detection is observed in mcplb's own log lines (every state change is logged with its reason),
and traffic is checked by the backend each answer came from (X-Backend-Name).
"""

import collections
import json
import os
import re
import signal
import time
import unittest

import harness as h

DOWN_RE = r"backend {} \(127\.0\.0\.1:\d+\) pool mcp: healthy -> unhealthy: (.*)"
UP_RE = r"backend {} \(127\.0\.0\.1:\d+\) pool mcp: unhealthy -> healthy"
EJECT_RE = r"backend {} \(127\.0\.0\.1:\d+\) pool mcp: healthy -> ejected for (\d+) ms: (.*)"


def call(port, req_id=1):
    """One stateless tools/call whoami on a new connection: (status, backend)."""
    with h.Conn(port) as c:
        c.send(h.whoami_request(req_id))
        r = c.read_response("POST")
        return r.status, r.header("x-backend-name")


def active(kind="http", path="/healthz", interval="300ms", fast="50ms", unhealthy=2,
           healthy=2, timeout="150ms", passive_off=True):
    lines = (f"    health:\n"
             f"      active: {{type: {kind}, path: {path}, interval: {interval}, "
             f"timeout: {timeout}, fast_recheck: {fast}, unhealthy_threshold: {unhealthy}, "
             f"healthy_threshold: {healthy}}}\n")
    if passive_off:
        lines += "      passive: {max_fails: 0, consecutive_errors: 0}\n"
    return lines


class ActiveHealth(h.E2ETestCase):
    NAMES = ["a1", "a2", "a3"]

    def start(self, pool_extra, workers=2):
        self.demos = {n: self.start_demo(n) for n in self.NAMES}
        backends = [(n, p) for n, (_, p) in self.demos.items()]
        self.lb, self.port = self.start_mcplb(h.config_yaml(
            backends, workers=workers, policy="round_robin", pool_extra=pool_extra))

    def test_kill_detect_and_return(self):
        self.start(active())
        victim = "a2"
        proc, vport = self.demos[victim]
        mark = self.lb.err_mark()
        t0 = time.monotonic()
        proc.p.send_signal(signal.SIGKILL)
        proc.p.wait(5)
        m = self.lb.wait_err(DOWN_RE.format(victim), timeout=10, start=mark)
        detect = time.monotonic() - t0
        print(f"\nactive http probe: SIGKILL detected in {detect * 1000:.0f} ms ({m.group(1)})")
        # interval 300ms (+-10%), then fast_recheck 50ms x (threshold 2 - 1), plus slack.
        self.assertLess(detect, 1.5)
        # After detection, no request goes to the dead backend, and none fails.
        got = collections.Counter()
        for i in range(60):
            status, backend = call(self.port, i)
            self.assertEqual(status, 200)
            got[backend] += 1
        self.assertEqual(set(got), {"a1", "a3"}, got)
        # The replica comes back on its port: healthy again after healthy_threshold probes.
        mark = self.lb.err_mark()
        self.spawn([h.demo_bin(), "--listen", f"127.0.0.1:{vport}", "--name", victim],
                   "demo-a2-again").wait_line(r"listening on")
        self.lb.wait_err(UP_RE.format(victim), timeout=10, start=mark)
        got = collections.Counter(call(self.port, i)[1] for i in range(30))
        self.assertIn(victim, got)

    def test_hung_backend_detected_by_timeout(self):
        self.start(active(timeout="100ms"))
        proc, _ = self.demos["a3"]
        mark = self.lb.err_mark()
        proc.p.send_signal(signal.SIGSTOP)
        try:
            m = self.lb.wait_err(DOWN_RE.format("a3"), timeout=10, start=mark)
            self.assertIn("timeout", m.group(1))
            names = {call(self.port, i)[1] for i in range(20)}
            self.assertEqual(names, {"a1", "a2"})
            mark = self.lb.err_mark()
        finally:
            proc.p.send_signal(signal.SIGCONT)
        self.lb.wait_err(UP_RE.format("a3"), timeout=10, start=mark)

    def test_panic_when_every_backend_fails_its_check(self):
        # A probe path no backend serves: all are marked unhealthy, yet traffic still flows.
        self.start(active(path="/no-such-health-path"))
        for n in self.NAMES:
            self.lb.wait_err(DOWN_RE.format(n), timeout=10)
        names = collections.Counter()
        for i in range(30):
            status, backend = call(self.port, i)
            self.assertEqual(status, 200)
            names[backend] += 1
        self.assertEqual(set(names), set(self.NAMES), names)


class McpProbe(h.E2ETestCase):
    def test_mcp_probe_sees_what_http_probe_misses(self):
        # Our Python echo backend answers every HTTP request with 200 but speaks no MCP.
        _, eport = self.start_backend("echo")
        backends = self.start_demos(["m1"]) + [("echo", eport)]
        lb_http, http_port = self.start_mcplb(h.config_yaml(
            backends, policy="round_robin", pool_extra=active(kind="http", path="/healthz")),
            name="lb-http")
        lb_mcp, mcp_port = self.start_mcplb(h.config_yaml(
            backends, policy="round_robin", pool_extra=active(kind="mcp", path="/mcp")),
            name="lb-mcp")
        m = lb_mcp.wait_err(DOWN_RE.format("echo"), timeout=10)
        print(f"\nmcp probe on a non-MCP HTTP server: {m.group(1)}")

        def served_by(port):
            names = set()
            for _ in range(8):
                with h.Conn(port) as c:
                    c.send(h.build_request("GET", "/healthz"))
                    names.add(c.read_response("GET").header("x-backend-name"))
            return names

        # The http probe is content with both; the mcp probe took the echo server out.
        self.assertEqual(served_by(http_port), {"m1", "echo"})
        self.assertEqual(served_by(mcp_port), {"m1"})
        self.assertNotRegex(lb_http.err_text(), DOWN_RE.format("echo"))
        self.assertNotRegex(lb_mcp.err_text(), DOWN_RE.format("m1"))


class PassiveHealth(h.E2ETestCase):
    def test_dead_backend_ejected_without_active_checks(self):
        names = ["p1", "p2", "p3"]
        demos = {n: self.start_demo(n) for n in names}
        backends = [(n, p) for n, (_, p) in demos.items()]
        lb, port = self.start_mcplb(h.config_yaml(
            backends, workers=1, policy="round_robin",
            pool_extra="    health: {passive: {max_fails: 1, fail_timeout: 30s}}\n"))
        proc, _ = demos["p2"]
        proc.p.send_signal(signal.SIGKILL)
        proc.p.wait(5)
        mark = lb.err_mark()
        # Every request still succeeds: the failed connect moves on to the next backend.
        got = collections.Counter()
        for i in range(30):
            status, backend = call(port, i)
            self.assertEqual(status, 200)
            got[backend] += 1
        self.assertEqual(set(got), {"p1", "p3"})
        m = lb.wait_err(EJECT_RE.format("p2"), timeout=5, start=mark)
        self.assertEqual(m.group(1), "30000")
        # Ejected: mcplb tried the dead backend once, not once per round-robin turn.
        connects = [l for l in lb.err_text(mark).splitlines()
                    if "backend p2" in l and "): connect failed" in l]
        self.assertEqual(len(connects), 1, connects)


class SessionOnDeadBackend(h.E2ETestCase):
    def test_404_then_new_session_elsewhere(self):
        # Failover off (the default): a session whose backend died gets 404 + -32001, which
        # tells an MCP client to initialize again; the new session lands on a live backend.
        demos = {n: self.start_demo(n) for n in ["d1", "d2"]}
        _, port = self.start_mcplb(h.config_yaml([(n, p) for n, (_, p) in demos.items()],
                                                 policy="least_sessions"))
        with h.Conn(port) as c:
            r = h.session_post(c, h.initialize_body(), version=None)
            self.assertEqual(r.status, 200, r)
            token, backend = r.header("mcp-session-id"), r.header("x-backend-name")
        proc = demos[backend][0]
        proc.p.send_signal(signal.SIGKILL)
        proc.p.wait(5)
        with h.Conn(port) as c:
            r = h.session_post(c, h.tool_call_body("whoami"), token)
            h.assert_mcplb_error(self, r, 404, -32001)
            r = h.session_post(c, h.initialize_body(), version=None)
            self.assertEqual(r.status, 200, r)
            self.assertNotEqual(r.header("x-backend-name"), backend)


class Drain(h.E2ETestCase):
    def test_drain_with_live_stream(self):
        demos = self.start_demos(["d1", "d2"])
        lb, port = self.start_mcplb(h.config_yaml(
            demos, workers=2, policy="least_sessions", pool_extra="    drain_timeout: 2s\n",
            extra='admin: {listen: "127.0.0.1:0"}\n'))
        m, _ = lb.wait_line(r"mcplb admin listening on 127\.0\.0\.1:(\d+)")
        admin_port = int(m.group(1))

        def initialize():
            with h.Conn(port) as c:
                r = h.session_post(c, h.initialize_body(), version=None)
                self.assertEqual(r.status, 200, r)
                token = r.header("mcp-session-id")
                self.assertEqual(h.session_post(c, h.jsonrpc("notifications/initialized"),
                                                token).status, 202)
                return token, r.header("x-backend-name")

        def whoami(token):
            with h.Conn(port) as c:
                return h.session_post(c, h.tool_call_body("whoami"), token)

        sessions = dict(initialize()[::-1] for _ in range(2))
        self.assertEqual(set(sessions), {"d1", "d2"})
        token = sessions["d1"]
        sc = h.Conn(port, timeout=15)
        self.addCleanup(sc.close)
        r, stream = h.open_sse(sc, "GET", "/mcp", [("Accept", "text/event-stream"),
                                                    ("Mcp-Session-Id", token),
                                                    ("MCP-Protocol-Version", h.SESSION_VERSION)])
        self.assertIsNotNone(stream, r)

        with h.Conn(admin_port) as c:
            c.send(h.build_request("POST", "/admin/backends/d1/drain", host="127.0.0.1"))
            r = c.read_response("POST")
            self.assertEqual(r.status, 200, r)
        t0 = time.monotonic()
        # No new session lands on the draining backend; its own session keeps working.
        self.assertEqual({initialize()[1] for _ in range(4)}, {"d2"})
        r = whoami(token)
        self.assertEqual(h.tool_text(r), "d1")
        # At the deadline (2 s, swept every 2 s) mcplb ends the stream, and the session.
        try:
            self.assertEqual(stream.read_to_end(timeout=8), [])
        except h.Closed:
            pass  # the connection is closed mid-body: the client reconnects its stream
        ended = time.monotonic() - t0
        print(f"\ndrain: stream closed {ended:.1f} s after the drain began (drain_timeout 2s)")
        self.assertGreaterEqual(ended, 1.9)
        h.assert_mcplb_error(self, whoami(token), 404, -32001)


if __name__ == "__main__":
    unittest.main(verbosity=2)
