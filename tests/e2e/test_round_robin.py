"""round_robin over 3 demo backends.

With per-worker round robin, what holds exactly: any N consecutive picks made by ONE worker give
each of the 3 backends floor(N/3) or ceil(N/3), and consecutive picks follow the backend list
cyclically. A client connection is served by one worker, so:
  - sequential requests on one connection (nothing else running) cycle b1 -> b2 -> b3 -> b1;
  - if every connection carries a multiple of 3 requests, every worker makes a multiple of 3
    picks, so the totals are exactly equal whatever the worker count and interleaving;
  - with W workers and arbitrary per-connection counts, each backend is within W-1 of the mean.
"""

import collections
import threading
import unittest

import harness as h

NAMES = ["b1", "b2", "b3"]


class RoundRobin(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.ports = [self.start_demo(n)[1] for n in NAMES]

    def start_lb(self, workers):
        cfg = h.config_yaml(list(zip(NAMES, self.ports)), workers=workers)
        self.lb, self.port = self.start_mcplb(cfg)

    def calls(self, n, conn=None):
        """n whoami calls on one connection (a new one unless given); returns the names."""
        own = conn is None
        c = conn or h.Conn(self.port)
        try:
            out = []
            for i in range(n):
                name, hdr = h.whoami(c, i + 1)
                self.assertEqual(name, hdr, "whoami body and X-Backend-Name disagree")
                self.assertIn(name, NAMES)
                out.append(name)
            return out
        finally:
            if own:
                c.close()

    def concurrent(self, n_conns, per_conn):
        results, errors = [], []
        lock = threading.Lock()

        def run():
            try:
                names = self.calls(per_conn)
                with lock:
                    results.append(names)
            except Exception as e:  # collected and re-raised in the test thread
                with lock:
                    errors.append(repr(e))

        ts = [threading.Thread(target=run, daemon=True) for _ in range(n_conns)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertFalse(any(t.is_alive() for t in ts), "client threads hung")
        self.assertEqual(errors, [])
        return results

    def assert_cyclic(self, seq):
        for a, b in zip(seq, seq[1:]):
            self.assertEqual(NAMES.index(b), (NAMES.index(a) + 1) % 3,
                             f"not cyclic round robin: {seq}")

    def test_exact_split_one_worker(self):
        self.start_lb(workers=1)
        seq = self.calls(60)
        self.assert_cyclic(seq)
        names = list(seq)
        for r in self.concurrent(6, 30):
            names += r
        for _ in range(60):  # one request per connection
            names += self.calls(1)
        self.assertEqual(len(names), 300)
        self.assertEqual(collections.Counter(names), {n: 100 for n in NAMES})

    def test_two_workers(self):
        workers = 2
        self.start_lb(workers=workers)
        # Sequential connections: each is served by one worker whose picks cycle.
        total = collections.Counter()
        for _ in range(10):
            seq = self.calls(30)
            self.assert_cyclic(seq)
            c = collections.Counter(seq)
            self.assertEqual(c, {n: 10 for n in NAMES}, seq)
            total += c
        self.assertEqual(total, {n: 100 for n in NAMES})

        # Concurrent connections, each a multiple of 3 requests: totals stay exact.
        total = collections.Counter()
        for r in self.concurrent(10, 30):
            total += collections.Counter(r)
        self.assertEqual(total, {n: 100 for n in NAMES})

        # One request per connection: workers split them unevenly; each worker's share is
        # balanced to within 1, so each backend is within workers-1 of 100.
        total = collections.Counter()
        for _ in range(300):
            total += collections.Counter(self.calls(1))
        self.assertEqual(sum(total.values()), 300)
        for n in NAMES:
            self.assertLessEqual(abs(total[n] - 100), workers - 1, total)


if __name__ == "__main__":
    unittest.main(verbosity=2)
