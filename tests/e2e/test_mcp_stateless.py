"""Stateless MCP (2026-07-28) and JSON-RPC inspection of POST bodies.

Stateless requests are balanced one by one; a request whose Mcp-Method / Mcp-Name /
MCP-Protocol-Version headers do not mirror its body gets 400 + JSON-RPC -32020 with the
request's id, and a body that is not JSON (-32700) or not JSON-RPC (-32600) gets 400 with
id null; none of them reaches a backend (src/mcp/README.md, error table).
Refusals are sent to an mcplb in front of Python echo backends, which log every request head.
"""

import base64
import unittest

import harness as h

NAMES = ["b1", "b2", "b3"]


def stateless_headers(method, name=None, version=h.MCP_VERSION):
    hdrs = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
    if version is not None:
        hdrs.append(("MCP-Protocol-Version", version))
    if method is not None:
        hdrs.append(("Mcp-Method", method))
    if name is not None:
        hdrs.append(("Mcp-Name", name))
    return hdrs


def b64_name(text):
    return "=?base64?" + base64.b64encode(text.encode()).decode() + "?="


class StatelessBalancing(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.lb, self.port = self.start_mcplb(h.config_yaml(self.start_demos(NAMES), workers=2))

    def test_whoami_rotates_per_request(self):
        with h.Conn(self.port) as c:
            seq = [h.whoami(c, i + 1) for i in range(9)]
        names = [n for n, _ in seq]
        self.assertEqual(names, [hdr for _, hdr in seq])
        self.assertEqual(set(names), set(NAMES), names)
        for a, b in zip(names, names[1:]):
            self.assertEqual(NAMES.index(b), (NAMES.index(a) + 1) % 3, f"not per request: {names}")
        seen = set()
        for i in range(12):  # fresh connections land on either worker
            with h.Conn(self.port) as c:
                seen.add(h.whoami(c, 100 + i)[0])
        self.assertEqual(seen, set(NAMES))

    def test_base64_encoded_name_is_accepted(self):
        body = h.tool_call_body("whoami", req_id=5)
        with h.Conn(self.port) as c:
            r = c.request("POST", "/mcp", stateless_headers("tools/call", b64_name("whoami")),
                          body)
        self.assertEqual(r.status, 200, r)
        self.assertIn(h.tool_text(r), NAMES)

    def test_mismatch_refused_in_front_of_demo_servers_too(self):
        body = h.tool_call_body("whoami", req_id=21)
        with h.Conn(self.port) as c:
            r = c.request("POST", "/mcp", stateless_headers("tools/call", "echo"), body)
            h.assert_mcplb_error(self, r, 400, -32020, 21)
            # The connection stays usable.
            self.assertIn(h.whoami(c, 22)[0], NAMES)


class Refusals(h.E2ETestCase):
    """mcplb in front of 3 Python echo backends: what it refuses never arrives."""

    def setUp(self):
        super().setUp()
        self.logs = {}
        backends = []
        for n in NAMES:
            proc, port = self.start_backend(n)
            self.logs[n] = h.BackendLog(proc)
            backends.append((n, port))
        self.lb, self.port = self.start_mcplb(h.config_yaml(backends, workers=2))
        self.marks = {n: log.mark() for n, log in self.logs.items()}

    def assert_nothing_forwarded(self, allowed=()):
        """3 marker requests on one connection reach every echo backend (round robin on one
        worker); after them, no request other than markers and `allowed` targets arrived."""
        with h.Conn(self.port) as c:
            for i in range(3):
                self.assertEqual(c.request("GET", f"/marker-{i}").status, 200)
        markers = {f"/marker-{i}" for i in range(3)}

        def all_seen():
            got = set()
            for n, log in self.logs.items():
                got |= {e["target"] for e in log.events(self.marks[n], "REQ")}
            return markers <= got

        h.wait_until(all_seen, h.IO_TIMEOUT, what="markers at the echo backends")
        others = []
        for n, log in self.logs.items():
            others += [e["target"] for e in log.events(self.marks[n], "REQ")
                       if e["target"] not in markers]
        self.assertEqual(sorted(others), sorted(allowed), "requests that reached a backend")

    def post(self, conn, headers, body, target="/mcp"):
        return conn.request("POST", target, headers, body)

    def test_header_body_mismatch(self):
        whoami = lambda i: h.tool_call_body("whoami", req_id=i)  # noqa: E731
        cases = [
            ("Mcp-Name differs", stateless_headers("tools/call", "echo"), whoami(11), 11),
            ("Mcp-Method differs", stateless_headers("tools/list", "whoami"),
             h.tool_call_body("whoami", req_id="req-12"), "req-12"),
            ("Mcp-Method missing", stateless_headers(None, "whoami"), whoami(13), 13),
            ("Mcp-Name missing", stateless_headers("tools/call"), whoami(14), 14),
            ("Mcp-Name case differs", stateless_headers("tools/call", "WhoAmI"), whoami(15), 15),
            ("Mcp-Name base64 of another name", stateless_headers("tools/call", b64_name("echo")),
             whoami(16), 16),
            ("Mcp-Name bad base64", stateless_headers("tools/call", "=?base64?!!!?="),
             whoami(17), 17),
            ("Mcp-Method differs on tools/list", stateless_headers("tools/call", "whoami"),
             h.jsonrpc("tools/list", {}, 18), 18),
            ("resources/read uri differs", stateless_headers("resources/read", "ui://other"),
             h.jsonrpc("resources/read", {"uri": "ui://widget/demo.html"}, 19), 19),
            ("protocol version differs from _meta", stateless_headers("tools/call", "whoami"),
             h.jsonrpc("tools/call", {"name": "whoami", "arguments": {}, "_meta": {
                 "io.modelcontextprotocol/protocolVersion": "2025-11-25"}}, 20), 20),
        ]
        with h.Conn(self.port) as c:
            for what, hdrs, body, req_id in cases:
                with self.subTest(what=what):
                    r = self.post(c, hdrs, body)
                    h.assert_mcplb_error(self, r, 400, -32020, req_id)
                    if r.connection_tokens() & {"close"}:
                        c.close()
                        c = h.Conn(self.port)
        self.assert_nothing_forwarded()

    def test_matching_headers_are_forwarded(self):
        # The control for the case above: the same requests with mirrored headers arrive.
        with h.Conn(self.port) as c:
            for i, (hdrs, body) in enumerate([
                    (stateless_headers("tools/call", "whoami"), h.tool_call_body("whoami")),
                    (stateless_headers("tools/call", b64_name("whoami")),
                     h.tool_call_body("whoami")),
                    (stateless_headers("tools/list"), h.jsonrpc("tools/list", {}, 2)),
                    # Notifications need no Mcp-Method (src/mcp/README.md).
                    (stateless_headers(None), h.jsonrpc("notifications/cancelled",
                                                        {"requestId": 1})),
            ]):
                r = self.post(c, hdrs, body, target=f"/mcp?ok={i}")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()["target"], f"/mcp?ok={i}")
        self.assert_nothing_forwarded(allowed=[f"/mcp?ok={i}" for i in range(4)])

    def test_older_revisions_are_not_header_checked(self):
        # Mcp-Method / Mcp-Name mean nothing before 2026-07-28: a session-mode request with
        # stray headers is forwarded as is.
        hdrs = stateless_headers("tools/list", "nope", version="2025-11-25")
        with h.Conn(self.port) as c:
            r = self.post(c, hdrs, h.tool_call_body("whoami"), target="/mcp?old=1")
        self.assertEqual(r.status, 200, r)
        self.assert_nothing_forwarded(allowed=["/mcp?old=1"])

    def test_malformed_json_and_non_jsonrpc(self):
        parse_errors = {
            "cut object": b'{"jsonrpc":"2.0","id":1,"method":',
            "not json": b"hello",
            "trailing garbage": b'{"jsonrpc":"2.0","id":1,"method":"ping"} x',
            "bad literal": b'{"jsonrpc":"2.0","id":1,"method":tru}',
            "unclosed string": b'{"jsonrpc":"2.0","id":1,"method":"ping}',
        }
        invalid = {
            "object without jsonrpc fields": b'{"a":1}',
            "empty batch": b"[]",
            "number": b"42",
            "string": b'"tools/call"',
            "null": b"null",
            "null request id": b'{"jsonrpc":"2.0","id":null,"method":"tools/list"}',
            "duplicate method": b'{"jsonrpc":"2.0","id":1,"method":"ping","method":"x"}',
            "wrong jsonrpc version": b'{"jsonrpc":"1.0","id":1,"method":"ping"}',
        }
        content_types = ["application/json", "application/json; charset=utf-8"]
        for ct in content_types:
            for code, bodies in ((-32700, parse_errors), (-32600, invalid)):
                for what, body in bodies.items():
                    with self.subTest(what=what, ct=ct):
                        with h.Conn(self.port) as c:
                            r = self.post(c, [("Content-Type", ct)], body)
                        h.assert_mcplb_error(self, r, 400, code, None)
            # Stateless headers do not change the verdict on the body.
            with h.Conn(self.port) as c:
                r = self.post(c, [("Content-Type", ct)] + stateless_headers("tools/call",
                                                                          "whoami")[2:],
                              parse_errors["cut object"])
            h.assert_mcplb_error(self, r, 400, -32700, None)
        self.assert_nothing_forwarded()

    def test_batch_of_non_objects_is_forwarded(self):
        # src/mcp/README.md: "non-object items are counted and left for the backend to answer
        # (JSON-RPC gives each its own error)": [1,2] is a batch, not an invalid request.
        with h.Conn(self.port) as c:
            r = self.post(c, [("Content-Type", "application/json")], b"[1,2]",
                          target="/mcp?batch=1")
        self.assertEqual(r.status, 200, r)
        self.assert_nothing_forwarded(allowed=["/mcp?batch=1"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
