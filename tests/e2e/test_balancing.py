"""Balancing policies end to end, on real demo servers (issue 5).

Each test reads which backend served a request from the demo's X-Backend-Name header (the whoami
tool's answer agrees; test_round_robin checks that), so nothing here trusts mcplb's own counters.
"""

import collections
import json
import re
import statistics
import threading
import time
import unittest

import harness as h

STICKY_RE = re.compile(r"^lb=([A-Za-z0-9_-]+); Max-Age=3600; Path=/; HttpOnly; SameSite=Lax$")


def call(conn, headers=(), tool="whoami", arguments=None, req_id=1):
    """One stateless (2026-07-28) tools/call; returns the response."""
    body = json.dumps({"jsonrpc": "2.0", "id": req_id, "method": "tools/call",
                       "params": {"name": tool, "arguments": arguments or {}}}).encode()
    conn.send(h.build_request("POST", "/mcp", [
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", h.MCP_VERSION),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", tool),
    ] + list(headers), body))
    resp = conn.read_response("POST")
    if resp.status != 200:
        raise AssertionError(f"tools/call {tool}: {resp}")
    return resp


def backend_of(port, headers=()):
    with h.Conn(port) as c:
        return call(c, headers).header("x-backend-name")


def run_threads(n, fn, timeout=90):
    """Runs fn(i) on n threads; returns their results in order, re-raising the first error."""
    results, errors = [None] * n, []

    def body(i):
        try:
            results[i] = fn(i)
        except Exception as e:  # collected and re-raised in the test thread
            errors.append(repr(e))

    ts = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n)]
    for t in ts:
        t.start()
    deadline = time.monotonic() + timeout
    for t in ts:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in ts):
        raise AssertionError("client threads hung")
    if errors:
        raise AssertionError(errors[0])
    return results


def p99(values):
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * 0.99))]


class LeastSessions(h.E2ETestCase):
    NAMES = ["s1", "s2", "s3", "s4"]

    def test_concurrent_creations_spread_evenly(self):
        backends = self.start_demos(self.NAMES)
        _, port = self.start_mcplb(h.config_yaml(backends, workers=4, policy="least_sessions"))

        def create(_):
            with h.Conn(port) as c:
                r = h.session_post(c, h.initialize_body(), version=None)
                if r.status != 200 or not r.header("mcp-session-id"):
                    raise AssertionError(f"initialize: {r}")
                return r.header("x-backend-name"), r.header("mcp-session-id")

        created = run_threads(60, create)
        counts = collections.Counter(b for b, _ in created)
        self.assertEqual(sum(counts.values()), 60)
        self.assertEqual(set(counts), set(self.NAMES), counts)
        self.assertLessEqual(max(counts.values()) - min(counts.values()), 1, counts)

        # Ending 10 sessions on one backend makes room there: the next 10 new sessions all
        # go to it, since every other backend holds 15.
        victim = self.NAMES[0]
        ended = [t for b, t in created if b == victim][:10]
        with h.Conn(port) as c:
            for token in ended:
                c.send(h.build_request("DELETE", "/mcp", [("Mcp-Session-Id", token),
                                                          ("MCP-Protocol-Version",
                                                           h.SESSION_VERSION)]))
                r = c.read_response("DELETE")
                self.assertIn(r.status, (200, 202, 204), r)
        again = collections.Counter(b for b, _ in run_threads(10, create))
        self.assertEqual(again, {victim: 10}, again)

    def test_stateless_requests_rotate(self):
        # Requests that create no session are spread round robin, not all to the emptiest.
        backends = self.start_demos(self.NAMES[:3])
        _, port = self.start_mcplb(h.config_yaml(backends, workers=1, policy="least_sessions"))
        with h.Conn(port) as c:
            names = [call(c).header("x-backend-name") for _ in range(30)]
        self.assertEqual(collections.Counter(names), {n: 10 for n in self.NAMES[:3]})


class LeastRequest(h.E2ETestCase):
    """One replica answers every tools/call 40 ms late. Round robin keeps sending it a third
    of the traffic; least_request (P2C + peak EWMA) learns within a few requests to avoid it."""

    DELAY_MS = 40
    THREADS = 12
    PER_THREAD = 80

    def load(self, policy):
        names = ["fast1", "fast2", "slow"]
        backends = [(n, self.start_demo(n, ["--tool-delay-ms", str(self.DELAY_MS)]
                                        if n == "slow" else [])[1]) for n in names]
        lb, port = self.start_mcplb(h.config_yaml(backends, workers=2, policy=policy),
                                    name=f"mcplb-{policy.split()[0].strip('{,')}")

        def client(_):
            out = []
            with h.Conn(port) as c:
                for i in range(self.PER_THREAD):
                    t0 = time.monotonic()
                    name = call(c, req_id=i + 1).header("x-backend-name")
                    out.append((name, time.monotonic() - t0))
            return out

        samples = [s for r in run_threads(self.THREADS, client) for s in r]
        lb.stop()
        counts = collections.Counter(n for n, _ in samples)
        lat = [t for _, t in samples]
        return counts, p99(lat) * 1000, statistics.mean(lat) * 1000

    def test_slow_backend_gets_less_traffic(self):
        rr_counts, rr_p99, rr_mean = self.load("round_robin")
        lr_counts, lr_p99, lr_mean = self.load("least_request")
        total = self.THREADS * self.PER_THREAD
        rr_share = rr_counts["slow"] / total
        lr_share = lr_counts["slow"] / total
        print(f"\nround_robin:   slow share {rr_share:.3f}, p99 {rr_p99:.1f} ms, mean {rr_mean:.1f} ms"
              f" {dict(rr_counts)}\nleast_request: slow share {lr_share:.3f}, p99 {lr_p99:.1f} ms,"
              f" mean {lr_mean:.1f} ms {dict(lr_counts)}")
        self.assertGreater(rr_share, 0.30)  # round robin really does send it a third
        self.assertLess(lr_share, rr_share / 3, (rr_counts, lr_counts))
        self.assertLess(lr_p99, rr_p99, (lr_p99, rr_p99))


class Weighted(h.E2ETestCase):
    def test_smooth_weighted_round_robin(self):
        backends = self.start_demos(["a", "b", "c"])
        weighted = [(n, p, w) for (n, p), w in zip(backends, [5, 1, 1])]
        _, port = self.start_mcplb(h.config_yaml(weighted, workers=1,
                                                 policy="weighted_round_robin"))
        with h.Conn(port) as c:
            seq = [call(c).header("x-backend-name") for _ in range(14)]
        # nginx's smooth sequence for {5, 1, 1}: no burst of five a's in a row.
        self.assertEqual(seq, list("aabacaa") * 2)


class IpHash(h.E2ETestCase):
    NAMES = ["h1", "h2", "h3", "h4"]

    def test_client_ip_from_trusted_proxy(self):
        backends = self.start_demos(self.NAMES)
        _, port = self.start_mcplb(h.config_yaml(
            backends, workers=2, policy="ip_hash",
            extra="forwarding: {trusted_proxies: [127.0.0.0/8]}\n"))
        placed = {}
        for i in range(40):
            ip = f"203.0.113.{i}"
            first = backend_of(port, [("X-Forwarded-For", ip)])
            for _ in range(2):
                self.assertEqual(backend_of(port, [("X-Forwarded-For", ip)]), first, ip)
            placed[ip] = first
        # 40 clients land on more than one backend, and each one stays put.
        self.assertGreater(len(set(placed.values())), 2, placed)
        # The client is the right-most untrusted hop: a spoofed left part changes nothing.
        ip = "203.0.113.7"
        self.assertEqual(backend_of(port, [("X-Forwarded-For", f"198.51.100.1, {ip}")]),
                         placed[ip])
        self.assertEqual(backend_of(port, [("Forwarded", f'for="{ip}"')]), placed[ip])

    def test_untrusted_peer_cannot_spoof(self):
        backends = self.start_demos(self.NAMES)
        # No trusted_proxies: 127.0.0.1 is the client whatever X-Forwarded-For says.
        _, port = self.start_mcplb(h.config_yaml(backends, workers=2, policy="ip_hash"))
        seen = {backend_of(port, [("X-Forwarded-For", f"203.0.113.{i}")]) for i in range(30)}
        self.assertEqual(len(seen), 1, seen)


class HashOnKey(h.E2ETestCase):
    NAMES = ["k1", "k2", "k3"]

    def test_header_key_and_fallback(self):
        # balance_factor 0: pure consistent hashing. With the bounded load on (the default),
        # a request may find its backend still counting the previous request as in flight on
        # another worker, and at a mean load below one that is "above 1.25x the mean".
        backends = self.start_demos(self.NAMES)
        _, port = self.start_mcplb(h.config_yaml(
            backends, workers=2,
            policy="{name: hash, key: {header: X-Tenant}, fallback: round_robin, "
                   "balance_factor: 0}"))
        placed = {}
        for t in range(30):
            tenant = f"tenant-{t}"
            b = backend_of(port, [("X-Tenant", tenant)])
            self.assertEqual(backend_of(port, [("X-Tenant", tenant)]), b)
            placed[tenant] = b
        self.assertEqual(set(placed.values()), set(self.NAMES), placed)
        # Without the header the fallback (round robin) spreads requests on one connection.
        with h.Conn(port) as c:
            names = [call(c).header("x-backend-name") for _ in range(9)]
        self.assertEqual(collections.Counter(names), {n: 3 for n in self.NAMES})

    def test_query_key(self):
        # Bounded load on (default 1.25), one worker: sequential requests never overlap.
        backends = self.start_demos(self.NAMES)
        _, port = self.start_mcplb(h.config_yaml(
            backends, workers=1, policy="{name: hash, key: {query: user}}"))
        for u in range(10):
            with h.Conn(port) as c:
                got = set()
                for i in range(3):
                    body = json.dumps({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
                                       "params": {"name": "whoami", "arguments": {}}}).encode()
                    c.send(h.build_request("POST", f"/mcp?user=u{u}", [
                        ("Content-Type", "application/json"),
                        ("Accept", "application/json, text/event-stream"),
                        ("MCP-Protocol-Version", h.MCP_VERSION),
                        ("Mcp-Method", "tools/call"), ("Mcp-Name", "whoami")], body))
                    r = c.read_response("POST")
                    self.assertEqual(r.status, 200, r)
                    got.add(r.header("x-backend-name"))
                self.assertEqual(len(got), 1, got)


class StickyCookie(h.E2ETestCase):
    NAMES = ["c1", "c2", "c3"]

    def start(self, workers=2):
        self.demos = {n: self.start_demo(n) for n in self.NAMES}
        backends = [(n, p) for n, (_, p) in self.demos.items()]
        self.lb, self.port = self.start_mcplb(h.config_yaml(
            backends, workers=workers, policy="round_robin",
            pool_extra="    sticky: {cookie: lb, ttl: 1h}\n"))

    def request(self, cookie=None):
        with h.Conn(self.port) as c:
            r = call(c, [("Cookie", f"other=1; lb={cookie}")] if cookie else [])
            return r.header("x-backend-name"), r.header("set-cookie")

    def test_cookie_pins_and_is_signed(self):
        self.start()
        backend, set_cookie = self.request()
        m = STICKY_RE.match(set_cookie or "")
        self.assertIsNotNone(m, set_cookie)
        cookie = m.group(1)
        for _ in range(12):  # round robin would have moved it
            b, again = self.request(cookie)
            self.assertEqual(b, backend)
            self.assertIsNone(again, "a valid cookie is not set again")
        # A forged or altered cookie is ignored: the client is placed anew and gets a new one.
        for bad in (h.tamper(cookie), "c2", cookie[:-4]):
            b, fresh = self.request(bad)
            self.assertIsNotNone(fresh, bad)
            self.assertIsNotNone(STICKY_RE.match(fresh), fresh)

    def test_dead_backend_replaces_client(self):
        self.start(workers=1)
        backend, set_cookie = self.request()
        cookie = STICKY_RE.match(set_cookie).group(1)
        self.demos[backend][0].stop()
        b, fresh = self.request(cookie)
        self.assertNotEqual(b, backend)
        m = STICKY_RE.match(fresh or "")
        self.assertIsNotNone(m, fresh)
        # The new cookie keeps the client on its new backend.
        self.assertEqual(self.request(m.group(1)), (b, None))


if __name__ == "__main__":
    unittest.main(verbosity=2)
