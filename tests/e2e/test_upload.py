"""A 50 MiB request body streams through mcplb without being buffered.

Two observations, both from outside: the backend sees the request head while the client still
holds most of the body back (so mcplb forwards before the body is complete), and mcplb's peak
RSS (VmHWM) grows far less than the body size.
"""

import hashlib
import random
import threading
import unittest

import harness as h

TOTAL = 50 * 1024 * 1024
BLOCK = 256 * 1024
HOLD_BACK_AFTER = 8 * 1024 * 1024  # bytes sent before waiting for the backend to see the head
PEAK_BOUND_KIB = 32 * 1024  # allowed VmHWM growth over the pre-upload RSS


class Upload(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.backend, bport = self.start_backend("u1")
        self.log = h.BackendLog(self.backend)
        cfg = h.config_yaml([("u1", bport)], workers=1, client={"max_body_bytes": "64m"},
                            pool={"read": "30s"})
        self.lb, self.port = self.start_mcplb(cfg)
        # Warm up (upstream connection, buffers), then take the baseline.
        r = h.get(self.port, "/warmup")
        self.assertEqual(r.status, 200, r)
        try:
            with open(f"/proc/{self.lb.pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS
        except OSError:
            pass
        self.baseline_kib = h.proc_status_kib(self.lb.pid, "VmRSS")

    def blocks(self, rng):
        """The body, generated on the fly: TOTAL bytes in BLOCK pieces."""
        left = TOTAL
        while left:
            n = min(BLOCK, left)
            left -= n
            yield rng.randbytes(n)

    def upload(self, use_chunked):
        target = f"/upload-{'chunked' if use_chunked else 'cl'}"
        hdrs = [("Content-Type", "application/octet-stream")]
        hdrs.append(("Transfer-Encoding", "chunked") if use_chunked
                    else ("Content-Length", str(TOTAL)))
        conn = h.Conn(self.port, timeout=60)
        self.addCleanup(conn.close)
        mark = self.log.mark()
        go = threading.Event()
        result = {}

        def sender():
            digest = hashlib.sha256()
            sent = 0
            try:
                conn.send(h.build_request("POST", target, hdrs))
                for i, b in enumerate(self.blocks(random.Random(1234))):
                    digest.update(b)
                    if use_chunked:
                        cut = 1 + (i * 7919) % (len(b) - 1)  # two chunks of varying size
                        conn.send(b"%x\r\n%s\r\n%x\r\n%s\r\n"
                                  % (cut, b[:cut], len(b) - cut, b[cut:]))
                    else:
                        conn.send(b)
                    sent += len(b)
                    if sent >= HOLD_BACK_AFTER and not go.is_set():
                        if not go.wait(15):
                            result["error"] = "not released"
                            return
                        if result.get("abort"):
                            return
                if use_chunked:
                    conn.send(b"0\r\n\r\n")
                result["sha256"] = digest.hexdigest()
                result["sent"] = sent
            except OSError as e:
                result["error"] = repr(e)

        t = threading.Thread(target=sender, daemon=True)
        t.start()
        try:
            self.log.wait("REQ", target, since=mark, timeout=10)
        except AssertionError:
            result["abort"] = True
            go.set()
            conn.close()
            raise AssertionError(
                f"backend did not see the request head after the client sent "
                f"{HOLD_BACK_AFTER} of {TOTAL} body bytes: mcplb is buffering the body")
        go.set()
        resp = conn.read_response("POST", timeout=60)
        t.join(30)
        self.assertFalse(t.is_alive(), "sender hung")
        self.assertNotIn("error", result, result)
        self.assertEqual(resp.status, 200, resp)
        doc = resp.json()
        self.assertEqual(doc["body_len"], TOTAL)
        self.assertEqual(doc["sha256"], result["sha256"])

        peak = h.proc_status_kib(self.lb.pid, "VmHWM")
        growth = peak - self.baseline_kib
        self.assertLess(growth, PEAK_BOUND_KIB,
                        f"mcplb peak RSS grew by {growth} KiB during a {TOTAL >> 20} MiB upload "
                        f"(baseline {self.baseline_kib} KiB, peak {peak} KiB)")
        # Still serving afterwards.
        r = h.get(self.port, "/after-upload")
        self.assertEqual(r.status, 200, r)

    def test_content_length_upload(self):
        self.upload(use_chunked=False)

    def test_chunked_upload(self):
        self.upload(use_chunked=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
