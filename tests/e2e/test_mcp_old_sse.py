"""The old HTTP+SSE transport (2024-11-05) through mcplb, 3 demo backends.

GET /sse opens the stream; its first event (`event: endpoint`) names the POST URL with the
backend's sessionId, which mcplb replaces with a sealed token. POST /message?sessionId=TOKEN
is answered 202 by the backend; the JSON-RPC response travels on the stream.
"""

import json
import unittest

import harness as h

NAMES = ["b1", "b2", "b3"]
OLD_VERSION = "2024-11-05"


class OldSse(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.lb, self.port = self.start_mcplb(h.config_yaml(self.start_demos(NAMES), workers=2))

    def open_stream(self):
        """GET /sse; returns (token, backend name, SseStream, the endpoint URL)."""
        c = h.Conn(self.port)
        self.addCleanup(c.close)
        r, stream = h.open_sse(c, "GET", "/sse", [("Accept", "text/event-stream")])
        self.assertIsNotNone(stream, f"GET /sse did not open an event stream: {r}")
        self.assertIsNone(r.header("mcp-session-id"), r)
        backend = r.header("x-backend-name")
        self.assertIn(backend, NAMES, r)
        ev = stream.next_event(timeout=5)
        self.assertIsNotNone(ev, "stream ended before the endpoint event")
        self.assertEqual(ev.get("event"), "endpoint", ev)
        url = ev.get("data", "")
        prefix = "/message?sessionId="
        self.assertTrue(url.startswith(prefix), f"endpoint {url!r}")
        token = url[len(prefix):]
        self.assertRegex(token, h.TOKEN_RE, f"endpoint {url!r}")
        self.assertIsNone(h.DEMO_SID_RE.match(token), f"backend's own id leaked: {url!r}")
        self.assertGreaterEqual(len(token), 90, token)
        self.assertLessEqual(len(token), 120, token)
        for k, v in r.headers:
            self.assertNotIn(token, v, f"token in response header {k}")
        return token, backend, stream, url, c

    def post(self, target, body, conn=None):
        hdrs = [("Content-Type", "application/json")]
        if conn is not None:
            return conn.request("POST", target, hdrs, body)
        with h.Conn(self.port) as c:
            return c.request("POST", target, hdrs, body)

    def call(self, stream, target, body, req_id, conn=None):
        """POST a request to `target`: 202, then its response arrives on the stream."""
        r = self.post(target, body, conn)
        self.assertEqual(r.status, 202, r)
        self.assertIsNone(r.header("mcp-session-id"), r)
        ev, _ = stream.wait_for(
            lambda e: e.get("data") and json.loads(e["data"]).get("id") == req_id)
        self.assertEqual(ev.get("event", "message"), "message", ev)
        return json.loads(ev["data"]), r

    def handshake(self, stream, url):
        body = h.initialize_body(req_id=1, version=OLD_VERSION)
        msg, r = self.call(stream, url, body, 1)
        self.assertEqual(msg["result"]["protocolVersion"], OLD_VERSION, msg)
        r = self.post(url, h.jsonrpc("notifications/initialized"))
        self.assertEqual(r.status, 202, r)
        return r

    def counter_text(self, stream, target, req_id, conn=None):
        msg, r = self.call(stream, target, h.tool_call_body("counter", req_id=req_id), req_id,
                           conn)
        return msg["result"]["content"][0]["text"], r

    def test_endpoint_is_sealed_and_messages_reach_the_stream(self):
        token, backend, stream, url, _ = self.open_stream()
        r = self.handshake(stream, url)
        self.assertEqual(r.header("x-backend-name"), backend)
        got = []
        with h.Conn(self.port) as c:  # keep-alive connection, then fresh ones
            for i in range(3):
                text, r = self.counter_text(stream, url, 10 + i, conn=c)
                self.assertEqual(r.header("x-backend-name"), backend)
                got.append(text)
        for i in range(3):
            got.append(self.counter_text(stream, url, 20 + i)[0])
        # The sessionId parameter is found and rewritten among other query parameters.
        got.append(self.counter_text(stream, f"{url}&trace=1", 30)[0])
        got.append(self.counter_text(stream, f"/message?trace=1&sessionId={token}", 31)[0])
        self.assertEqual(got, [f"{backend}:{n}" for n in range(1, 9)])

        # Notifications from a tool come on the same stream.
        r = self.post(url, h.tool_call_body("notify", {"text": "old-hello"}, 40))
        self.assertEqual(r.status, 202, r)
        ev, _ = stream.wait_for(lambda e: e.get("data") and json.loads(e["data"]).get(
            "method") == "notifications/message")
        self.assertEqual(json.loads(ev["data"])["params"]["data"], "old-hello")

    def test_sessions_do_not_mix(self):
        s = [self.open_stream() for _ in range(4)]
        self.assertEqual(len({t for t, *_ in s}), 4)
        self.assertGreaterEqual(len({b for _, b, *_ in s}), 3, "round robin over 3 backends")
        for token, backend, stream, url, _ in s:
            self.handshake(stream, url)
        for k in range(1, 4):
            for i, (token, backend, stream, url, _) in enumerate(s):
                self.assertEqual(self.counter_text(stream, url, 100 * i + k)[0], f"{backend}:{k}")

    def test_bad_session_ids_are_refused(self):
        token, backend, stream, url, _ = self.open_stream()
        self.handshake(stream, url)
        for what, bad in {"tampered": h.tamper(token), "truncated": token[:-4],
                          "garbage": "abc", "backend-like": "0" * 32}.items():
            with self.subTest(what=what):
                r = self.post(f"/message?sessionId={bad}", h.tool_call_body("counter", req_id=9))
                h.assert_mcplb_error(self, r, 404, -32001)
        # The session is untouched by the refused attempts.
        self.assertEqual(self.counter_text(stream, url, 50)[0], f"{backend}:1")

    def test_closing_the_stream_ends_the_backend_session(self):
        # The old transport cannot resume: when the client leaves, mcplb must close the
        # upstream stream, and the backend then forgets the session (404 on /message).
        token, backend, stream, url, conn = self.open_stream()
        self.handshake(stream, url)
        conn.close()

        def gone():
            r = self.post(url, h.jsonrpc("ping", req_id=77))
            if r.status == 202:
                return None
            return r

        r = h.wait_until(gone, 5, interval=0.05, what="the backend to forget the session")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.header("x-backend-name"), backend, r)
        self.assertEqual(r.json()["error"]["code"], -32001)


if __name__ == "__main__":
    unittest.main(verbosity=2)
