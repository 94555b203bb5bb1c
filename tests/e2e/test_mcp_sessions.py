"""Session-based Streamable HTTP (2025-11-25) through mcplb, 3 demo backends, round robin.

mcplb replaces the backend's Mcp-Session-Id with a sealed token and pins every request that
carries the token to the backend that minted the session (DESIGN.md, "The two protocol
generations"). The demo's `counter` tool counts per session ("<backend>:<n>"), so a request
that lands on the wrong backend, or on another session, shows at once.

Every response seen here is also checked for the backend's own session id (it must never
reach the client: Mcp-Session-Id in a response is always a token).
"""

import collections
import json
import threading
import unittest

import harness as h

NAMES = ["b1", "b2", "b3"]


class McpSessionCase(h.E2ETestCase):
    """3 demo backends behind one mcplb (2 workers, ephemeral session key)."""

    def setUp(self):
        super().setUp()
        self.backends = self.start_demos(NAMES)
        self.lb, self.port = self.start_mcplb(h.config_yaml(self.backends, workers=2))
        self.seen = []  # every response received, for assert_no_backend_ids
        self.seen_lock = threading.Lock()
        self.backend_sids = set()  # backend session ids learned through /debug/echo

    # --- requests

    def keep(self, resp):
        with self.seen_lock:
            self.seen.append(resp)
        return resp

    def post(self, body, token=None, conn=None, **kw):
        if conn is not None:
            return self.keep(h.session_post(conn, body, token, **kw))
        with h.Conn(self.port) as c:
            return self.keep(h.session_post(c, body, token, **kw))

    def assert_token(self, token):
        self.assertIsNotNone(token, "no Mcp-Session-Id in the initialize response")
        self.assertRegex(token, h.TOKEN_RE, "token is not unpadded base64url")
        self.assertGreaterEqual(len(token), 90, token)
        self.assertLessEqual(len(token), 120, token)
        self.assertIsNone(h.DEMO_SID_RE.match(token), f"backend's own id leaked: {token}")

    def open_session(self, conn=None):
        """initialize + notifications/initialized; returns (token, backend name)."""
        r = self.post(h.initialize_body(), conn=conn, version=None)
        self.assertEqual(r.status, 200, r)
        msg = h.jsonrpc_from_response(r)
        self.assertEqual(msg["result"]["protocolVersion"], h.SESSION_VERSION, msg)
        token = r.header("mcp-session-id")
        self.assert_token(token)
        backend = r.header("x-backend-name")
        self.assertIn(backend, NAMES, r)
        r2 = self.post(h.jsonrpc("notifications/initialized"), token, conn=conn)
        self.assertEqual(r2.status, 202, r2)
        self.assertEqual(r2.header("x-backend-name"), backend, "initialized went elsewhere")
        return token, backend

    def counter(self, token, conn=None, req_id=7):
        """Calls `counter`; returns (backend name in the result, n)."""
        r = self.post(h.tool_call_body("counter", req_id=req_id), token, conn=conn)
        name, _, n = h.tool_text(r).rpartition(":")
        self.assertEqual(r.header("x-backend-name"), name, r)
        return name, int(n)

    def backend_sid(self, token):
        """The backend's own session id, as the backend receives it (demo /debug/echo through
        mcplb with the token): returns (backend name, id)."""
        with h.Conn(self.port) as c:
            r = self.keep(c.request("GET", "/debug/echo", [("Mcp-Session-Id", token)]))
        self.assertEqual(r.status, 200, r)
        echo = r.json()
        sids = [v for k, v in echo["headers"] if k.lower() == "mcp-session-id"]
        self.assertEqual(len(sids), 1, echo)
        self.assertRegex(sids[0], h.DEMO_SID_RE, f"backend got {sids[0]!r}, not its own id")
        self.assertNotEqual(sids[0], token)
        self.backend_sids.add(sids[0])
        return echo["backend"], sids[0]

    def assert_no_backend_ids(self, extra=()):
        """No response header carries a backend session id; every Mcp-Session-Id is a token."""
        ids = self.backend_sids | set(extra)
        with self.seen_lock:
            seen = list(self.seen)
        self.assertTrue(seen)
        for r in seen:
            for k, v in r.headers:
                for sid in ids:
                    self.assertNotIn(sid, v, f"backend session id in header {k}: {r}")
                if k.lower() == "mcp-session-id":
                    self.assert_token(v)

    def open_get_stream(self, conn, token, last_event_id=None):
        hdrs = [("Accept", "text/event-stream"), ("Mcp-Session-Id", token),
                ("MCP-Protocol-Version", h.SESSION_VERSION)]
        if last_event_id is not None:
            hdrs.append(("Last-Event-ID", last_event_id))
        r, stream = h.open_sse(conn, "GET", "/mcp", hdrs)
        self.keep(r)
        self.assertIsNotNone(stream, f"GET /mcp did not open an event stream: {r}")
        return r, stream


def notification_text(ev):
    """The `data` text of a notifications/message event, or None for other events."""
    if not ev.get("data"):
        return None
    msg = json.loads(ev["data"])
    if msg.get("method") != "notifications/message":
        return None
    return msg["params"]["data"]


class Sessions(McpSessionCase):
    def test_initialize_gives_token_and_counter_state_stays(self):
        token, backend = self.open_session()
        self.assertEqual(h.token_key_id(token), "eph", "no session keys: an ephemeral key")
        got = []
        with h.Conn(self.port) as c:  # 10 calls on one connection
            for i in range(10):
                got.append(self.counter(token, conn=c, req_id=i + 10))
        for i in range(10):  # 10 on fresh connections (either worker)
            got.append(self.counter(token, req_id=i + 20))
        self.assertEqual(got, [(backend, n) for n in range(1, 21)])

        # Header names are case-insensitive.
        r = self.post(h.tool_call_body("counter"), None, headers=[("mcp-session-id", token)])
        self.assertEqual(h.tool_text(r), f"{backend}:21")
        got.append((backend, 21))

        name, sid = self.backend_sid(token)
        self.assertEqual(name, backend)
        self.assertNotIn(sid, token)
        # Another session on the same mcplb has its own count and its own token.
        token2, backend2 = self.open_session()
        self.assertNotEqual(token2, token)
        self.assertEqual(self.counter(token2), (backend2, 1))
        self.assertEqual(self.counter(token), (backend, 22))
        self.backend_sid(token2)
        self.assert_no_backend_ids()

    def test_initialize_on_a_keep_alive_connection_then_calls(self):
        with h.Conn(self.port) as c:
            token, backend = self.open_session(conn=c)
            self.assertEqual([self.counter(token, conn=c) for _ in range(3)],
                             [(backend, 1), (backend, 2), (backend, 3)])
        self.assert_no_backend_ids()

    def test_pipelined_requests_are_pinned_one_by_one(self):
        # Pinning is per request: on one pipelined connection, session calls stay on the
        # session's backend, stateless calls in between are balanced, a refused token or body
        # does not disturb the requests after it.
        token, backend = self.open_session()
        reqs = [h.session_request(h.tool_call_body("counter", req_id=i), token) for i in range(3)]
        reqs += [h.whoami_request(50), h.whoami_request(51), h.whoami_request(52)]
        reqs.append(h.session_request(h.tool_call_body("counter", req_id=9), h.tamper(token)))
        reqs.append(h.session_request(h.tool_call_body("counter", req_id=10), token))
        reqs.append(h.session_request(b'{"jsonrpc":', token))
        reqs.append(h.session_request(h.tool_call_body("counter", req_id=11), token))
        with h.Conn(self.port) as c:
            c.send(b"".join(reqs))
            rs = [self.keep(c.read_response("POST")) for _ in reqs]
        self.assertEqual([h.tool_text(r) for r in rs[:3]], [f"{backend}:{n}" for n in (1, 2, 3)])
        self.assertEqual({h.tool_text(r) for r in rs[3:6]}, set(NAMES), "stateless pinned?")
        h.assert_mcplb_error(self, rs[6], 404, -32001)
        self.assertEqual(h.tool_text(rs[7]), f"{backend}:4")
        h.assert_mcplb_error(self, rs[8], 400, -32700)
        self.assertEqual(h.tool_text(rs[9]), f"{backend}:5")
        self.assert_no_backend_ids()

    def test_concurrent_sessions_keep_their_backend_and_count(self):
        n_sessions, calls = 30, 20
        results, errors = {}, []
        lock = threading.Lock()

        def run(i):
            try:
                with h.Conn(self.port) as c:
                    token, backend = self.open_session(conn=c)
                    got = []
                    for k in range(calls):
                        if k % 4 == 3:  # every 4th call on a new connection (maybe the other
                            got.append(self.counter(token, req_id=k))  # worker)
                        else:
                            got.append(self.counter(token, conn=c, req_id=k))
                with lock:
                    results[i] = (token, backend, got)
            except Exception as e:  # reported by the main thread
                with lock:
                    errors.append(f"session {i}: {e!r}")

        ts = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n_sessions)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(90)
        self.assertFalse(any(t.is_alive() for t in ts), "client threads hung")
        self.assertEqual(errors, [])
        self.assertEqual(len(results), n_sessions)
        for i, (token, backend, got) in results.items():
            self.assertEqual(got, [(backend, n) for n in range(1, calls + 1)], f"session {i}")
        self.assertEqual(len({t for t, _, _ in results.values()}), n_sessions, "tokens repeat")
        # Round robin places new sessions; pinned requests take no pick. Each worker's picks
        # cycle over the 3 backends, so with 2 workers each backend gets 10 +- 1.
        spread = collections.Counter(b for _, b, _ in results.values())
        self.assertEqual(set(spread), set(NAMES), spread)
        for n in NAMES:
            self.assertLessEqual(abs(spread[n] - n_sessions // 3), 1, spread)
        for token, _, _ in list(results.values())[:6]:
            self.backend_sid(token)
        self.assert_no_backend_ids()


class SessionStreams(McpSessionCase):
    def notify(self, token, text, req_id=5):
        r = self.post(h.tool_call_body("notify", {"text": text}, req_id), token)
        self.assertEqual(r.status, 200, r)
        msg = h.jsonrpc_from_response(r)
        self.assertIn("result", msg, msg)
        return r

    def test_get_stream_carries_notifications_and_resumes(self):
        token, backend = self.open_session()
        g = h.Conn(self.port)
        self.addCleanup(g.close)
        r, stream = self.open_get_stream(g, token)
        self.assertEqual(r.header("x-backend-name"), backend, r)

        ids = []
        for text in ("n1", "n2"):
            self.assertEqual(self.notify(token, text).header("x-backend-name"), backend)
            ev, _ = stream.wait_for(lambda e: notification_text(e) is not None)
            self.assertEqual(notification_text(ev), text, ev)
            self.assertRegex(ev.get("id", ""), r"^0_\d+$", ev)
            ids.append(ev["id"])
        g.close()

        # Sent while no GET stream is open (or while the old one is torn down): the backend
        # keeps it for replay. The reconnect names the last event seen, through mcplb.
        self.notify(token, "n3")
        g2 = h.Conn(self.port)
        self.addCleanup(g2.close)
        _, stream2 = self.open_get_stream(g2, token, last_event_id=ids[0])
        texts = []
        replayed_ids = []
        while len(texts) < 2:
            ev, _ = stream2.wait_for(lambda e: notification_text(e) is not None)
            texts.append(notification_text(ev))
            replayed_ids.append(ev.get("id"))
        self.assertEqual(texts, ["n2", "n3"], "Last-Event-ID replay through mcplb")
        self.assertEqual(replayed_ids[0], ids[1])

        # The stream stays live after the replay.
        self.notify(token, "n4")
        ev, _ = stream2.wait_for(lambda e: notification_text(e) is not None)
        self.assertEqual(notification_text(ev), "n4")
        self.backend_sid(token)
        self.assert_no_backend_ids()

    def test_post_stream_resumes_through_get_with_last_event_id(self):
        token, backend = self.open_session()
        body = h.jsonrpc("tools/call", {"name": "progress",
                                        "arguments": {"steps": 6, "interval_ms": 150},
                                        "_meta": {"progressToken": "pt-1"}}, 31)
        c = h.Conn(self.port)
        self.addCleanup(c.close)
        r, stream = h.open_sse(c, "POST", "/mcp", [
            ("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream"),
            ("MCP-Protocol-Version", h.SESSION_VERSION), ("Mcp-Session-Id", token)], body)
        self.keep(r)
        self.assertIsNotNone(stream, f"progress with a token did not stream: {r}")
        self.assertEqual(r.header("x-backend-name"), backend)

        def progress_of(ev):
            if not ev.get("data"):
                return None
            msg = json.loads(ev["data"])
            return msg["params"]["progress"] if msg.get("method") == \
                "notifications/progress" else None

        ev, _ = stream.wait_for(lambda e: progress_of(e) is not None)
        self.assertEqual(progress_of(ev), 1, ev)
        self.assertRegex(ev.get("id", ""), r"^[1-9]\d*_\d+$", "a POST stream's event id")
        c.close()  # the client drops the POST stream; the tool keeps running on the backend

        g = h.Conn(self.port)
        self.addCleanup(g.close)
        _, resumed = self.open_get_stream(g, token, last_event_id=ev["id"])
        events = resumed.read_to_end(timeout=10)  # replay, then live until the result
        steps = [progress_of(e) for e in events if progress_of(e) is not None]
        self.assertEqual(steps, [2, 3, 4, 5, 6], events)
        results = [json.loads(e["data"]) for e in events
                   if e.get("data") and "result" in json.loads(e["data"])]
        self.assertEqual(len(results), 1, events)
        self.assertEqual(results[0]["id"], 31)
        self.assertEqual(results[0]["result"]["content"][0]["text"], "progress: 6 steps done")
        self.assert_no_backend_ids()

    def test_two_sessions_streams_do_not_mix(self):
        (t1, b1), (t2, b2) = self.open_session(), self.open_session()
        conns = [h.Conn(self.port), h.Conn(self.port)]
        for c in conns:
            self.addCleanup(c.close)
        s1 = self.open_get_stream(conns[0], t1)[1]
        s2 = self.open_get_stream(conns[1], t2)[1]
        self.notify(t1, "for-1")
        self.notify(t2, "for-2")
        self.assertEqual(notification_text(s1.wait_for(notification_text)[0]), "for-1")
        self.assertEqual(notification_text(s2.wait_for(notification_text)[0]), "for-2")
        self.notify(t1, "again-1")
        self.assertEqual(notification_text(s1.wait_for(notification_text)[0]), "again-1")
        self.assert_no_backend_ids()

    def test_delete_ends_the_session(self):
        token, backend = self.open_session()
        self.assertEqual(self.counter(token), (backend, 1))
        _, sid = self.backend_sid(token)
        g = h.Conn(self.port)
        self.addCleanup(g.close)
        _, stream = self.open_get_stream(g, token)

        with h.Conn(self.port) as c:
            r = self.keep(c.request("DELETE", "/mcp", [("Mcp-Session-Id", token),
                                                       ("MCP-Protocol-Version",
                                                        h.SESSION_VERSION)]))
        self.assertTrue(200 <= r.status < 300, r)
        self.assertEqual(r.header("x-backend-name"), backend, r)
        # The backend ends the session's GET stream; mcplb relays the end.
        stream.read_to_end(timeout=5)

        # The token still opens (mcplb keeps no state), so the request reaches the backend,
        # which forgot the session: its 404 passes through unchanged (the client
        # re-initializes, DESIGN.md).
        r = self.post(h.tool_call_body("counter"), token)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.header("x-backend-name"), backend, "404 not from the session's backend")
        doc = r.json()
        self.assertEqual(doc["error"]["code"], -32001, doc)
        self.assertNotEqual((doc["error"].get("data") or {}).get("origin"), "mcplb", doc)
        with h.Conn(self.port) as c:
            r = self.keep(c.request("GET", "/mcp", [("Accept", "text/event-stream"),
                                                    ("Mcp-Session-Id", token)]))
            self.assertEqual(r.status, 404, r)
            r = self.keep(c.request("DELETE", "/mcp", [("Mcp-Session-Id", token)]))
            self.assertEqual(r.status, 404, r)
        # A new session works as usual.
        token2, backend2 = self.open_session()
        self.assertEqual(self.counter(token2), (backend2, 1))
        self.assert_no_backend_ids(extra=[sid])


if __name__ == "__main__":
    unittest.main(verbosity=2)
