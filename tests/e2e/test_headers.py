"""Header handling and message framing through mcplb (one echo backend, one worker)."""

import unittest

import harness as h

HOP_REQUEST_NAMES = {"connection", "keep-alive", "te", "trailer", "upgrade", "proxy-connection",
                     "proxy-authorization"}


class Headers(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.backend, bport = self.start_backend("e1")
        self.log = h.BackendLog(self.backend)
        self.lb, self.port = self.start_mcplb(h.config_yaml([("e1", bport)], workers=1))

    def echo(self, conn, method, target, headers=(), body=None, host="test.local"):
        r = conn.request(method, target, headers, body, host=host)
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(doc["target"], target, doc)
        return r, doc

    @staticmethod
    def names(doc):
        return [k.lower() for k, _ in doc["headers"]]

    @staticmethod
    def values(doc, name):
        return [v for k, v in doc["headers"] if k.lower() == name.lower()]

    # --- request headers

    def test_hop_by_hop_request_headers_not_forwarded(self):
        hdrs = [
            ("Connection", "keep-alive, X-Conn-Named, x-other-named"),
            ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"),
            ("Trailer", "X-Some-Trailer"),
            ("Proxy-Connection", "keep-alive"),
            ("Proxy-Authorization", "Basic dXNlcjpwYXNz"),
            ("X-Conn-Named", "1"),
            ("X-Other-Named", "2"),
            ("X-Custom", "kept"),
            ("Authorization", "Bearer end-to-end"),
            ("Accept", "application/json"),
        ]
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "GET", "/hop", hdrs)
        got = self.names(doc)
        for n in HOP_REQUEST_NAMES | {"x-conn-named", "x-other-named"}:
            if n == "connection":
                # mcplb may speak its own Connection header to the backend; never the client's.
                for v in self.values(doc, n):
                    self.assertNotIn("x-conn-named", v.lower(), doc)
                continue
            self.assertNotIn(n, got, f"hop-by-hop {n} forwarded: {doc['headers']}")
        self.assertEqual(self.values(doc, "X-Custom"), ["kept"])
        self.assertEqual(self.values(doc, "Authorization"), ["Bearer end-to-end"])
        self.assertEqual(self.values(doc, "Accept"), ["application/json"])
        # End-to-end headers keep their relative order.
        order = [n for n in got if n in ("x-custom", "authorization", "accept")]
        self.assertEqual(order, ["x-custom", "authorization", "accept"], doc["headers"])

    def test_upgrade_header_not_forwarded(self):
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "GET", "/up", [("Upgrade", "h2c"), ("X-After", "a")])
        self.assertNotIn("upgrade", self.names(doc), doc["headers"])
        self.assertEqual(self.values(doc, "X-After"), ["a"])

    def test_x_forwarded_headers_added(self):
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "GET", "/xf", host="example.test:8443")
        self.assertEqual(self.values(doc, "Host"), ["example.test:8443"], doc["headers"])
        self.assertEqual(self.values(doc, "X-Forwarded-For"), ["127.0.0.1"], doc["headers"])
        self.assertEqual(self.values(doc, "X-Forwarded-Proto"), ["http"], doc["headers"])
        self.assertEqual(self.values(doc, "X-Forwarded-Host"), ["example.test:8443"],
                         doc["headers"])

    def test_x_forwarded_for_appended(self):
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "GET", "/xff", [("X-Forwarded-For", "203.0.113.7")])
        xff = ", ".join(self.values(doc, "X-Forwarded-For"))
        self.assertEqual([p.strip() for p in xff.split(",")], ["203.0.113.7", "127.0.0.1"],
                         doc["headers"])

    def test_x_forwarded_for_appended_to_multiple_lines(self):
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "GET", "/xff2", [("X-Forwarded-For", "198.51.100.1, 10.0.0.1"),
                                                   ("X-Forwarded-For", "203.0.113.7")])
        xff = ", ".join(self.values(doc, "X-Forwarded-For"))
        self.assertEqual([p.strip() for p in xff.split(",")],
                         ["198.51.100.1", "10.0.0.1", "203.0.113.7", "127.0.0.1"], doc["headers"])

    def test_host_preserved_and_single(self):
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "GET", "/host", host="mcp.example.com")
        self.assertEqual(self.values(doc, "Host"), ["mcp.example.com"], doc["headers"])
        self.assertEqual(self.names(doc)[0], "host", "Host should stay the first header")

    # --- response headers

    def test_hop_by_hop_response_headers_not_passed(self):
        with h.Conn(self.port) as c:
            r = c.request("GET", "/hop-resp")
            self.assertEqual(r.status, 200, r)
            names = [k.lower() for k, _ in r.headers]
            self.assertNotIn("x-hop-resp", names, r.headers)
            self.assertNotIn("proxy-connection", names, r.headers)
            self.assertNotIn("upgrade", names, r.headers)
            self.assertNotIn("trailer", names, r.headers)
            self.assertNotIn("timeout=99, max=7", r.header_all("keep-alive"), r.headers)
            self.assertNotIn("x-hop-resp", r.connection_tokens(), r.headers)
            self.assertEqual(r.header_all("X-End-To-End"), ["must-pass"], r.headers)
            self.assertEqual(r.header("X-Backend-Name"), "e1")
            # Still one well-framed response: the connection carries on.
            r2 = c.request("GET", "/after-hop")
            self.assertEqual(r2.status, 200, r2)
            self.assertEqual(r2.json()["target"], "/after-hop")

    # --- keep-alive and framing

    def test_many_keepalive_requests_on_one_connection(self):
        with h.Conn(self.port) as c:
            conns = set()
            for i in range(200):
                body = b"x" * (i % 7)
                r, doc = self.echo(c, "POST" if i % 2 else "GET", f"/ka/{i}",
                                   body=body if i % 2 else None)
                self.assertEqual(doc["body_len"], len(body) if i % 2 else 0)
                self.assertNotIn("close", r.connection_tokens(), f"request {i}: {r}")
                conns.add(doc["conn"])
        # mcplb should reuse upstream keep-alive connections too (max_requests: 1000).
        self.assertLess(len(conns), 20, f"{len(conns)} upstream connections for 200 requests")

    def test_pipelined_requests_answered_in_order(self):
        with h.Conn(self.port) as c:
            c.send(b"".join(h.build_request("GET", f"/pipe/{i}") for i in range(10)))
            for i in range(10):
                r = c.read_response()
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()["target"], f"/pipe/{i}")

    def test_content_length_request_body_intact(self):
        body = h.pattern_bytes(1024 * 1024 + 17, seed=5)
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "POST", "/cl-body",
                               [("Content-Type", "application/octet-stream")], body)
        self.assertEqual(doc["body_len"], len(body))
        self.assertEqual(doc["sha256"], h.sha256(body))

    def test_empty_post_body(self):
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "POST", "/empty", body=b"")
            self.assertEqual(doc["body_len"], 0)
            _, doc = self.echo(c, "GET", "/after-empty")

    def test_chunked_request_body_intact(self):
        body = h.pattern_bytes(300_000, seed=6)
        enc = h.chunked(body, [1, 10, 4096, 65536, 100_000, 3])
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "POST", "/chunked-body",
                               [("Transfer-Encoding", "chunked"),
                                ("Content-Type", "application/octet-stream")], enc)
            self.assertEqual(doc["body_len"], len(body))
            self.assertEqual(doc["sha256"], h.sha256(body))
            # The connection stays in sync after a chunked body.
            _, doc = self.echo(c, "GET", "/after-chunked")

    def test_chunked_request_with_extensions_and_trailer(self):
        body = b"hello world"
        enc = b"5;name=value\r\nhello\r\n6;x\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
        with h.Conn(self.port) as c:
            _, doc = self.echo(c, "POST", "/chunk-ext",
                               [("Transfer-Encoding", "chunked")], enc)
            self.assertEqual(doc["body_len"], len(body))
            self.assertEqual(doc["sha256"], h.sha256(body))
            _, doc = self.echo(c, "GET", "/after-ext")

    def test_chunked_response_intact(self):
        with h.Conn(self.port) as c:
            for size, step in ((1_000_000, 777), (5, 1), (200_000, 65536)):
                r = c.request("GET", f"/chunked-resp?size={size}&chunk={step}")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(len(r.body), size)
                self.assertEqual(h.sha256(r.body), h.sha256(h.pattern_bytes(size, seed=1)))

    def test_content_length_response_intact(self):
        with h.Conn(self.port) as c:
            for size in (0, 1, 2_000_000):
                r = c.request("GET", f"/cl-resp?size={size}")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(len(r.body), size)
                self.assertEqual(r.body, h.pattern_bytes(size, seed=2))

    def test_head_response_has_no_body(self):
        with h.Conn(self.port) as c:
            r = c.request("HEAD", "/cl-resp?size=1000")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("content-length"), "1000", r)
            # If mcplb sent a body after the HEAD response, this read would see it.
            r2 = c.request("GET", "/after-head")
            self.assertEqual(r2.status, 200, r2)
            self.assertEqual(r2.json()["target"], "/after-head")

    def test_bodiless_statuses(self):
        with h.Conn(self.port) as c:
            for code in (204, 304):
                r = c.request("GET", f"/status?code={code}")
                self.assertEqual(r.status, code, r)
                r2 = c.request("GET", f"/after-{code}")
                self.assertEqual(r2.status, 200, r2)
                self.assertEqual(r2.json()["target"], f"/after-{code}")

    def test_connection_close_from_client_honoured(self):
        with h.Conn(self.port) as c:
            r = c.request("GET", "/close", [("Connection", "close")])
            self.assertEqual(r.status, 200, r)
            c.wait_closed(5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
