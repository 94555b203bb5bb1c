"""`mcplb demo`: 3 demo servers as children plus the balancer; they never outlive mcplb."""

import os
import re
import signal
import unittest

import harness as h



class Demo(h.E2ETestCase):
    def start(self):
        port = h.free_port()
        h.demo_bin()  # skip/fail early if the demo server was not built
        p = self.spawn([h.mcplb_bin(), "demo", "--listen", f"127.0.0.1:{port}", "--backends", "3"],
                       "mcplb-demo")
        m, _ = p.wait_line(rf"(http://127\.0\.0\.1:{port}(/[^\s\x1b]*)?)", timeout=30)
        url = m.group(1)
        path = m.group(2) or "/mcp"
        self.assertEqual(path, "/mcp", f"printed URL {url}")
        kids = h.wait_until(lambda: (lambda c: c if len(c) >= 3 else None)(h.children_of(p.pid)),
                            10, what="3 child processes of mcplb demo")
        kids = [(k, h.proc_stat(k)[2]) for k in kids]
        self.addCleanup(self.kill_kids, kids)
        return p, port, kids

    def kill_kids(self, kids):
        for pid, start in kids:
            if h.proc_alive(pid, start):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def assert_kids_gone(self, kids, timeout):
        h.wait_until(lambda: not any(h.proc_alive(pid, st) for pid, st in kids), timeout,
                     what=f"demo children {[k for k, _ in kids]} to exit")

    def assert_round_robin(self, port):
        with h.Conn(port) as c:
            names = [h.whoami(c, i + 1) for i in range(6)]
        bodies = [n for n, _ in names]
        self.assertEqual([n for n, _ in names], [hdr for _, hdr in names])
        self.assertEqual(len(set(bodies)), 3, bodies)
        self.assertEqual(bodies[:3], bodies[3:], f"not round robin: {bodies}")

    def test_demo_serves_and_sigint_stops_children(self):
        p, port, kids = self.start()
        self.assert_round_robin(port)
        p.signal(signal.SIGINT)
        code = p.wait_exit(15)
        self.assertEqual(code, 0, p.describe())
        self.assert_kids_gone(kids, 5)

    def test_kill_9_takes_children_down(self):
        p, port, kids = self.start()
        self.assert_round_robin(port)
        p.signal(signal.SIGKILL)
        p.wait_exit(5)
        self.assert_kids_gone(kids, 10)
        self.assertTrue(h.connect_refused(port))

    def test_prints_status_per_backend(self):
        p, port, kids = self.start()
        # The status shows each backend (name and address); names are what whoami reports.
        with h.Conn(port) as c:
            names = {h.whoami(c, i + 1)[0] for i in range(3)}
        self.assertEqual(len(names), 3, names)
        for n in names:
            p.wait_line(rf"\b{re.escape(n)}\b.*\b127\.0\.0\.1:\d+", timeout=10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
