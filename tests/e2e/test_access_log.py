"""Access log end to end: one JSON line per request with the documented fields, never the raw
session token, and SIGUSR1 reopening the file after logrotate renamed it.

mcplb runs with `access_log: <tmp>/access.log` (or `stdout`) in front of one demo server.
"""

import json
import os
import re
import signal
import unittest

import harness as h

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
FIELDS = ["time", "client", "pool", "backend", "method", "mcp_method", "tool", "status",
          "origin", "bytes_in", "bytes_out", "duration_ms", "session", "retries", "failover"]


def read_lines(path):
    """The complete lines of the file (a missing file has none)."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8")
    except FileNotFoundError:
        return []
    return data.splitlines()[: data.count("\n")]


class AccessLog(h.E2ETestCase):
    def start(self, access_log):
        _, self.demo_port = self.start_demo("b1")
        cfg = h.config_yaml([("b1", self.demo_port)], workers=2,
                            extra=f"access_log: {json.dumps(access_log)}\n")
        self.lb, self.port = self.start_mcplb(cfg)

    def whoami(self, n=1):
        with h.Conn(self.port) as c:
            for i in range(n):
                name, _ = h.whoami(c, i + 1)
                self.assertEqual(name, "b1")

    def wait_lines(self, path, n, what):
        return h.wait_until(lambda: len(read_lines(path)) >= n and read_lines(path), 10.0,
                            what=what)

    def check_fields(self, raw):
        """Parses one line and checks the shape every line has."""
        doc = json.loads(raw)
        self.assertEqual(list(doc), FIELDS, raw)
        self.assertRegex(doc["time"], TIME_RE)
        self.assertEqual(doc["client"], "127.0.0.1")
        self.assertIsInstance(doc["status"], int)
        self.assertIn(doc["origin"], ("backend", "mcplb", "none"))
        self.assertIsInstance(doc["bytes_in"], int)
        self.assertIsInstance(doc["bytes_out"], int)
        self.assertRegex(raw, r'"duration_ms":\d+\.\d{3},')
        self.assertIsInstance(doc["retries"], int)
        self.assertIsInstance(doc["failover"], bool)
        return doc

    def test_lines_fields_and_no_token(self):
        path = os.path.join(self.tmp, "access.log")
        self.start(path)

        # 1. A stateless tools/call relayed from the backend.
        self.whoami()
        (line,) = self.wait_lines(path, 1, "the first access log line")
        doc = self.check_fields(line)
        self.assertEqual((doc["pool"], doc["backend"], doc["method"], doc["mcp_method"],
                          doc["tool"], doc["status"], doc["origin"], doc["session"]),
                         ("mcp", "b1", "POST", "tools/call", "whoami", 200, "backend", None),
                         line)
        self.assertGreater(doc["bytes_in"], 100)
        self.assertGreater(doc["bytes_out"], 50)
        self.assertEqual((doc["retries"], doc["failover"]), (0, False))

        # 2. A session: initialize, then a call with the token. The log names the session by
        # a hash, never by the token itself (a bearer credential).
        with h.Conn(self.port) as c:
            r = h.session_post(c, h.initialize_body(1))
            self.assertEqual(r.status, 200, r)
            token = r.header("mcp-session-id")
            self.assertTrue(token and h.TOKEN_RE.match(token), r)
            r = h.session_post(c, h.jsonrpc("notifications/initialized"), token)
            self.assertEqual(r.status, 202, r)
            r = h.session_post(c, h.tool_call_body("whoami", req_id=2), token)
            self.assertEqual(h.tool_text(r), "b1")
        lines = self.wait_lines(path, 4, "the session's lines")
        docs = [self.check_fields(ln) for ln in lines]
        self.assertEqual([d["mcp_method"] for d in docs[1:]],
                         ["initialize", "notifications/initialized", "tools/call"])
        sessions = {d["session"] for d in docs[2:]}
        self.assertEqual(len(sessions), 1, lines)
        (session,) = sessions
        self.assertRegex(session, r"^[0-9a-f]{16}$")
        with open(path, "rb") as f:
            text = f.read().decode()
        self.assertNotIn(token, text)
        self.assertNotIn(token[:16], text)

        # 3. An error mcplb wrote itself, before any pool was chosen.
        with h.Conn(self.port) as c:
            r = c.request("POST", "/mcp", [("Content-Type", "application/json"),
                                           ("Accept", "application/json, text/event-stream")],
                          b"not json")
        self.assertEqual(r.status, 400, r)
        lines = self.wait_lines(path, 5, "the refusal's line")
        doc = self.check_fields(lines[4])
        self.assertEqual((doc["pool"], doc["backend"], doc["status"], doc["origin"],
                          doc["mcp_method"]), (None, None, 400, "mcplb", None), lines[4])
        print(f"\naccess log line: {lines[0]}")

    def test_sigusr1_reopens_after_rename(self):
        path = os.path.join(self.tmp, "access.log")
        rotated = path + ".1"
        self.start(path)
        self.whoami(3)
        self.wait_lines(path, 3, "three lines before the rotation")
        os.rename(path, rotated)
        self.whoami(1)  # the descriptor still points at the renamed file
        self.wait_lines(rotated, 4, "the fourth line in the renamed file")
        self.assertFalse(os.path.exists(path))

        mark = self.lb.err_mark()
        self.lb.signal(signal.SIGUSR1)
        self.lb.wait_err(r"SIGUSR1: access log .* reopened", start=mark)
        # Once reopened, every new request lands in the new file.
        self.whoami(2)
        new = self.wait_lines(path, 2, "lines in the reopened file")
        self.assertEqual(len(new), 2, new)
        for ln in new:
            self.assertEqual(self.check_fields(ln)["tool"], "whoami")
        self.assertEqual(len(read_lines(rotated)), 4)
        self.assert_alive(self.lb)
        self.lb.signalled = False  # SIGUSR1 does not end it: a later exit would be a crash

    def test_refused_requests_are_logged(self):
        # Requests mcplb refuses itself, before or while reading their head or body, are
        # answered and so logged (and counted) like any other.
        path = os.path.join(self.tmp, "access.log")
        self.start(path)
        with h.Conn(self.port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
            self.assertEqual(c.read_response("GET").status, 400)
        with h.Conn(self.port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
            self.assertIn(c.read_response("GET").status, (400, 431))
        with h.Conn(self.port) as c:
            c.send(h.build_request("POST", "/mcp", [("Content-Type", "application/json"),
                                                    ("Accept", "application/json, text/event-stream")],
                                   b"{not json"))
            self.assertEqual(c.read_response("POST").status, 400)
        lines = self.wait_lines(path, 3, "three refusals logged")
        docs = [self.check_fields(ln) for ln in lines]
        self.assertEqual([d["origin"] for d in docs], ["mcplb"] * 3, docs)
        self.assertTrue(all(400 <= d["status"] < 500 for d in docs), docs)

    def test_stdout(self):
        self.start("stdout")
        mark = self.lb.line_count()
        self.whoami(2)
        m, i = self.lb.wait_line(r'^\{"time":', start=mark)
        doc = self.check_fields(m.string)
        self.assertEqual((doc["tool"], doc["status"], doc["origin"]), ("whoami", 200, "backend"))
        self.lb.wait_line(r'^\{"time":', start=i + 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
