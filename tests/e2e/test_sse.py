"""SSE responses stream through mcplb event by event, not buffered until the stream ends.

The backend sends event 1 and then blocks until the test writes `release <key>` to its stdin, so
"event 1 reached the client" is observed while the backend is provably still streaming.
"""

import json
import time
import unittest

import harness as h


class Sse(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.backend, bport = self.start_backend("s1")
        self.log = h.BackendLog(self.backend)
        self.lb, self.port = self.start_mcplb(h.config_yaml([("s1", bport)], workers=1))

    def read_events(self, conn, chunked, n, deadline):
        """Read body bytes until `n` complete SSE events are in; returns (events, raw)."""
        raw = bytearray()
        it = conn.iter_chunks(deadline) if chunked else None
        while raw.count(b"\n\n") < n:
            if it is not None:
                try:
                    raw += next(it)
                except StopIteration:
                    break
            else:
                raw += conn.read_some(deadline)
        return h.parse_sse(bytes(raw)), raw

    def open_stream(self, conn, method, target, key):
        body = None
        hdrs = [("Accept", "text/event-stream")]
        if method == "POST":
            body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                               "params": {"name": "progress", "arguments": {}}}).encode()
            hdrs = [("Content-Type", "application/json"),
                    ("Accept", "application/json, text/event-stream"),
                    ("MCP-Protocol-Version", h.MCP_VERSION), ("Mcp-Method", "tools/call"),
                    ("Mcp-Name", "progress")]
        conn.send(h.build_request(method, target, hdrs, body))
        status, _, _, headers, _ = conn.read_head(timeout=5)
        r = h.Response(status, "", "1.1", headers, b"", b"")
        self.assertEqual(status, 200, headers)
        self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"), headers)
        self.assertIsNone(r.header("content-length"), "an open stream cannot have a length")
        te = (r.header("transfer-encoding") or "").lower()
        return r, te == "chunked"

    def stream_case(self, method, mode):
        key = f"k-{method}-{mode}"
        target = f"/sse?key={key}&mode={mode}"
        with h.Conn(self.port) as c:
            r, is_chunked = self.open_stream(c, method, target, key)
            # Event 1 must arrive while the backend is blocked before event 2.
            events, _ = self.read_events(c, is_chunked, 1, time.monotonic() + 5)
            self.assertEqual(len(events), 1, events)
            self.assertEqual(events[0].get("id"), "1")
            self.assertEqual(json.loads(events[0]["data"])["params"]["n"], 1)
            self.log.wait("DONE", target, timeout=1)

            self.backend.send_stdin(f"release {key}\n")
            deadline = time.monotonic() + 5
            if is_chunked:
                rest = b"".join(c.iter_chunks(deadline))  # ends at the terminal chunk
            else:
                rest = c.read_to_eof(deadline)  # close-delimited: EOF is the end
            events = h.parse_sse(rest)
            self.assertEqual([e.get("id") for e in events], ["2", "3"], rest)
            self.assertTrue(rest.endswith(b"\n\n"), rest)

            if is_chunked and "close" not in r.connection_tokens():
                # Cleanly ended and still in sync: the connection serves another request
                # (or mcplb chose to close it, which must then be a clean EOF).
                try:
                    r2 = c.request("GET", "/after-sse", timeout=5)
                except (h.Closed, BrokenPipeError, ConnectionResetError):
                    return
                self.assertEqual(r2.status, 200, r2)
                self.assertEqual(r2.json()["target"], "/after-sse")
            else:
                c.wait_closed(5)

    def test_get_chunked_stream(self):
        self.stream_case("GET", "chunked")

    def test_post_chunked_stream(self):
        self.stream_case("POST", "chunked")

    def test_get_close_delimited_stream(self):
        # The backend frames the stream by closing the connection (no length, no chunking).
        self.stream_case("GET", "close")

    def test_many_concurrent_streams_each_flushed(self):
        conns = []
        try:
            for i in range(20):
                c = h.Conn(self.port)
                conns.append(c)
                _, is_chunked = self.open_stream(c, "GET", f"/sse?key=multi{i}", f"multi{i}")
                self.assertTrue(is_chunked, "a chunked backend stream should stay chunked")
            for i, c in enumerate(conns):
                events, _ = self.read_events(c, True, 1, time.monotonic() + 5)
                self.assertEqual([e.get("id") for e in events], ["1"], f"stream {i}")
            for i in range(20):
                self.backend.send_stdin(f"release multi{i}\n")
            for i, c in enumerate(conns):
                rest = b"".join(c.iter_chunks(time.monotonic() + 5))
                self.assertEqual([e.get("id") for e in h.parse_sse(rest)], ["2", "3"])
        finally:
            for c in conns:
                c.close()


class SseTimeouts(h.E2ETestCase):
    """A text/event-stream response is governed by idle_stream, not by the read timeout."""

    def start(self, read, idle_stream):
        self.backend, bport = self.start_backend("s1")
        cfg = h.config_yaml([("s1", bport)], workers=1,
                            pool={"read": read, "idle_stream": idle_stream})
        self.lb, self.port = self.start_mcplb(cfg)
        self.addCleanup(lambda: self.backend.p.poll() is None
                        and self.backend.send_stdin("release quiet\n"))
        c = h.Conn(self.port)
        self.addCleanup(c.close)
        c.send(h.build_request("GET", "/sse?key=quiet", [("Accept", "text/event-stream")]))
        status, _, _, headers, _ = c.read_head(timeout=5)
        self.assertEqual(status, 200, headers)
        r = h.Response(status, "", "1.1", headers, b"", b"")
        self.assertEqual((r.header("transfer-encoding") or "").lower(), "chunked", headers)
        chunks = c.iter_chunks(time.monotonic() + 5)
        first = next(chunks)
        self.assertEqual(h.parse_sse(first)[0].get("id"), "1")
        return c

    def test_silent_stream_outlives_read_timeout(self):
        c = self.start(read="1s", idle_stream="300s")
        time.sleep(2.5)  # the silence under test, longer than the 1 s read timeout
        self.backend.send_stdin("release quiet\n")
        rest = b"".join(c.iter_chunks(time.monotonic() + 5))
        self.assertEqual([e.get("id") for e in h.parse_sse(rest)], ["2", "3"], rest)

    def test_idle_stream_timeout_ends_a_silent_stream(self):
        c = self.start(read="5s", idle_stream="1s")
        t0 = time.monotonic()
        rest = bytearray()
        try:
            for piece in c.iter_chunks(t0 + 4):
                rest += piece
        except h.Closed:
            pass  # cut by closing the connection: fine
        took = time.monotonic() - t0
        self.assertGreaterEqual(took, 0.5, f"stream ended after only {took:.2f}s")
        self.assertLess(took, 4)
        self.assertNotIn(b"id: 2", rest)


if __name__ == "__main__":
    unittest.main(verbosity=2)
