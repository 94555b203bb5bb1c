"""Observability end to end: a REAL Prometheus scrapes mcplb's admin /metrics, `promtool check
metrics` accepts the exposition, and the admin API's drain / weight change routing.

mcplb is started with `admin: {listen: "127.0.0.1:0"}` in its config and must print
`mcplb admin listening on 127.0.0.1:PORT` next to its listener line. Until `mcplb run` starts the
admin listener itself, set ADMIN_E2E_SERVER to the `admin_e2e_server` test binary
(tests/unit/admin/e2e_server.cc): the same proxy::Server + AdminServer from the same config
(without the admin key), printing the same lines.

Prometheus and promtool come from the Debian `prometheus` package (scripts/install-deps.sh);
the tests that need them are skipped, saying so, when they are not installed.
"""

import json
import os
import shutil
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import harness as h

ADMIN_RE = r"mcplb admin listening on 127\.0\.0\.1:(\d+)"
PROM_DEADLINE = 45.0  # Prometheus start-up plus a few 1 s scrapes, on a loaded CI machine
NAMES = ["b1", "b2"]
WEIRD_TOOL = 'we"ird\\ tool\n\u00e9'
# Prometheus is on 127.0.0.1: never route these requests through an environment proxy.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def admin_e2e_server():
    """The stand-in binary when ADMIN_E2E_SERVER is set (see the module docstring)."""
    path = os.environ.get("ADMIN_E2E_SERVER")
    if not path:
        return None
    if not os.access(path, os.X_OK):
        raise AssertionError(f"ADMIN_E2E_SERVER={path} is not an executable file")
    return path


def http_json(port, method, target, body=None, headers=(), timeout=h.IO_TIMEOUT):
    """One request to 127.0.0.1:port; returns (status, parsed JSON body or raw text)."""
    with h.Conn(port, timeout=timeout) as c:
        hdrs = list(headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.append(("Content-Type", "application/json"))
        r = c.request(method, target, hdrs, data, host="127.0.0.1", timeout=timeout)
    try:
        return r.status, json.loads(r.body)
    except ValueError:
        return r.status, r.body.decode("utf-8", "replace")


class MetricsBase(h.E2ETestCase):
    def start_stack(self, policy="round_robin", workers=1, down_pool=False):
        """Demo servers b1, b2 in pool `mcp`; with down_pool, a second pool `down` (path
        /down) whose only backend d1 is a port nothing listens on: mcplb answers 502 there."""
        self.demos = {n: self.start_demo(n) for n in NAMES}
        cfg = h.config_yaml([(n, p) for n, (_, p) in self.demos.items()], workers=workers,
                            policy=policy)
        if down_pool:
            cfg = cfg.replace("pools:\n", "pools:\n"
                              f'  down:\n    backends: [{{name: d1, address: "127.0.0.1:'
                              f'{h.dead_port()}"}}]\n', 1)
            cfg += ("routes:\n"
                    "  - {match: {path_prefix: /down}, pool: down}\n"
                    "  - {match: {path_prefix: /}, pool: mcp}\n")
        alt = admin_e2e_server()
        if alt:
            path = self.write_file("mcplb.yaml", cfg)
            self.lb = self.spawn([alt, path], "admin-e2e-server")
        else:
            path = self.write_file("mcplb.yaml", cfg + 'admin: {listen: "127.0.0.1:0"}\n')
            self.lb = self.spawn([h.mcplb_bin(), "run", "-c", path], "mcplb")
        m, _ = self.lb.wait_line(h.LISTEN_RE)
        self.port = int(m.group(1))
        m, _ = self.lb.wait_line(ADMIN_RE)
        self.admin = int(m.group(1))
        self.assertNotEqual(self.admin, 0)

    def calls(self, n, conns=1):
        """n whoami calls spread over `conns` connections; returns {backend: count}."""
        tally = {}
        per = [n // conns + (1 if i < n % conns else 0) for i in range(conns)]
        req_id = 0
        for k in per:
            with h.Conn(self.port) as c:
                for _ in range(k):
                    req_id += 1
                    name, hdr = h.whoami(c, req_id)
                    self.assertEqual(name, hdr)
                    tally[name] = tally.get(name, 0) + 1
        return tally

    def weird_call(self):
        """One tools/call whose client-chosen tool name (WEIRD_TOOL) holds every character the
        exposition must escape, plus UTF-8: one bad label would make Prometheus reject the
        whole scrape. The demo answers with an error; mcplb counts the call anyway."""
        with h.Conn(self.port) as c:
            body = json.dumps({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                               "params": {"name": WEIRD_TOOL, "arguments": {}}}).encode()
            r = c.request("POST", "/mcp", [("Content-Type", "application/json"),
                                           ("Accept", "application/json, text/event-stream"),
                                           ("MCP-Protocol-Version", h.SESSION_VERSION)], body)
        served = r.header("x-backend-name")
        self.assertIn(served, NAMES, r)
        return served

    def down_calls(self, n):
        """n requests to the pool whose backend is down: each a 5xx written by mcplb."""
        for i in range(n):
            with h.Conn(self.port) as c:
                c.send(h.whoami_request(i + 1).replace(b"POST /mcp ", b"POST /down/mcp ", 1))
                r = c.read_response("POST")
            self.assertIn(r.status, (502, 503), r)
            h.assert_mcplb_error(self, r, r.status, r.json()["error"]["code"])

    def metrics_text(self):
        with h.Conn(self.admin) as c:
            r = c.request("GET", "/metrics", host="127.0.0.1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8")
        return r.body.decode("utf-8")


def sample(text, name, **labels):
    """The value of one sample in exposition text (labels matched exactly), or None."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{want}}} " if labels else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix):])
    return None


class PromtoolCheck(MetricsBase):
    def test_promtool_accepts_the_exposition(self):
        promtool = shutil.which("promtool")
        if not promtool:
            raise unittest.SkipTest("promtool not installed (Debian package prometheus; "
                                    "scripts/install-deps.sh installs it)")
        self.start_stack(down_pool=True)
        self.calls(6)
        self.weird_call()
        self.down_calls(2)
        text = self.metrics_text()
        self.assertIn('mcplb_mcp_tool_calls_total{tool="we\\"ird\\\\ tool\\n\u00e9"} 1\n',
                      text)
        self.assertEqual(sample(text, "mcplb_mcp_tool_calls_total", tool="whoami"), 8)
        self.assertEqual(sample(text, "mcplb_mcp_requests_total", method="tools/call"), 9)
        self.assertEqual(sample(text, "mcplb_backend_requests_total", pool="mcp", backend="b1") +
                         sample(text, "mcplb_backend_requests_total", pool="mcp", backend="b2"), 7)
        self.assertGreater(sample(text, "mcplb_process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(sample(text, "mcplb_process_open_fds"), 3)
        # The request families: responses by class and origin, one histogram per backend.
        # (The demo answers the weird tool's call with a 4xx.)
        by_class = {cls: sum(sample(text, "mcplb_responses_total", pool="mcp", backend=b, **{
            "class": cls, "origin": "backend"}) or 0 for b in NAMES) for cls in ("2xx", "4xx")}
        self.assertEqual(by_class, {"2xx": 6, "4xx": 1}, text)
        self.assertEqual(sample(text, "mcplb_responses_total", pool="down", backend="", **{
            "class": "5xx", "origin": "mcplb"}), 2, text)
        for b in NAMES:
            self.assertIsNotNone(sample(text, "mcplb_request_duration_seconds_bucket", pool="mcp",
                                        backend=b, le="+Inf"), text)
        self.assertEqual(sample(text, "mcplb_request_duration_seconds_count", pool="down",
                                backend="d1"), 0)
        self.assertEqual(sample(text, "mcplb_mcp_request_duration_seconds_count",
                                method="tools/call"), 9)
        self.assertIn("# TYPE mcplb_request_duration_seconds histogram\n", text)
        self.assertIn("# TYPE mcplb_backend_ejections_total counter\n", text)
        self.assertEqual(sample(text, "mcplb_retries_total", pool="mcp", backend="b1"), 0)
        p = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, f"promtool check metrics failed:\n{out}")
        self.assertEqual(out.strip(), "", f"promtool lint findings:\n{out}")
        print(f"\npromtool check metrics: OK ({len(text.splitlines())} lines)")


class PrometheusScrape(MetricsBase):
    def start_prometheus(self):
        prom = shutil.which("prometheus")
        if not prom:
            raise unittest.SkipTest("prometheus not installed (Debian package prometheus; "
                                    "scripts/install-deps.sh installs it)")
        self.prom_port = h.free_port()
        data = os.path.join(self.tmp, "prom-data")
        os.mkdir(data)
        cfg = self.write_file("prometheus.yml", (
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "scrape_configs:\n"
            "  - job_name: mcplb\n"
            "    static_configs:\n"
            f"      - targets: ['127.0.0.1:{self.admin}']\n"))
        self.prom = self.spawn([
            prom, f"--config.file={cfg}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{self.prom_port}",
            "--storage.tsdb.retention.time=1h", "--log.level=warn"], "prometheus")
        h.wait_until(self.prom_ready, PROM_DEADLINE, interval=0.2, what="prometheus /-/ready")

    def prom_ready(self):
        try:
            with LOCAL.open(f"http://127.0.0.1:{self.prom_port}/-/ready",
                                        timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            if self.prom.p.poll() is not None:
                raise AssertionError(f"prometheus exited\n{self.prom.describe()}")
            return False

    def query(self, expr):
        """Instant query; returns {frozenset(labels.items()): float}."""
        url = (f"http://127.0.0.1:{self.prom_port}/api/v1/query?"
               + urllib.parse.urlencode({"query": expr}))
        with LOCAL.open(url, timeout=5) as r:
            doc = json.loads(r.read())
        self.assertEqual(doc.get("status"), "success", doc)
        out = {}
        for s in doc["data"]["result"]:
            labels = dict(s["metric"])
            labels.pop("__name__", None)
            out[frozenset(labels.items())] = float(s["value"][1])
        return out

    def value(self, expr, **labels):
        for k, v in self.query(expr).items():
            if all((name, val) in k for name, val in labels.items()):
                return v
        return None

    def wait_for_values(self, want, what):
        """Poll until every (expr, labels, value) in `want` holds; returns the seconds taken."""
        t0 = time.monotonic()
        last = {}

        def ok():
            good = True
            for expr, labels, v in want:
                got = self.value(expr, **labels)
                last[(expr, tuple(sorted(labels.items())))] = got
                good = good and got == v
            return good

        try:
            h.wait_until(ok, PROM_DEADLINE, interval=0.25, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast values: {last}\n{self.prom.describe()}")
        return time.monotonic() - t0

    def test_prometheus_scrapes_backend_counters(self):
        self.start_stack(workers=2)
        self.start_prometheus()
        # up == 1 first: the target is scraped before any traffic, so the counters below are
        # seen moving from their first values (0) to the final ones.
        took = self.wait_for_values([("up", {"job": "mcplb"}, 1.0)], "up{job=mcplb} == 1")
        print(f"\nprometheus: first successful scrape after {took:.1f}s")
        n = 40
        tally = self.calls(n, conns=4)
        self.assertEqual(sum(tally.values()), n)
        self.assertEqual(set(tally), set(NAMES), f"both backends should serve: {tally}")
        served = self.weird_call()  # Prometheus must still parse every scrape (up stays 1)
        tally[served] += 1
        want = [("up", {"job": "mcplb"}, 1.0),
                ("mcplb_mcp_tool_calls_total", {"tool": "whoami"}, float(n)),
                ("mcplb_mcp_tool_calls_total", {"tool": WEIRD_TOOL}, 1.0),
                ("mcplb_mcp_requests_total", {"method": "tools/call"}, float(n + 1)),
                ("sum(mcplb_backend_requests_total)", {}, float(n + 1))]
        for name in NAMES:
            want.append(("mcplb_backend_requests_total", {"pool": "mcp", "backend": name},
                         float(tally[name])))
            want.append(("mcplb_backend_up", {"pool": "mcp", "backend": name}, 1.0))
            want.append(("mcplb_backend_failures_total", {"pool": "mcp", "backend": name}, 0.0))
        took = self.wait_for_values(want, "prometheus to see the request counts")
        per_backend = {n_: self.value("mcplb_backend_requests_total", backend=n_) for n_ in NAMES}
        print(f"prometheus: mcplb_backend_requests_total {per_backend} == sent {tally} "
              f"(visible {took:.1f}s after the last request)")
        # The exposition carries the process metrics too, and Prometheus parsed them.
        self.assertGreater(self.value("mcplb_process_resident_memory_bytes"), 1 << 20)
        self.assertEqual(self.value("mcplb_workers"), 2.0)

        # A drain through the admin API shows up as a state change in Prometheus.
        st, body = http_json(self.admin, "POST", "/admin/pools/mcp/backends/b2/drain")
        self.assertEqual(st, 200, body)
        self.wait_for_values([
            ("mcplb_backend_state", {"backend": "b2", "state": "draining"}, 1.0),
            ("mcplb_backend_up", {"backend": "b2"}, 0.0),
            ("mcplb_pool_ready_backends", {"pool": "mcp"}, 1.0)], "draining b2 in prometheus")


    def wait_for(self, what, pred):
        """Poll pred() (None/False = not yet) against Prometheus; returns its last value."""
        last = {}

        def ok():
            last["v"] = pred()
            return last["v"]

        try:
            return h.wait_until(ok, PROM_DEADLINE, interval=0.25, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast value: {last.get('v')}\n{self.prom.describe()}")

    def test_prometheus_request_histograms_and_responses(self):
        self.start_stack(workers=2, down_pool=True)
        self.start_prometheus()
        self.wait_for_values([("up", {"job": "mcplb"}, 1.0)], "up{job=mcplb} == 1")
        # The histograms exist (zeros) before any traffic, so rate() sees them start at 0.
        self.wait_for("the empty histograms in prometheus",
                      lambda: len(self.query('mcplb_request_duration_seconds_count{pool="mcp"}'))
                      == len(NAMES))
        n, k = 60, 3
        tally = self.calls(n, conns=4)
        self.assertEqual(set(tally), set(NAMES), tally)
        self.down_calls(k)

        # Exact counts: every request driven is one response, by backend, class and origin.
        want = [("sum(mcplb_responses_total)", {}, float(n + k)),
                ('sum(mcplb_responses_total{pool="down",class="5xx",origin="mcplb"})', {},
                 float(k)),
                ('sum(mcplb_request_duration_seconds_count{pool="mcp"})', {}, float(n)),
                ('mcplb_mcp_request_duration_seconds_count{method="tools/call"}', {},
                 float(n + k))]
        for b in NAMES:
            want.append(("mcplb_responses_total",
                         {"pool": "mcp", "backend": b, "class": "2xx", "origin": "backend"},
                         float(tally[b])))
        took = self.wait_for_values(want, "prometheus to see the response counts")
        print(f"\nprometheus: mcplb_responses_total == driven ({n} ok {tally}, {k} mcplb 5xx), "
              f"visible {took:.1f}s after the last request")

        # A p99 from the buckets, as a dashboard would compute it.
        p99_expr = ("histogram_quantile(0.99, sum by (le) "
                    '(rate(mcplb_request_duration_seconds_bucket{pool="mcp"}[1m])))')

        def p99():
            v = self.value(p99_expr)
            return v if v is not None and v == v and v > 0 else None  # NaN until rates exist

        p = self.wait_for("a p99 from mcplb_request_duration_seconds_bucket", p99)
        self.assertLessEqual(p, 1.0, "p99 of local whoami calls should be well under 1 s")
        by_backend = self.wait_for(
            "per-backend request rates",
            lambda: (lambda q: q if len(q) == len(NAMES) and all(v > 0 for v in q.values())
                     else None)(self.query(
                         'sum by (backend) (rate(mcplb_request_duration_seconds_count'
                         '{pool="mcp"}[1m]))')))
        rates = {dict(k_)["backend"]: round(v, 3) for k_, v in by_backend.items()}
        mcp_p99 = self.wait_for("a p99 by MCP method", lambda: (lambda v: v if v and v == v
                                                                 else None)(self.value(
            "histogram_quantile(0.99, sum by (le) (rate(mcplb_mcp_request_duration_seconds_bucket"
            '{method="tools/call"}[1m])))')))
        print(f"prometheus: p99 pool mcp = {p * 1000:.2f} ms, tools/call p99 = "
              f"{mcp_p99 * 1000:.2f} ms, rate by backend (req/s) = {rates}")


class AdminApi(MetricsBase):
    def test_drain_and_weight_change_routing(self):
        self.start_stack(policy="weighted_round_robin", workers=1)
        st, backends = http_json(self.admin, "GET", "/admin/backends")
        self.assertEqual(st, 200, backends)
        self.assertEqual([b["backend"] for b in backends], NAMES)
        self.assertTrue(all(b["state"] == "healthy" and b["ready"] for b in backends), backends)

        # Drain b2: new requests all go to b1.
        st, b = http_json(self.admin, "POST", "/admin/pools/mcp/backends/b2/drain")
        self.assertEqual((st, b["state"]), (200, "draining"), b)
        mark = self.lb.err_mark()
        self.assertEqual(self.calls(20, conns=2), {"b1": 20})
        st, b = http_json(self.admin, "POST", "/admin/pools/mcp/backends/b2/undrain")
        self.assertEqual((st, b["state"]), (200, "healthy"), b)
        self.lb.wait_err(r"admin: backend b2 pool mcp: draining -> healthy", start=mark)
        tally = self.calls(20, conns=1)
        self.assertTrue(8 <= tally.get("b2", 0) <= 12, f"b2 should be back in rotation: {tally}")

        # Weight 3:1 shifts traffic to b1.
        st, b = http_json(self.admin, "PUT", "/admin/pools/mcp/backends/b1/weight", {"weight": 3})
        self.assertEqual((st, b["weight"]), (200, 3), b)
        tally = self.calls(40, conns=1)
        self.assertGreaterEqual(tally.get("b1", 0), 28, tally)
        self.assertLessEqual(tally.get("b1", 0), 32, tally)
        print(f"\nadmin: weight b1=3 b2=1 -> {tally}")

        # The counters the API reports match what was sent.
        st, backends = http_json(self.admin, "GET", "/admin/backends")
        self.assertEqual(sum(b["requests"] for b in backends), 80)
        st, b = http_json(self.admin, "PUT", "/admin/pools/mcp/backends/b1/weight", {"weight": 0})
        self.assertEqual(st, 400, b)
        st, b = http_json(self.admin, "POST", "/admin/pools/mcp/backends/nope/drain")
        self.assertEqual(st, 404, b)


if __name__ == "__main__":
    unittest.main(verbosity=2)
