"""Sealed session tokens: refused when tampered, foreign or garbage (404, JSON-RPC -32001,
nothing forwarded), shared by replicas with the same key file, and rotated with a key list.

"Nothing forwarded" is observed with Python echo backends (they log every request head)
named like the demo backends: an mcplb in front of them with the same key routes a real
token, minted by another mcplb in front of the demo servers, to the echo backend of that name.
"""

import base64
import contextlib
import json
import unittest

import harness as h

NAMES = ["b1", "b2", "b3"]


def lb_config(backends, keys):
    return h.config_yaml(backends, workers=2, extra=h.session_yaml(keys))


class TokenCase(h.E2ETestCase):
    def initialize(self, port, conn=None):
        """A new session through the mcplb on `port` (on `conn` if given): returns (token,
        backend name)."""
        with contextlib.nullcontext(conn) if conn else h.Conn(port) as c:
            r = h.session_post(c, h.initialize_body(), version=None)
            self.assertEqual(r.status, 200, r)
            token = r.header("mcp-session-id")
            self.assertIsNotNone(token, r)
            self.assertRegex(token, h.TOKEN_RE)
            self.assertIsNone(h.DEMO_SID_RE.match(token), token)
            backend = r.header("x-backend-name")
            r = h.session_post(c, h.jsonrpc("notifications/initialized"), token)
            self.assertEqual(r.status, 202, r)
        return token, backend

    def counter(self, port, token):
        with h.Conn(port) as c:
            r = h.session_post(c, h.tool_call_body("counter"), token)
        name, _, n = h.tool_text(r).rpartition(":")
        self.assertEqual(r.header("x-backend-name"), name, r)
        return name, int(n)

    def assert_refused(self, port, token, what):
        """POST, GET and DELETE /mcp with `token` all get mcplb's own 404 -32001."""
        with h.Conn(port) as c:
            r = h.session_post(c, h.tool_call_body("counter", req_id=3), token)
            with self.subTest(what=what, method="POST"):
                h.assert_mcplb_error(self, r, 404, -32001)
                self.assertIsNone(r.header("x-backend-name"), r)
        with h.Conn(port) as c:
            r = c.request("GET", "/mcp", [("Accept", "text/event-stream"),
                                          ("Mcp-Session-Id", token)])
            with self.subTest(what=what, method="GET"):
                h.assert_mcplb_error(self, r, 404, -32001)
        with h.Conn(port) as c:
            r = c.request("DELETE", "/mcp", [("Mcp-Session-Id", token)])
            with self.subTest(what=what, method="DELETE"):
                h.assert_mcplb_error(self, r, 404, -32001)


class BadTokens(TokenCase):
    def setUp(self):
        super().setUp()
        key = self.write_key("k1.key")
        other = self.write_key("other.key")
        demos = self.start_demos(NAMES)
        self.a, self.a_port = self.start_mcplb(lb_config(demos, [("k1", key)]), "mcplb-a")
        # Same key id, another secret: its tokens name k1 but fail the tag check elsewhere.
        self.x, self.x_port = self.start_mcplb(lb_config(demos, [("k1", other)]), "mcplb-x")
        self.echo = {}
        echo_backends = []
        for n in NAMES:
            proc, port = self.start_backend(n)
            self.echo[n] = h.BackendLog(proc)
            echo_backends.append((n, port))
        self.e, self.e_port = self.start_mcplb(lb_config(echo_backends, [("k1", key)]), "mcplb-e")

    def marks(self):
        return {n: log.mark() for n, log in self.echo.items()}

    def assert_echo_saw_only(self, marks, expected_targets):
        """After the requests under test: 3 marker requests on one connection (round robin
        over one worker reaches every echo backend), then no other request arrived."""
        with h.Conn(self.e_port) as c:
            for i in range(3):
                r = c.request("GET", f"/marker-{i}")
                self.assertEqual(r.status, 200, r)
        markers = {f"/marker-{i}" for i in range(3)}

        def arrived():
            got = set()
            for n, log in self.echo.items():
                got |= {ev["target"] for ev in log.events(marks[n], "REQ")}
            return markers <= got

        h.wait_until(arrived, h.IO_TIMEOUT, what="marker requests at the echo backends")
        for n, log in self.echo.items():
            targets = [ev["target"] for ev in log.events(marks[n], "REQ")]
            self.assertEqual([t for t in targets if t not in markers], expected_targets.get(n, []),
                             f"echo backend {n} saw unexpected requests")

    def test_valid_token_reaches_the_named_backend_with_its_own_id(self):
        # The positive control for the tests below: a token minted by mcplb A opens in
        # mcplb E (same key) and goes to E's backend of the same name, with the backend's
        # session id instead of the token.
        token, backend = self.initialize(self.a_port)
        marks = self.marks()
        with h.Conn(self.e_port) as c:
            r = h.session_post(c, h.tool_call_body("counter"), token)
        self.assertEqual(r.status, 200, r)
        echo = r.json()
        self.assertEqual(echo["backend"], backend)
        sids = [v for k, v in echo["headers"] if k.lower() == "mcp-session-id"]
        self.assertEqual(len(sids), 1, echo)
        self.assertRegex(sids[0], h.DEMO_SID_RE)
        self.assertNotIn(sids[0], token)
        self.assert_echo_saw_only(marks, {backend: ["/mcp"]})

    def test_tampered_tokens_are_refused_and_not_forwarded(self):
        token, backend = self.initialize(self.a_port)
        self.assertEqual(self.counter(self.a_port, token), (backend, 1))
        marks = self.marks()
        cases = {
            "middle char": h.tamper(token),
            "first char": h.tamper(token, 0),
            "key id char": h.tamper(token, 2),
            "nonce char": h.tamper(token, 8),
            "last char": h.tamper(token, len(token) - 1),
            "truncated": token[:-1],
            "truncated 4": token[:-4],
            "extended": token + "AAAA",
            "lower-cased": token.lower() if token.lower() != token else token.upper(),
        }
        for what, bad in cases.items():
            self.assertNotEqual(bad, token)
            self.assert_refused(self.e_port, bad, what)
            self.assert_refused(self.a_port, bad, what)
        self.assert_echo_saw_only(marks, {})
        # The real token still works afterwards (state intact on the demo backend).
        self.assertEqual(self.counter(self.a_port, token), (backend, 2))

    def test_token_from_another_key_is_refused(self):
        foreign, _ = self.initialize(self.x_port)
        self.assertEqual(h.token_key_id(foreign), "k1")  # same id, other secret
        marks = self.marks()
        self.assert_refused(self.e_port, foreign, "other secret")
        self.assert_refused(self.a_port, foreign, "other secret")
        self.assert_echo_saw_only(marks, {})
        # ... and the other way round.
        token, _ = self.initialize(self.a_port)
        self.assert_refused(self.x_port, token, "other secret (reverse)")

    def test_two_session_headers_are_refused(self):
        # Two Mcp-Session-Id fields: mcplb cannot tell which one the backend would use, so
        # the request is refused as malformed (400 -32600), whatever the tokens are.
        token, _ = self.initialize(self.a_port)
        marks = self.marks()
        for what, second in {"same token": token, "other token": h.tamper(token)}.items():
            with self.subTest(what=what), h.Conn(self.e_port) as c:
                c.send(h.build_request("POST", "/mcp", [
                    ("Content-Type", "application/json"), ("Mcp-Session-Id", token),
                    ("Mcp-Session-Id", second)], h.tool_call_body("counter")))
                r = c.read_response("POST")
                h.assert_mcplb_error(self, r, 400, -32600)
        self.assert_echo_saw_only(marks, {})

    def test_garbage_tokens_are_refused(self):
        marks = self.marks()
        garbage = {
            "short": "abc",
            "not base64url": "not/a+token==",
            "backend-like id": "0123456789abcdef0123456789abcdef",
            "long": "A" * 100,
            "bad chars": "tok!en",
        }
        for what, bad in garbage.items():
            self.assert_refused(self.e_port, bad, what)
        self.assert_echo_saw_only(marks, {})


class KeySharing(TokenCase):
    def setUp(self):
        super().setUp()
        self.k1 = self.write_key("k1.key")
        self.k2 = self.write_key("k2.key")
        self.demos = demos = self.start_demos(NAMES)
        self.a_port = self.start_mcplb(lb_config(demos, [("k1", self.k1)]), "mcplb-a")[1]
        self.b_port = self.start_mcplb(lb_config(demos, [("k1", self.k1)]), "mcplb-b")[1]
        # C rotated: k2 seals, k1 still opens. Its k1 is the same secret written as base64
        # (docs/config.md: three file forms, one secret).
        with open(self.k1) as f:
            secret = bytes.fromhex(f.read().strip())
        k1_b64 = self.write_file("k1.b64", base64.b64encode(secret).decode() + "\n")
        self.c_port = self.start_mcplb(lb_config(demos, [("k2", self.k2), ("k1", k1_b64)]),
                                       "mcplb-c")[1]
        # D finished the rotation: only k2.
        self.d_port = self.start_mcplb(lb_config(demos, [("k2", self.k2)]), "mcplb-d")[1]

    def test_replicas_with_the_same_key_share_sessions(self):
        token, backend = self.initialize(self.a_port)
        self.assertEqual(h.token_key_id(token), "k1")
        got = [self.counter(self.b_port, token) for _ in range(3)]
        got.append(self.counter(self.a_port, token))
        got += [self.counter(self.b_port, token) for _ in range(2)]
        self.assertEqual(got, [(backend, n) for n in range(1, 7)])
        # A session started on B continues on A.
        token_b, backend_b = self.initialize(self.b_port)
        self.assertEqual(self.counter(self.a_port, token_b), (backend_b, 1))
        self.assertEqual(self.counter(self.b_port, token_b), (backend_b, 2))
        # The GET stream of a session made through A, opened through B.
        with h.Conn(self.b_port) as g:
            r, stream = h.open_sse(g, "GET", "/mcp", [("Accept", "text/event-stream"),
                                                     ("Mcp-Session-Id", token)])
            self.assertIsNotNone(stream, r)
            self.assertEqual(r.header("x-backend-name"), backend)
            with h.Conn(self.a_port) as c:
                r = h.session_post(c, h.tool_call_body("notify", {"text": "via-a"}), token)
                self.assertEqual(r.status, 200, r)
            ev, _ = stream.wait_for(lambda e: bool(e.get("data")))
            self.assertEqual(json.loads(ev["data"])["params"]["data"], "via-a")

    def test_token_for_a_backend_not_in_the_pool(self):
        # mcplb F has the key but only b1 in its pool: a token naming another backend cannot
        # be routed (no failover yet): 404, the client re-initializes.
        f_port = self.start_mcplb(lb_config([("b1", self.demos[0][1])], [("k1", self.k1)]),
                                  "mcplb-f")[1]
        by_backend = {}
        c = h.Conn(self.a_port)
        self.addCleanup(c.close)
        for _ in range(3):  # round robin on one connection (one worker): one per backend
            token, backend = self.initialize(self.a_port, conn=c)
            by_backend[backend] = token
        self.assertEqual(set(by_backend), set(NAMES))
        self.assertEqual(self.counter(f_port, by_backend["b1"]), ("b1", 1))
        for n in ("b2", "b3"):
            self.assert_refused(f_port, by_backend[n], f"token for {n}")
            self.assertEqual(self.counter(self.a_port, by_backend[n]), (n, 1))

    def test_rotation(self):
        old, backend = self.initialize(self.a_port)
        self.assertEqual(self.counter(self.a_port, old), (backend, 1))
        # The rotated replica opens tokens sealed with the old key ...
        self.assertEqual(self.counter(self.c_port, old), (backend, 2))
        # ... and seals new sessions with the new key.
        new, backend_new = self.initialize(self.c_port)
        self.assertEqual(h.token_key_id(new), "k2")
        self.assertEqual(self.counter(self.c_port, new), (backend_new, 1))
        self.assertEqual(self.counter(self.d_port, new), (backend_new, 2))
        # Replicas that do not have k2 refuse its tokens: 404, the client re-initializes.
        self.assert_refused(self.a_port, new, "k2 token at a k1-only replica")
        self.assert_refused(self.b_port, new, "k2 token at a k1-only replica")
        # After the rotation k1 is gone: its tokens end.
        self.assert_refused(self.d_port, old, "k1 token after k1 was dropped")
        # The sessions themselves are intact where the keys still open.
        self.assertEqual(self.counter(self.a_port, old), (backend, 3))
        self.assertEqual(self.counter(self.c_port, new), (backend_new, 3))


if __name__ == "__main__":
    unittest.main(verbosity=2)
