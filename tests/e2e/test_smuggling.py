"""Ambiguous or malformed requests: 400, connection closed, and the backend never sees them.

Every payload carries a second request (`GET /smuggled`) behind the ambiguous one: if mcplb and
the backend disagreed on where the first request ends, that second request would reach the
backend. After each case a marker request on a fresh connection proves the backend is reachable,
and the backend's log since the case began must hold nothing but the marker.
"""

import unittest

import harness as h

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: test.local\r\n\r\n"


def post(headers, body, target=b"/s"):
    return (b"POST " + target + b" HTTP/1.1\r\nHost: test.local\r\n" + headers + b"\r\n" + body)


# name -> (raw bytes, whether mcplb may have forwarded the head before noticing the problem)
CASES = {
    "cl_and_te_chunked": (post(b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                               b"0\r\n\r\n" + SMUGGLED), False),
    "te_chunked_and_cl": (post(b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
                               b"0\r\n\r\n" + SMUGGLED), False),
    "two_different_content_lengths": (post(b"Content-Length: 5\r\nContent-Length: 6\r\n",
                                           b"hello!" + SMUGGLED), False),
    "content_length_list": (post(b"Content-Length: 1, 2\r\n", b"ab" + SMUGGLED), False),
    "te_chunked_identity": (post(b"Transfer-Encoding: chunked, identity\r\n",
                                 b"0\r\n\r\n" + SMUGGLED), False),
    "te_xchunked": (post(b"Transfer-Encoding: xchunked\r\n", b"0\r\n\r\n" + SMUGGLED), False),
    "te_chunked_twice": (post(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                              b"0\r\n\r\n" + SMUGGLED), False),
    "te_space_before_colon": (post(b"Transfer-Encoding : chunked\r\nContent-Length: 5\r\n",
                                   b"0\r\n\r\n" + SMUGGLED), False),
    "cl_space_before_colon": (post(b"Content-Length : 5\r\n", b"hello" + SMUGGLED), False),
    "obs_fold": (post(b"X-Folded: a\r\n b\r\nContent-Length: 0\r\n", SMUGGLED), False),
    "obs_fold_transfer_encoding": (post(b"Transfer-Encoding: identity\r\n chunked\r\n",
                                        b"0\r\n\r\n" + SMUGGLED), False),
    "negative_content_length": (post(b"Content-Length: -1\r\n", SMUGGLED), False),
    "plus_content_length": (post(b"Content-Length: +5\r\n", b"hello" + SMUGGLED), False),
    "overflowing_content_length": (post(b"Content-Length: 99999999999999999999999999\r\n",
                                        SMUGGLED), False),
    "invalid_chunk_size": (post(b"Transfer-Encoding: chunked\r\n",
                                b"zz\r\nhello\r\n0\r\n\r\n" + SMUGGLED), True),
    "chunk_size_overflow": (post(b"Transfer-Encoding: chunked\r\n",
                                 b"ffffffffffffffffff1\r\nhello\r\n0\r\n\r\n" + SMUGGLED), True),
    "chunk_missing_crlf": (post(b"Transfer-Encoding: chunked\r\n",
                                b"5\r\nhelloXX0\r\n\r\n" + SMUGGLED), True),
    "http09_request_line": (b"GET /\r\n\r\n" + SMUGGLED, False),
    "garbage_request_line": (b"HELLO\r\n\r\n" + SMUGGLED, False),
    "request_line_extra_token": (b"GET / HTTP/1.1 x\r\nHost: test.local\r\n\r\n" + SMUGGLED,
                                 False),
    "nul_in_header_value": (b"GET /nul HTTP/1.1\r\nHost: test.local\r\nX-A: a\x00b\r\n\r\n"
                            + SMUGGLED, False),
    "cr_in_header_value": (b"GET /cr HTTP/1.1\r\nHost: test.local\r\nX-A: a\rb\r\n\r\n"
                           + SMUGGLED, False),
    "space_in_header_name": (b"GET /sp HTTP/1.1\r\nHost: test.local\r\nBad Name: x\r\n\r\n"
                             + SMUGGLED, False),
    "missing_host": (b"GET /nohost HTTP/1.1\r\nX-A: 1\r\n\r\n" + SMUGGLED, False),
    "two_hosts": (b"GET /twohosts HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n" + SMUGGLED,
                  False),
}


class Smuggling(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.backend, bport = self.start_backend("r1")
        self.log = h.BackendLog(self.backend)
        self.lb, self.port = self.start_mcplb(h.config_yaml([("r1", bport)], workers=1))
        self.n_marker = 0

    def marker(self):
        """A good request on a fresh connection; returns once the backend logged it."""
        self.n_marker += 1
        target = f"/marker-{self.n_marker}"
        r = h.get(self.port, target)
        self.assertEqual(r.status, 200, r)
        self.log.wait("DONE", target)
        return target

    def backend_saw(self, mark):
        return self.log.events(mark)

    def assert_rejected(self, name):
        raw, head_may_pass = CASES[name]
        mark = self.log.mark()
        with h.Conn(self.port, timeout=5) as c:
            c.send(raw)
            try:
                r = c.read_response("POST")
            except h.Closed as e:
                self.fail(f"{name}: connection closed without a 400 response ({e})")
            statuses = {400, 413} if name == "overflowing_content_length" else {400}
            self.assertIn(r.status, statuses, f"{name}: {r}")
            # Then closed, with nothing more sent (no response to the smuggled request).
            extra, _ = c.wait_closed(3)
            self.assertEqual(extra, b"", f"{name}: bytes after the 400: {extra[:200]!r}")
        m = self.marker()
        seen = [e for e in self.backend_saw(mark) if e["target"] != m]
        if head_may_pass:
            # A streamed head may have gone out before the bad chunk was read, but the backend
            # must never get a complete request out of it, nor the smuggled one.
            self.assertEqual([e for e in seen if e["kind"] == "DONE"], [], f"{name}: {seen}")
            self.assertEqual([e for e in seen if e["target"] == "/smuggled"], [], name)
        else:
            self.assertEqual(seen, [], f"{name}: the backend saw {seen}")
        self.assert_alive(self.lb)

    def test_valid_requests_pass(self):
        # Control: the same shapes, well-formed, do reach the backend.
        with h.Conn(self.port) as c:
            r = c.request("POST", "/ok-cl", body=b"hello")
            self.assertEqual((r.status, r.json()["body_len"]), (200, 5))
            r = c.request("POST", "/ok-te", [("Transfer-Encoding", "chunked")],
                          b"5\r\nhello\r\n0\r\n\r\n")
            self.assertEqual((r.status, r.json()["body_len"]), (200, 5))
            r = c.request("POST", "/ok-te-case", [("Transfer-Encoding", "Chunked")],
                          b"5\r\nhello\r\n0\r\n\r\n")
            self.assertEqual((r.status, r.json()["body_len"]), (200, 5))

    def test_no_second_request_after_400(self):
        mark = self.log.mark()
        with h.Conn(self.port, timeout=5) as c:
            c.send(post(b"Content-Length: 1, 2\r\n", b""))
            r = c.read_response("POST")
            self.assertEqual(r.status, 400, r)
            try:  # the connection must be dead: this must never reach the backend
                c.send(b"GET /after-400 HTTP/1.1\r\nHost: test.local\r\n\r\n")
            except OSError:
                pass
            extra, _ = c.wait_closed(3)
            self.assertEqual(extra, b"", extra[:200])
        m = self.marker()
        self.assertEqual([e for e in self.backend_saw(mark) if e["target"] != m], [])

    def bare_lf_case(self, raw, first_target, first_body_len, second_target):
        """Bare LF may be rejected (400 + close, nothing forwarded) or accepted; if accepted,
        mcplb and the backend must agree on every message boundary."""
        mark = self.log.mark()
        with h.Conn(self.port, timeout=5) as c:
            c.send(raw)
            r = c.read_response("POST")
            if r.status == 400:
                extra, _ = c.wait_closed(3)
                self.assertEqual(extra, b"", extra[:200])
                m = self.marker()
                self.assertEqual([e for e in self.backend_saw(mark) if e["target"] != m], [])
                return "rejected"
            self.assertEqual(r.status, 200, r)
            doc = r.json()
            self.assertEqual(doc["target"], first_target, doc)
            self.assertEqual(doc["body_len"], first_body_len, doc)
            if second_target:
                r2 = c.read_response()
                self.assertEqual(r2.status, 200, r2)
                self.assertEqual(r2.json()["target"], second_target)
        m = self.marker()
        targets = [e["target"] for e in self.backend_saw(mark) if e["kind"] == "REQ"]
        self.assertEqual(targets, [t for t in (first_target, second_target, m) if t])
        return "accepted"

    def test_bare_lf_everywhere(self):
        self.bare_lf_case(b"GET /lf-all HTTP/1.1\nHost: test.local\n\n", "/lf-all", 0, None)

    def test_bare_lf_before_content_length(self):
        raw = (b"POST /lf-mixed HTTP/1.1\r\nHost: test.local\nContent-Length: 5\r\n\r\nhello"
               b"GET /lf-second HTTP/1.1\r\nHost: test.local\r\n\r\n")
        self.bare_lf_case(raw, "/lf-mixed", 5, "/lf-second")

    def test_bare_lf_hiding_transfer_encoding(self):
        raw = (b"POST /lf-te HTTP/1.1\r\nHost: test.local\r\nX-A: 1\nTransfer-Encoding: chunked"
               b"\r\nContent-Length: 3\r\n\r\n0\r\n\r\n")
        # Either way of reading it is ambiguous (TE + CL once the LF is a line end): 400.
        mark = self.log.mark()
        with h.Conn(self.port, timeout=5) as c:
            c.send(raw)
            r = c.read_response("POST")
            self.assertEqual(r.status, 400, r)
            c.wait_closed(3)
        m = self.marker()
        self.assertEqual([e for e in self.backend_saw(mark) if e["target"] != m], [])


def _make(name):
    def t(self):
        self.assert_rejected(name)
    t.__name__ = f"test_{name}"
    return t


for _name in CASES:
    setattr(Smuggling, f"test_{_name}", _make(_name))


if __name__ == "__main__":
    unittest.main(verbosity=2)
