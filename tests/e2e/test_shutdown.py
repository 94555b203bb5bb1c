"""SIGTERM / SIGINT drain: stop accepting, finish in-flight requests, exit 0."""

import signal
import time
import unittest

import harness as h

SHUTDOWN_TIMEOUT = 10


class Shutdown(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.backend, bport = self.start_backend("d1")
        self.log = h.BackendLog(self.backend)
        cfg = h.config_yaml([("d1", bport)], workers=2, shutdown_timeout=f"{SHUTDOWN_TIMEOUT}s",
                            pool={"read": "30s"})
        self.lb, self.port = self.start_mcplb(cfg)

    def drain_case(self, sig):
        key = f"drain-{sig}"
        target = f"/wait?key={key}"
        mark = self.log.mark()
        inflight = h.Conn(self.port, timeout=SHUTDOWN_TIMEOUT + 5)
        self.addCleanup(inflight.close)
        inflight.send(h.build_request("GET", target))
        self.log.wait("REQ", target, since=mark)  # the request is now inside mcplb + backend

        t0 = time.monotonic()
        self.lb.signal(sig)
        # New connections get refused once the listeners are closed.
        h.wait_until(lambda: h.connect_refused(self.port), 5, interval=0.05,
                     what="new connections to be refused after the signal")
        self.assertIsNone(self.lb.p.poll(), "mcplb exited with a request still in flight")

        self.backend.send_stdin(f"release {key}\n")
        r = inflight.read_response(timeout=SHUTDOWN_TIMEOUT)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["target"], target)

        code = self.lb.wait_exit(SHUTDOWN_TIMEOUT + 3)
        self.assertEqual(code, 0, f"exit status {code}\n{self.lb.describe()}")
        self.assertLess(time.monotonic() - t0, SHUTDOWN_TIMEOUT + 3)
        # A drained keep-alive connection is closed, not left hanging.
        inflight.wait_closed(2)

    def test_sigterm_drains_in_flight_request(self):
        self.drain_case(signal.SIGTERM)

    def test_sigint_drains_in_flight_request(self):
        self.drain_case(signal.SIGINT)

    def test_idle_keepalive_connection_closed_and_prompt_exit(self):
        idle = h.Conn(self.port)
        self.addCleanup(idle.close)
        r = idle.request("GET", "/before")
        self.assertEqual(r.status, 200, r)
        t0 = time.monotonic()
        self.lb.signal(signal.SIGTERM)
        idle.wait_closed(SHUTDOWN_TIMEOUT)
        self.assertEqual(self.lb.wait_exit(SHUTDOWN_TIMEOUT), 0)
        # Nothing in flight: no reason to wait for shutdown_timeout.
        self.assertLess(time.monotonic() - t0, SHUTDOWN_TIMEOUT / 2)

    def test_shutdown_timeout_bounds_a_stuck_request(self):
        # The backend never answers; mcplb must still exit once shutdown_timeout is up.
        mark = self.log.mark()
        stuck = h.Conn(self.port, timeout=SHUTDOWN_TIMEOUT + 10)
        self.addCleanup(stuck.close)
        stuck.send(h.build_request("GET", "/hang"))
        self.log.wait("REQ", "/hang", since=mark)
        t0 = time.monotonic()
        self.lb.signal(signal.SIGTERM)
        self.lb.wait_exit(SHUTDOWN_TIMEOUT + 3)
        took = time.monotonic() - t0
        self.assertGreaterEqual(took, SHUTDOWN_TIMEOUT * 0.8,
                                f"exited after {took:.1f}s with a request in flight")
        stuck.wait_closed(2)

    def test_open_sse_stream_ended_and_exit_0(self):
        # An SSE stream can stay open forever: draining must end it, not wait on it forever.
        stream = h.Conn(self.port, timeout=SHUTDOWN_TIMEOUT + 5)
        self.addCleanup(stream.close)
        stream.send(h.build_request("GET", "/sse?key=never", [("Accept", "text/event-stream")]))
        status, _, _, headers, _ = stream.read_head(timeout=5)
        self.assertEqual(status, 200, headers)
        chunks = stream.iter_chunks(time.monotonic() + SHUTDOWN_TIMEOUT + 5)
        self.assertIn(b"id: 1", next(chunks))
        t0 = time.monotonic()
        self.lb.signal(signal.SIGTERM)
        try:
            for piece in chunks:
                self.assertNotIn(b"id: 2", piece)
        except h.Closed:
            pass
        self.assertEqual(self.lb.wait_exit(SHUTDOWN_TIMEOUT + 3), 0, self.lb.describe())
        self.assertLess(time.monotonic() - t0, SHUTDOWN_TIMEOUT + 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
