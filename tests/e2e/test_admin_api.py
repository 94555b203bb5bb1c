"""The admin API end to end: real mcp-demo-server backends behind a real `mcplb run` with an
`admin:` listener. Access rules (reads open on loopback, changes need the bearer token from
admin.token_file, 401 with WWW-Authenticate otherwise), drain and weight changes steering real
traffic, names shared by two pools (409, pool%2Fname, /admin/pools/...), and the 404/405 shapes.

Every request goes to 127.0.0.1. Counts are exact where the policy makes them exact
(round_robin / weighted_round_robin on one worker) and bounded otherwise.
"""

import json
import re
import signal
import unittest

import harness as h

ADMIN_RE = r"mcplb admin listening on 127\.0\.0\.1:(\d+)"
TOKEN = "e2e-admin-token-5f1c9a"


def admin_call(port, method, target, body=None, token=None, headers=(), host="127.0.0.1"):
    """One request to the admin listener; returns (Response, parsed JSON or None)."""
    hdrs = list(headers)
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs.append(("Content-Type", "application/json"))
    if token is not None:
        hdrs.append(("Authorization", f"Bearer {token}"))
    with h.Conn(port) as c:
        r = c.request(method, target, hdrs, data, host=host)
    try:
        doc = json.loads(r.body)
    except ValueError:
        doc = None
    return r, doc


class AdminBase(h.E2ETestCase):
    def start_stack(self, names=("b1", "b2"), policy="round_robin", weights=None, token=None,
                    alt=None):
        """Demo backends `names` in pool mcp (weights optional), optionally pool `alt` with
        the demo backends `alt` (reached under /alt), and an admin listener (with a token file
        when `token`). Sets self.port, self.admin and self.lb."""
        demos = self.start_demos(list(names))
        if weights:
            demos = [(n, p, w) for (n, p), w in zip(demos, weights)]
        extra = ""
        if alt:
            alt_demos = [(n, self.start_demo(f"alt-{n}")[1]) for n in alt]
            be = ", ".join(f'{{name: {n}, address: "127.0.0.1:{p}"}}' for n, p in alt_demos)
            extra += ("  alt:\n    policy: round_robin\n"
                      f"    backends: [{be}]\n"
                      "routes:\n  - {match: {path_prefix: /alt}, pool: alt}\n  - {pool: mcp}\n")
        admin = 'admin: {listen: "127.0.0.1:0"'
        if token:
            admin += f", token_file: {json.dumps(self.write_file('admin.token', token + chr(10)))}"
        extra += admin + "}\n"
        self.lb, self.port = self.start_mcplb(h.config_yaml(demos, workers=1, policy=policy,
                                                            extra=extra))
        m, _ = self.lb.wait_line(ADMIN_RE)
        self.admin = int(m.group(1))

    def call(self, method, target, body=None, token=None, **kw):
        return admin_call(self.admin, method, target, body, token, **kw)

    def backends(self):
        r, doc = self.call("GET", "/admin/backends")
        self.assertEqual(r.status, 200, r)
        return {(b["pool"], b["backend"]): b for b in doc}

    def whoami_tally(self, n):
        """n stateless whoami calls on one connection; returns {X-Backend-Name: count}."""
        tally = {}
        with h.Conn(self.port) as c:
            for i in range(n):
                name, hdr = h.whoami(c, i + 1)
                self.assertEqual(name, hdr)
                tally[name] = tally.get(name, 0) + 1
        return tally

    def new_session(self):
        """initialize + initialized; returns (session token, backend name)."""
        with h.Conn(self.port) as c:
            r = h.session_post(c, h.initialize_body())
            self.assertEqual(r.status, 200, r)
            token = r.header("mcp-session-id")
            self.assertEqual(h.session_post(c, h.jsonrpc("notifications/initialized"),
                                            token).status, 202)
            return token, r.header("x-backend-name")

    def assert_json_error(self, r, doc, status, contains=""):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("content-type"), "application/json", r)
        self.assertIsInstance(doc, dict, r)
        self.assertIsInstance(doc.get("error"), str, r)
        self.assertIn(contains, doc["error"])


class Auth(AdminBase):
    def test_changes_need_the_bearer_token(self):
        self.start_stack(token=TOKEN)
        # Reads are open on loopback, without a token.
        before = self.backends()
        self.assertEqual(set(before), {("mcp", "b1"), ("mcp", "b2")})
        b1 = before[("mcp", "b1")]
        for key in ("state", "effective_state", "weight", "ready", "connections", "sessions",
                    "streams", "in_flight", "requests", "failures", "ejected",
                    "ejected_until_ms", "ejections", "drain_remaining_ms", "health"):
            self.assertIn(key, b1)
        self.assertEqual((b1["state"], b1["effective_state"], b1["weight"]),
                         ("healthy", "healthy", 1))
        r, doc = self.call("GET", "/admin/backends/b1")
        self.assertEqual((r.status, doc["backend"]), (200, "b1"), r)

        changes = [("POST", "/admin/backends/b1/drain", None),
                   ("POST", "/admin/backends/b1/undrain", None),
                   ("POST", "/admin/backends/b1/weight", {"weight": 5}),
                   ("POST", "/admin/backends/b1/weight?weight=5", None),
                   ("PUT", "/admin/backends/b1/weight", {"weight": 5}),
                   ("POST", "/admin/pools/mcp/backends/b1/drain", None),
                   ("POST", "/admin/nothing-here", None)]  # unknown routes reveal nothing
        for method, target, body in changes:
            for auth in (None, "Bearer wrong-token", f"Bearer {TOKEN}x", f"Basic {TOKEN}",
                         TOKEN):
                hdrs = [("Authorization", auth)] if auth else []
                r, doc = self.call(method, target, body, headers=hdrs)
                with self.subTest(method=method, target=target, auth=auth):
                    self.assert_json_error(r, doc, 401, "bearer token")
                    self.assertTrue((r.header("www-authenticate") or "").startswith("Bearer"), r)
        self.assertEqual(self.backends(), before)  # no traffic was sent: nothing changed

        # The right token works (the scheme is case-insensitive).
        r, doc = self.call("POST", "/admin/backends/b1/drain", token=TOKEN)
        self.assertEqual((r.status, doc["state"], doc["effective_state"]),
                         (200, "draining", "draining"), r)
        self.assertGreater(doc["drain_remaining_ms"], 0)
        r, doc = self.call("POST", "/admin/backends/b1/undrain",
                           headers=[("Authorization", f"bearer {TOKEN}")])
        self.assertEqual((r.status, doc["state"]), (200, "healthy"), r)
        r, doc = self.call("POST", "/admin/nothing-here", token=TOKEN)
        self.assert_json_error(r, doc, 404)
        # Probes and metrics stay open.
        for target in ("/healthz", "/readyz", "/metrics"):
            r, _ = self.call("GET", target)
            self.assertEqual(r.status, 200, f"{target}: {r}")
        self.lb.wait_err(r"admin: backend b1 pool mcp: draining -> healthy \(from 127\.0\.0\.1")

    def test_loopback_may_change_without_a_token_file(self):
        self.start_stack()
        r, doc = self.call("POST", "/admin/backends/b2/drain")
        self.assertEqual((r.status, doc["state"]), (200, "draining"), r)
        # ... but not for a page in a browser: a foreign Origin (cross-site form post) or a
        # non-loopback Host (a DNS name rebound to 127.0.0.1) is refused.
        r, doc = self.call("POST", "/admin/backends/b2/undrain",
                           headers=[("Origin", "http://evil.example")])
        self.assert_json_error(r, doc, 403, "cross-origin")
        r, doc = self.call("POST", "/admin/backends/b2/undrain", host="evil.example:80")
        self.assert_json_error(r, doc, 403, "loopback Host")
        self.assertEqual(self.backends()[("mcp", "b2")]["state"], "draining")
        r, doc = self.call("POST", "/admin/backends/b2/undrain",
                           headers=[("Origin", f"http://127.0.0.1:{self.admin}")],
                           host=f"127.0.0.1:{self.admin}")
        self.assertEqual((r.status, doc["state"]), (200, "healthy"), r)
        r, doc = self.call("POST", "/admin/backends/b2/drain", host=f"localhost:{self.admin}")
        self.assertEqual((r.status, doc["state"]), (200, "draining"), r)


class Routing(AdminBase):
    def test_drain_steers_new_sessions_away(self):
        self.start_stack(names=("b1", "b2"), token=TOKEN)
        placed = dict(self.new_session()[::-1] for _ in range(2))
        self.assertEqual(set(placed), {"b1", "b2"})

        r, doc = self.call("POST", "/admin/backends/b2/drain", token=TOKEN)
        self.assertEqual((r.status, doc["state"], doc["ready"]), (200, "draining", False), r)
        # New sessions all land on b1; b2's existing session keeps working until the
        # pool's drain_timeout (30 s by default, far beyond this test).
        self.assertEqual({self.new_session()[1] for _ in range(8)}, {"b1"})
        with h.Conn(self.port) as c:
            r = h.session_post(c, h.tool_call_body("whoami"), placed["b2"])
        self.assertEqual(h.tool_text(r), "b2")
        self.assertEqual(self.whoami_tally(6), {"b1": 6})
        r, _ = self.call("GET", "/readyz")
        self.assertEqual(r.status, 200, r)

        r, doc = self.call("POST", "/admin/backends/b2/undrain", token=TOKEN)
        self.assertEqual((r.status, doc["state"]), (200, "healthy"), r)
        self.assertEqual({self.new_session()[1] for _ in range(4)}, {"b1", "b2"})

        # Draining every backend leaves the listener not ready.
        self.call("POST", "/admin/backends/b1/drain", token=TOKEN)
        self.call("POST", "/admin/backends/b2/drain", token=TOKEN)
        r, doc = self.call("GET", "/readyz")
        self.assertEqual((r.status, doc["ready"]), (503, False), r)

    def test_weight_change_shifts_traffic(self):
        self.start_stack(names=("b1", "b2"), policy="weighted_round_robin", weights=(1, 1),
                         token=TOKEN)
        self.assertEqual(self.whoami_tally(20), {"b1": 10, "b2": 10})

        r, doc = self.call("POST", "/admin/backends/b1/weight", {"weight": 9}, token=TOKEN)
        self.assertEqual((r.status, doc["weight"]), (200, 9), r)
        self.lb.wait_err(r"admin: backend b1 pool mcp: weight 1 -> 9")
        tally = self.whoami_tally(100)
        print(f"\nadmin: weights b1=9 b2=1 -> {tally}")
        # Smooth weighted round robin: 9 of every 10, give or take the cycle in progress.
        self.assertTrue(88 <= tally.get("b1", 0) <= 92, tally)

        # The query form, and PUT with a body, do the same.
        r, doc = self.call("POST", "/admin/backends/b1/weight?weight=1", token=TOKEN)
        self.assertEqual((r.status, doc["weight"]), (200, 1), r)
        r, doc = self.call("PUT", "/admin/pools/mcp/backends/b2/weight", {"weight": 3},
                           token=TOKEN)
        self.assertEqual((r.status, doc["weight"]), (200, 3), r)
        tally = self.whoami_tally(40)
        print(f"admin: weights b1=1 b2=3 -> {tally}")
        self.assertTrue(28 <= tally.get("b2", 0) <= 32, tally)
        self.assertEqual({k[1]: b["weight"] for k, b in self.backends().items()},
                         {"b1": 1, "b2": 3})

        for target, body in [("/admin/backends/b1/weight", {"weight": 0}),
                             ("/admin/backends/b1/weight", {"weight": 1001}),
                             ("/admin/backends/b1/weight", {"weight": "5"}),
                             ("/admin/backends/b1/weight", {"wait": 5}),
                             ("/admin/backends/b1/weight", b"{not json"),
                             ("/admin/backends/b1/weight", None),
                             ("/admin/backends/b1/weight?weight=-1", None),
                             ("/admin/backends/b1/weight?weight=5x", None),
                             ("/admin/backends/b1/weight?weight=5", {"weight": 5})]:
            r, doc = self.call("POST", target, body, token=TOKEN)
            with self.subTest(target=target, body=body):
                self.assert_json_error(r, doc, 400, "weight")
        self.assertEqual(self.backends()[("mcp", "b1")]["weight"], 1)

    def test_name_in_two_pools(self):
        self.start_stack(names=("b1", "b2"), alt=("b1",), token=TOKEN)
        r, doc = self.call("POST", "/admin/backends/b1/drain", token=TOKEN)
        self.assert_json_error(r, doc, 409, "in pools mcp, alt")
        self.assertIn("/admin/pools/mcp/backends/b1", doc["error"])
        self.assertEqual(doc["pools"], ["mcp", "alt"])
        r, doc = self.call("GET", "/admin/backends/b1")
        self.assertEqual((r.status, doc["pools"]), (409, ["mcp", "alt"]), r)
        self.assertTrue(all(b["state"] == "healthy" for b in self.backends().values()))

        # pool%2Fname picks one; a unique name needs no pool.
        r, doc = self.call("POST", "/admin/backends/alt%2Fb1/drain", token=TOKEN)
        self.assertEqual((r.status, doc["pool"], doc["state"]), (200, "alt", "draining"), r)
        states = {k: b["state"] for k, b in self.backends().items()}
        self.assertEqual(states, {("mcp", "b1"): "healthy", ("mcp", "b2"): "healthy",
                                  ("alt", "b1"): "draining"})
        r, doc = self.call("GET", "/admin/backends/mcp%2Fb1")
        self.assertEqual((r.status, doc["pool"], doc["state"]), (200, "mcp", "healthy"), r)
        r, doc = self.call("GET", "/admin/backends/b2")
        self.assertEqual((r.status, doc["pool"]), (200, "mcp"), r)
        r, doc = self.call("POST", "/admin/pools/alt/backends/b1/undrain", token=TOKEN)
        self.assertEqual((r.status, doc["pool"], doc["state"]), (200, "alt", "healthy"), r)
        r, doc = self.call("GET", "/admin/backends/nope%2Fb1")
        self.assert_json_error(r, doc, 404, "unknown pool 'nope'")


class Shapes(AdminBase):
    def test_not_found_and_method_not_allowed(self):
        self.start_stack(token=TOKEN)
        for target, contains in [("/admin", "not found"), ("/admin/", "not found"),
                                 ("/admin/nope", "not found"),
                                 ("/api/backends", "not found"),  # the old prefix is gone
                                 ("/api/pools/mcp/backends/b1", "not found"),
                                 ("/admin/backends/b1/explode", "not found"),
                                 ("/admin/backends/b1/drain/more", "not found"),
                                 ("/admin/pools/mcp/backends", "not found"),
                                 ("/admin/backends/nope", "unknown backend 'nope'"),
                                 ("/admin/pools/nope/backends/b1", "unknown pool 'nope'"),
                                 ("/admin/pools/mcp/backends/b9",
                                  "unknown backend 'b9' in pool 'mcp'")]:
            r, doc = self.call("GET", target)
            with self.subTest(target=target):
                self.assert_json_error(r, doc, 404, contains)
        r, doc = self.call("POST", "/admin/backends/b%zz/drain", token=TOKEN)
        self.assert_json_error(r, doc, 400, "percent-encoding")

        for method, target, allow in [("GET", "/admin/backends/b1/drain", "POST"),
                                      ("PUT", "/admin/backends/b1/undrain", "POST"),
                                      ("GET", "/admin/backends/b1/weight", "POST, PUT"),
                                      ("DELETE", "/admin/backends", "GET"),
                                      ("POST", "/admin/backends/b1", "GET"),
                                      ("POST", "/admin/pools/mcp/backends/b1", "GET"),
                                      ("POST", "/healthz", "GET"),
                                      ("POST", "/readyz", "GET"),
                                      ("POST", "/metrics", "GET"),
                                      ("POST", "/dashboard", "GET")]:
            r, doc = self.call(method, target, token=TOKEN)
            with self.subTest(method=method, target=target):
                self.assert_json_error(r, doc, 405, "method not allowed")
                self.assertEqual(r.header("allow"), allow)
        self.assertTrue(all(b["state"] == "healthy" for b in self.backends().values()))


class Reload(AdminBase):
    def test_reload_applies_weights_and_drains_removed_backend(self):
        demos = self.start_demos(["r1", "r2", "r3"])
        extra = f'admin: {{listen: "127.0.0.1:0", token_file: {json.dumps(self.write_file("admin.token", TOKEN + chr(10)))}}}\n'
        self.lb, self.port = self.start_mcplb(h.config_yaml(
            demos, workers=1, policy="weighted_round_robin", extra=extra))
        m, _ = self.lb.wait_line(ADMIN_RE)
        self.admin = int(m.group(1))
        self.assertEqual(self.whoami_tally(30), {"r1": 10, "r2": 10, "r3": 10})
        # The same file again: nothing to apply, nothing needs a restart.
        r, doc = self.call("POST", "/admin/reload", token=TOKEN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(doc, {"valid": True, "errors": [], "applied": [], "needs_restart": []})
        # Without the token: refused, nothing read.
        r, _ = self.call("POST", "/admin/reload")
        self.assertEqual(r.status, 401, r)
        # r1 weight 3, r3 gone, a changed read timeout (needs a restart).
        new = [(demos[0][0], demos[0][1], 3), (demos[1][0], demos[1][1], 1)]
        self.write_file("mcplb.yaml", h.config_yaml(
            new, workers=1, policy="weighted_round_robin", extra=extra, pool={"read": "9s"}))
        r, doc = self.call("POST", "/admin/reload", token=TOKEN)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(doc["valid"])
        self.assertIn("pool mcp backend r1: weight 1 -> 3", doc["applied"])
        self.assertTrue(any("backend r3: not in the file, draining" in a for a in doc["applied"]),
                        doc)
        self.assertTrue(any("read: 9s" in n for n in doc["needs_restart"]), doc)
        self.assertEqual(self.whoami_tally(40), {"r1": 30, "r2": 10})
        self.assertEqual(self.backends()[("mcp", "r3")]["state"], "draining")
        # A broken file: 400 with file:line:col, nothing changes.
        self.write_file("mcplb.yaml", "pools:\n  mcp:\n    policy: no_such_policy\n")
        r, doc = self.call("POST", "/admin/reload", token=TOKEN)
        self.assertEqual(r.status, 400, r)
        self.assertFalse(doc["valid"])
        self.assertTrue(all(re.search(r"mcplb\.yaml:\d+:\d+: ", e)
                            for e in doc["errors"]), doc)
        self.assertTrue(any("no_such_policy" in e for e in doc["errors"]), doc)
        self.assertEqual(self.whoami_tally(4), {"r1": 3, "r2": 1})
        # SIGHUP runs the same reload: r3 back in the file is undrained.
        self.write_file("mcplb.yaml", h.config_yaml(
            [(n, p, w) for (n, p), w in zip(demos, (3, 1, 1))], workers=1,
            policy="weighted_round_robin", extra=extra))
        mark = self.lb.err_mark()
        self.lb.signal(signal.SIGHUP)
        self.lb.wait_err(r"reload \(SIGHUP\): 1 change applied", timeout=5, start=mark)
        self.assertEqual(self.whoami_tally(50), {"r1": 30, "r2": 10, "r3": 10})


if __name__ == "__main__":
    unittest.main(verbosity=2)
