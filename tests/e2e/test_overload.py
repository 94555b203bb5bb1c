"""Overload protection (issue 6): per-backend max_in_flight with a bounded wait queue.

Beyond the limit and the queue, clients get a fast 503 with Retry-After and a JSON-RPC error;
a queued request is served as soon as a slot frees, or refused at queue_timeout.
"""

import threading
import time
import unittest

import harness as h


def slow_call(port, ms, req_id, out, lock):
    body = h.tool_call_body("slow", {"ms": ms}, req_id)
    t0 = time.monotonic()
    try:
        with h.Conn(port, timeout=15) as c:
            c.send(h.build_request("POST", "/mcp", [
                ("Content-Type", "application/json"),
                ("Accept", "application/json, text/event-stream"),
                ("MCP-Protocol-Version", h.MCP_VERSION), ("Mcp-Method", "tools/call"),
                ("Mcp-Name", "slow")], body))
            r = c.read_response("POST")
    except Exception as e:  # noqa: BLE001
        r = e
    with lock:
        out.append((r, time.monotonic() - t0))


def burst(port, n, ms):
    out, lock = [], threading.Lock()
    threads = [threading.Thread(target=slow_call, args=(port, ms, i, out, lock))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


class Overload(h.E2ETestCase):
    def test_fast_503_beyond_limit_and_queue(self):
        demos = self.start_demos(["o1"])
        lb, port = self.start_mcplb(h.config_yaml(
            demos, workers=2, policy="round_robin",
            pool_extra="    overload: {max_in_flight: 2, queue: 2, queue_timeout: 3s, "
                       "retry_after: 7}\n"))
        out = burst(port, 10, 400)
        ok = [(r, t) for r, t in out if not isinstance(r, Exception) and r.status == 200]
        refused = [(r, t) for r, t in out if not isinstance(r, Exception) and r.status == 503]
        self.assertEqual(len(out), 10)
        # 2 run at once, 2 wait for them and run next; the other 6 are refused at once.
        self.assertEqual(len(ok), 4, [getattr(r, "status", r) for r, _ in out])
        self.assertEqual(len(refused), 6)
        for r, took in refused:
            h.assert_mcplb_error(self, r, 503, -32005)
            self.assertEqual(r.header("retry-after"), "7")
            self.assertLess(took, 0.3, "a refusal must not wait for the slow calls")
        waited = sorted(t for _, t in ok)
        self.assertGreater(waited[-1], 0.75, "queued calls ran after the first two")
        print(f"\noverload: 6 refused in at most {max(t for _, t in refused) * 1000:.1f} ms; "
              f"queued calls done after {waited[-1] * 1000:.0f} ms")

    def test_memory_bounded_under_a_flood(self):
        demos = self.start_demos(["b1"])
        lb, port = self.start_mcplb(h.config_yaml(
            demos, workers=2, policy="round_robin",
            pool_extra="    overload: {max_in_flight: 4, queue: 8, queue_timeout: 2s}\n"))
        burst(port, 20, 10)  # warm up buffers and threads
        before = h.proc_status_kib(lb.p.pid, "VmRSS")
        out = burst(port, 300, 500)
        after = h.proc_status_kib(lb.p.pid, "VmRSS")
        statuses = sorted(getattr(r, "status", 0) for r, _ in out)
        served = statuses.count(200)
        self.assertEqual(statuses.count(503) + served, 300, statuses)
        self.assertGreaterEqual(served, 4)
        self.assertLessEqual(served, 12 + 16)  # a few slots free up while the flood arrives
        print(f"\noverload flood: 300 concurrent calls -> {served} served, "
              f"{300 - served} refused; mcplb RSS {before} -> {after} KiB")
        self.assertLess(after - before, 32 * 1024)

    def test_listener_max_connections(self):
        demos = self.start_demos(["c1"])
        text = h.config_yaml(demos, workers=1).replace(
            'listen: [{address: "127.0.0.1:0"}]',
            'listen: [{address: "127.0.0.1:0", max_connections: 2}]')
        _, port = self.start_mcplb(text)
        held = [h.Conn(port) for _ in range(2)]
        for c in held:
            self.addCleanup(c.close)
            c.send(h.whoami_request())
            self.assertEqual(c.read_response("POST").status, 200)  # both are accepted
        t0 = time.monotonic()
        with h.Conn(port) as c:
            c.send(h.whoami_request())
            r = c.read_response("POST")
        took = time.monotonic() - t0
        h.assert_mcplb_error(self, r, 503, -32005)
        self.assertIsNotNone(r.header("retry-after"))
        self.assertLess(took, 0.5)
        held[0].close()
        # A freed slot is usable again.
        def served():
            try:
                with h.Conn(port) as c:
                    c.send(h.whoami_request())
                    return c.read_response("POST").status == 200
            except h.Closed:
                return False
        h.wait_until(served, 5, what="a connection slot to free up")

    def test_queue_timeout(self):
        demos = self.start_demos(["q1"])
        _, port = self.start_mcplb(h.config_yaml(
            demos, workers=1, policy="round_robin",
            pool_extra="    overload: {max_in_flight: 1, queue: 5, queue_timeout: 200ms}\n"))
        out = burst(port, 3, 1000)
        statuses = sorted(r.status for r, _ in out)
        self.assertEqual(statuses, [200, 503, 503])
        for r, took in out:
            if r.status == 503:
                self.assertEqual(r.header("retry-after"), "1")
                self.assertGreaterEqual(took, 0.19)
                self.assertLess(took, 0.9)

    def test_limit_moves_new_requests_to_other_backend(self):
        demos = self.start_demos(["m1", "m2"])
        _, port = self.start_mcplb(h.config_yaml(
            demos, workers=1, policy="round_robin",
            pool_extra="    overload: {max_in_flight: 1, queue: 0}\n"))
        out = burst(port, 2, 300)
        self.assertEqual(sorted(r.status for r, _ in out), [200, 200])
        names = sorted(r.header("x-backend-name")
                       for r, _ in out)
        self.assertEqual(names, ["m1", "m2"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
