"""mcplb's own error responses and timeouts: 502, 504, slowloris, 431, 413.

Each error is a JSON-RPC error body with Content-Type application/json, and mcplb keeps serving
normal requests afterwards.
"""

import threading
import time
import unittest

import harness as h

HEADER_TIMEOUT = 2.0
READ_TIMEOUT = 1.0


class BackendDown(h.E2ETestCase):
    def test_502_when_no_backend_reachable(self):
        cfg = h.config_yaml([("gone", h.dead_port())], workers=1, pool={"connect": "1s"})
        lb, port = self.start_mcplb(cfg)
        for i in range(3):
            t0 = time.monotonic()
            r = h.get(port, f"/down/{i}", timeout=10)
            h.assert_jsonrpc_error(self, r, 502)
            self.assertLess(time.monotonic() - t0, 5, "a refused connect should fail fast")
        # A JSON-RPC POST gets the same kind of answer.
        with h.Conn(port) as c:
            c.send(h.whoami_request())
            r = c.read_response("POST")
        self.assertEqual(r.status, 502, r)
        self.assert_alive(lb)


class PartlyDown(h.E2ETestCase):
    def test_refused_backend_is_skipped(self):
        # A refused connect sent nothing: trying the next backend is always safe.
        backend, bport = self.start_backend("up")
        cfg = h.config_yaml([("down", h.dead_port()), ("up", bport)], workers=1)
        lb, port = self.start_mcplb(cfg)
        with h.Conn(port) as c:
            for i in range(6):
                r = c.request("GET", f"/skip/{i}")
                self.assertEqual(r.status, 200, f"request {i}: {r}")
                self.assertEqual(r.header("x-backend-name"), "up")


class Errors(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.backend, bport = self.start_backend("e1")
        self.log = h.BackendLog(self.backend)
        cfg = h.config_yaml(
            [("e1", bport)], workers=1,
            client={"max_header_bytes": "16k", "max_body_bytes": "1m",
                    "header_timeout": f"{int(HEADER_TIMEOUT)}s"},
            pool={"read": f"{int(READ_TIMEOUT)}s"})
        self.lb, self.port = self.start_mcplb(cfg)

    def tearDown(self):
        # Whatever happened, mcplb must still be up and serving.
        self.assert_alive(self.lb)
        r = h.get(self.port, "/still-alive")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["target"], "/still-alive")

    def test_504_when_backend_never_answers(self):
        mark = self.log.mark()
        with h.Conn(self.port) as c:
            t0 = time.monotonic()
            c.send(h.build_request("GET", "/hang"))
            self.log.wait("REQ", "/hang", since=mark, timeout=5)
            r = c.read_response(timeout=READ_TIMEOUT + 5)
            took = time.monotonic() - t0
        h.assert_jsonrpc_error(self, r, 504)
        self.assertGreaterEqual(took, READ_TIMEOUT * 0.8, f"504 after only {took:.2f}s")
        self.assertLess(took, READ_TIMEOUT + 3, f"504 after {took:.2f}s")

    def test_truncated_upstream_body_is_not_passed_off_as_complete(self):
        # The backend dies mid-body: the client must see the response cut short (EOF before the
        # announced length / before the terminal chunk), never a well-formed shorter response.
        for mode in ("cl", "chunked"):
            with h.Conn(self.port) as c:
                c.send(h.build_request("GET", f"/truncate?mode={mode}"))
                with self.assertRaises(h.Closed, msg=f"mode={mode}: truncated body looked whole"):
                    c.read_response(timeout=5)

    def test_stale_pooled_connection_get(self):
        self.stale_pooled_connection("GET", None)

    def test_stale_pooled_connection_post(self):
        self.stale_pooled_connection("POST", b'{"jsonrpc":"2.0","id":1,"method":"ping"}')

    def stale_pooled_connection(self, method, body):
        # The backend closes its keep-alive connection right after a response, unannounced
        # (as when its own idle timeout fires). The next request must not fail because of it.
        mark = self.log.mark()
        with h.Conn(self.port) as c:
            r = c.request("GET", "/close-after")
            self.assertEqual(r.status, 200, r)
            self.backend.wait_line(r'^CLOSED .*"/close-after"', start=mark)
            hdrs = [("Content-Type", "application/json")] if body else []
            r = c.request(method, "/after-stale", hdrs, body)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["target"], "/after-stale")
            self.assertEqual(r.json()["body_len"], len(body or b""))

    def test_slowloris_partial_head_closed_after_header_timeout(self):
        with h.Conn(self.port) as c:
            c.send(b"GET /slow HTTP/1.1\r\nHost: test.local\r\nX-Partial: ")
            got, took = c.wait_closed(HEADER_TIMEOUT + 2)
        self.assertGreaterEqual(took, HEADER_TIMEOUT / 2, f"closed after only {took:.2f}s")
        if got:  # a 408 before closing is fine; anything else is not
            self.assertTrue(got.startswith(b"HTTP/1.1 408"), got[:200])

    def test_slowloris_dripping_head_closed_after_header_timeout(self):
        # Bytes keep arriving, but the head as a whole never completes: header_timeout covers
        # the whole head, not the gap between bytes.
        stop = threading.Event()
        with h.Conn(self.port) as c:
            c.send(b"GET /drip HTTP/1.1\r\nHost: test.local\r\n")

            def drip():
                i = 0
                while not stop.wait(0.2):  # pacing, not synchronisation
                    try:
                        c.send(b"X-D%d: 1\r\n" % i)
                    except OSError:
                        return
                    i += 1

            t = threading.Thread(target=drip, daemon=True)
            t.start()
            try:
                got, took = c.wait_closed(HEADER_TIMEOUT + 2)
            finally:
                stop.set()
                t.join(5)
        self.assertGreaterEqual(took, HEADER_TIMEOUT / 2, f"closed after only {took:.2f}s")
        if got:
            self.assertTrue(got.startswith(b"HTTP/1.1 408"), got[:200])

    def test_431_header_too_large(self):
        mark = self.log.mark()
        with h.Conn(self.port) as c:
            r = c.request("GET", "/big-header", [("X-Big", "a" * 20000)])
        h.assert_jsonrpc_error(self, r, 431)
        self.assertEqual(self.log.events(mark, "REQ"), [])

    def test_431_many_headers(self):
        with h.Conn(self.port) as c:
            r = c.request("GET", "/many-headers", [(f"X-H{i}", "v" * 40) for i in range(500)])
        h.assert_jsonrpc_error(self, r, 431)

    def test_header_just_under_limit_passes(self):
        with h.Conn(self.port) as c:
            r = c.request("GET", "/near-limit", [("X-Big", "a" * 12000)])
        self.assertEqual(r.status, 200, r)

    def test_413_content_length_too_large(self):
        mark = self.log.mark()
        with h.Conn(self.port) as c:
            # Only the head: mcplb must answer from Content-Length, without waiting for a body.
            c.send(h.build_request("POST", "/too-big", [("Content-Length", str(2 << 20))]))
            r = c.read_response("POST", timeout=5)
        h.assert_jsonrpc_error(self, r, 413)
        self.assertEqual(self.log.events(mark, "DONE"), [])

    def test_413_chunked_body_too_large(self):
        mark = self.log.mark()
        with h.Conn(self.port, timeout=10) as c:
            c.send(h.build_request("POST", "/too-big-chunked", [("Transfer-Encoding", "chunked")]))
            stop = threading.Event()

            def pump():  # 2 MiB in 64 KiB chunks, until mcplb stops reading
                piece = b"%x\r\n%s\r\n" % (65536, b"z" * 65536)
                for _ in range(32):
                    if stop.is_set():
                        return
                    try:
                        c.send(piece)
                    except OSError:
                        return
                try:
                    c.send(b"0\r\n\r\n")
                except OSError:
                    pass

            t = threading.Thread(target=pump, daemon=True)
            t.start()
            try:
                r = c.read_response("POST", timeout=10)
            finally:
                stop.set()
                t.join(10)
        h.assert_jsonrpc_error(self, r, 413)
        # The backend must not have received a complete oversized body.
        self.assertEqual(self.log.events(mark, "DONE"), [])

    def test_body_under_limit_passes(self):
        body = h.pattern_bytes(1_000_000)  # under 1m whether m means 10^6 or 2^20
        with h.Conn(self.port) as c:
            r = c.request("POST", "/under-limit", body=body)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["body_len"], len(body))


if __name__ == "__main__":
    unittest.main(verbosity=2)
