"""HTTP/1.0 clients through mcplb: a chunked backend response arrives decoded, delimited by
the connection's close (HTTP/1.0 has no chunked coding, RFC 9112 7.1)."""

import socket
import unittest

import harness as h


def http10_get(port, target):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.0\r\nHost: test.local\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


class Http10(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        _, bport = self.start_backend("e1")
        self.lb, self.port = self.start_mcplb(h.config_yaml([("e1", bport)], workers=1))

    def check(self, size, chunk):
        raw = http10_get(self.port, f"/chunked-resp?size={size}&chunk={chunk}")
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.assertRegex(lines[0], r"^HTTP/1\.1 200 ")
        names = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip()
                 for l in lines[1:]}
        self.assertNotIn("transfer-encoding", names)
        self.assertEqual(names.get("connection", "").lower(), "close")
        self.assertEqual(len(body), size)
        self.assertEqual(h.sha256(body), h.sha256(h.pattern_bytes(size, seed=1)))

    def test_chunked_response_decoded_small(self):
        self.check(5000, 700)

    def test_chunked_response_decoded_large(self):
        # Many reads and chunk boundaries across buffer ends.
        self.check(3_000_000, 10_000)

    def test_http11_client_still_gets_chunks(self):
        with h.Conn(self.port) as c:
            r = c.request("GET", "/chunked-resp?size=5000&chunk=700")
            self.assertEqual(r.status, 200)
            self.assertEqual((r.header("transfer-encoding") or "").lower(), "chunked")
            self.assertEqual(h.sha256(r.body), h.sha256(h.pattern_bytes(5000, seed=1)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
