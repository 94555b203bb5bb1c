"""The monitoring files in deploy/ are valid and match what mcplb really exports.

- `promtool check rules` / `check config` accept deploy/prometheus/*, and
  `promtool test rules deploy/prometheus/alerts_test.yml` passes (synthetic series: the alerts
  fire when they should and stay quiet when the pool is healthy).
- The Grafana dashboard (deploy/grafana/mcplb-dashboard.json) is well formed: unique panel ids,
  no overlapping gridPos, every query on the templated `${DS_PROMETHEUS}` datasource.
- Every metric name and label used by the dashboard and the rules is one a real mcplb exports:
  a real mcplb (with active health checks, two demo backends and a few calls) is scraped, and
  each name (less _bucket/_sum/_count for histograms) must be in its /metrics, be a recording
  rule of deploy/prometheus/recording.yml, or be listed in PENDING below.
- A real Prometheus runs the deploy config (target, intervals and paths adjusted) against that
  mcplb: every rule evaluates without error, every dashboard query parses, the queries on
  metrics mcplb already exports return data, and killing the backends makes McplbBackendDown and
  then McplbNoHealthyBackends go pending.

promtool and prometheus come from the Debian `prometheus` package (scripts/install-deps.sh);
the tests that need them are skipped, saying so, when they are not installed. The rules files
are read with a small line parser (stdlib only): keep `expr:` on one line or as a `|` block.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request

import harness as h

DEPLOY = os.path.join(h.REPO, "deploy")
PROM_DIR = os.path.join(DEPLOY, "prometheus")
ALERTS = os.path.join(PROM_DIR, "alerts.yml")
RECORDING = os.path.join(PROM_DIR, "recording.yml")
PROM_CONFIG = os.path.join(PROM_DIR, "prometheus.yml")
ALERTS_TEST = os.path.join(PROM_DIR, "alerts_test.yml")
DASHBOARD = os.path.join(DEPLOY, "grafana", "mcplb-dashboard.json")

ADMIN_RE = r"mcplb admin listening on 127\.0\.0\.1:(\d+)"
PROM_DEADLINE = 45.0
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never an env proxy

# ---------------------------------------------------------------------------------------------
# PENDING: metric families the dashboard and rules use that mcplb does not export yet (being
# added in parallel). name -> (type, label names). Once a family shows up in /metrics, the test
# prints "PENDING ... now exported" and checks the labels match: then delete its entry here.
PENDING = {}  # every family the dashboard and rules use is exported now
# ---------------------------------------------------------------------------------------------

# Series Prometheus makes itself, and labels it adds to every scraped series.
BUILTIN = {"up": ("gauge", set())}
TARGET_LABELS = {"job", "instance"}
GRAFANA_BUILTIN_VARS = {"__rate_interval", "__interval", "__range", "__interval_ms"}
ALERT_NAMES = {"McplbDown", "McplbBackendDown", "McplbNoHealthyBackends", "McplbHigh5xxRate",
               "McplbHighP99Latency", "McplbBackendEjected", "McplbFailovers"}
HIST_SUFFIXES = ("_bucket", "_sum", "_count")


def promtool():
    p = shutil.which("promtool")
    if not p:
        raise unittest.SkipTest("promtool not installed (Debian package prometheus; "
                                "scripts/install-deps.sh installs it)")
    return p


# ---------------------------------------------------------------------------------------------
# reading the files


def rule_entries(path):
    """[(kind, name, expr, block_text)] for every `- record:` / `- alert:` of a rules file
    written in this repo's style (expr on one line, or a `|`/`>` block scalar)."""
    with open(path) as f:
        lines = f.read().splitlines()
    starts = [i for i, ln in enumerate(lines) if re.match(r"^\s*- (record|alert):", ln)]
    out = []
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        block = lines[i:end]
        kind, name = re.match(r"^\s*- (record|alert):\s*(\S+)\s*$", block[0]).groups()
        expr = None
        for j, ln in enumerate(block):
            m = re.match(r"^(\s*)expr:\s*(.*?)\s*$", ln)
            if not m:
                continue
            indent, rest = len(m.group(1)), m.group(2)
            if rest in ("|", "|-", ">", ">-"):
                body = []
                for ln2 in block[j + 1:]:
                    if ln2.strip() and len(ln2) - len(ln2.lstrip()) <= indent:
                        break
                    body.append(ln2.strip())
                expr = "\n".join(body).strip()
            else:
                if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"":
                    rest = rest[1:-1]
                expr = rest
            break
        assert expr, f"{path}: {kind} {name}: no expr found"
        out.append((kind, name, expr, "\n".join(block)))
    return out


def dashboard():
    with open(DASHBOARD) as f:
        return json.load(f)


def dashboard_queries(d):
    """[(where, expr, legendFormat)] for every panel target and query variable."""
    out = []
    for p in d["panels"]:
        for t in p.get("targets", []):
            out.append((f"panel {p['id']} {p['title']!r} {t.get('refId')}", t.get("expr", ""),
                        t.get("legendFormat", "")))
    for v in d["templating"]["list"]:
        if v.get("type") == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", q)
            assert m, f"variable {v['name']}: expected label_values(selector, label), got {q!r}"
            out.append((f"variable {v['name']}", m.group(1), "{{" + m.group(2) + "}}"))
    return out


def grafana_to_promql(expr):
    """A dashboard expression with the Grafana variables filled in, as Prometheus gets it."""
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "15s")
    return re.sub(r"\$\{?(\w+)\}?", ".*", expr)  # $pool, $backend: "All"


# ---------------------------------------------------------------------------------------------
# a small PromQL scanner: enough to pull out metric names and label names


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)?\s*\{([^}]*)\}")
_IDENT = re.compile(r"(?<![\w:.$])([A-Za-z_:][\w:]*)")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
             "or", "unless", "offset", "inf", "nan", "atan2"}


def scan_promql(expr):
    """(selectors, grouping labels): selectors is [(metric name, {matcher label names})]."""
    s = _STRING.sub('""', expr)
    grouping = set()
    for m in _GROUPING.finditer(s):
        grouping |= {x.strip() for x in m.group(2).split(",") if x.strip()}
    s = _GROUPING.sub(" ", s)  # `sum by (a) (x)` -> `sum (x)`: sum stays a function
    s = re.sub(r"\[[^\]]*\]", " ", s)
    selectors = []

    def sel(m):
        labels = set(re.findall(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)", m.group(2)))
        name = m.group(1)
        if name is None or name in _KEYWORDS:  # `on (x) {..}` cannot happen; `{__name__=..}`
            raise AssertionError(f"selector without a metric name in {expr!r}")
        selectors.append((name, labels))
        return " "

    s = _SELECTOR.sub(sel, s)
    for m in _IDENT.finditer(s):
        name = m.group(1)
        if name in _KEYWORDS or re.match(r"\s*\(", s[m.end():]):
            continue  # keyword, or a function / aggregation
        selectors.append((name, set()))
    return selectors, grouping


def parse_exposition(text):
    """{family: (type, {label names})} from Prometheus text; sample label names come from the
    samples (histogram/summary `le`/`quantile` left out of the family's own set)."""
    types = {}
    labels = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ.strip()
            labels.setdefault(name, set())
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([A-Za-z_:][\w:]*)", line)
        name, rest = m.group(1), line[m.end():]
        names = set()
        if rest.startswith("{"):
            i = 1
            while rest[i] != "}":
                lm = re.match(r"\s*([A-Za-z_]\w*)=\"", rest[i:])
                assert lm, f"bad sample line {line!r}"
                names.add(lm.group(1))
                i += lm.end()
                while rest[i] != '"':
                    i += 2 if rest[i] == "\\" else 1
                i += 1
                if rest[i] == ",":
                    i += 1
        fam = name
        if fam not in types:
            for suf in HIST_SUFFIXES:
                if name.endswith(suf) and name[:-len(suf)] in types:
                    fam = name[:-len(suf)]
        labels.setdefault(fam, set()).update(names - {"le", "quantile"})
    return {f: (types.get(f, "untyped"), labels[f]) for f in labels}


class Catalog:
    """Metric names the queries may use, with their label names."""

    def __init__(self, live):
        self.families = dict(BUILTIN)
        self.notes = []
        for name, (typ, labels) in PENDING.items():
            if name in live:
                ltyp, llabels = live[name]
                self.notes.append(f"PENDING {name} is now exported by mcplb ({ltyp} "
                                  f"{sorted(llabels)}): remove it from PENDING")
                if ltyp != typ or not labels <= llabels:
                    raise AssertionError(f"{name}: the dashboard and rules expect {typ} with "
                                         f"labels {sorted(labels)}, mcplb exports {ltyp} "
                                         f"with {sorted(llabels)}")
            else:
                self.families[name] = (typ, labels)
        self.families.update(live)
        self.recorded = {}  # recording rule name -> labels
        self.record_deps = {}  # recording rule name -> metric families it reads (transitively)
        for kind, name, expr, _ in rule_entries(RECORDING):
            sels, _ = scan_promql(expr)
            self.recorded[name] = self.output_labels(expr, sels)
            deps = set()
            for n, _ in sels:
                deps |= self.record_deps.get(n, {self.family_of(n) or n})
            self.record_deps[name] = deps

    def output_labels(self, expr, sels):
        """Labels of a recording rule's result: the leading aggregation's `by` list, else the
        first series' labels (`a / on (x) group_left b` keeps a's); histogram_quantile drops le."""
        m = re.match(r"\s*(histogram_quantile\(\s*[\d.]+\s*,\s*)?(sum|max|min|avg|count)"
                     r"\s+by\s*\(([^)]*)\)", expr)
        if m:
            labels = {x.strip() for x in m.group(3).split(",") if x.strip()}
        else:
            labels = set(self.labels_of(sels[0][0]) or ())
        if expr.lstrip().startswith("histogram_quantile"):
            labels.discard("le")
        return labels

    def family_of(self, name):
        if name in self.families:
            return name
        for suf in HIST_SUFFIXES:
            base = name[:-len(suf)] if name.endswith(suf) else None
            if base and self.families.get(base, ("",))[0] in ("histogram", "summary"):
                return base
        return None

    def labels_of(self, name):
        """Label names a selector of `name` can match, or None for an unknown name."""
        if name in self.recorded:
            return set(self.recorded[name])
        fam = self.family_of(name)
        if fam is None:
            return None
        labels = set(self.families[fam][1]) | TARGET_LABELS
        if name == fam + "_bucket":
            labels.add("le")
        return labels

    def check(self, where, expr, legend=""):
        """Problems with one expression (list of strings)."""
        problems = []
        sels, grouping = scan_promql(expr)
        if not sels:
            problems.append(f"{where}: no metric name in {expr!r}")
        available = set()
        for name, matchers in sels:
            labels = self.labels_of(name)
            if labels is None:
                problems.append(f"{where}: {name} is not exported by mcplb, not a recording "
                                f"rule and not in PENDING")
                continue
            available |= labels
            if not matchers <= labels:
                problems.append(f"{where}: {name} has no label(s) {sorted(matchers - labels)} "
                                f"(it has {sorted(labels)})")
        if sels and available and not grouping <= available:
            problems.append(f"{where}: grouping by {sorted(grouping - available)}, which none "
                            f"of {sorted({n for n, _ in sels})} has")
        legend_labels = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", legend))
        if available and not legend_labels <= (available | grouping):
            problems.append(f"{where}: legend uses {sorted(legend_labels - available)}, "
                            f"which the query does not return")
        return problems

    def uses(self, expr):
        """Metric families an expression reads, through recording rules."""
        out = set()
        for name, _ in scan_promql(expr)[0]:
            out |= self.record_deps.get(name, {self.family_of(name) or name})
        return out


def all_queries():
    """[(where, expr, legend)] from the dashboard and both rules files."""
    out = dashboard_queries(dashboard())
    for path in (ALERTS, RECORDING):
        for kind, name, expr, _ in rule_entries(path):
            out.append((f"{os.path.basename(path)} {kind} {name}", expr, ""))
    return out


# ---------------------------------------------------------------------------------------------
# tests that need no mcplb


class Promtool(unittest.TestCase):
    def run_promtool(self, *args):
        p = subprocess.run([promtool(), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60, cwd=h.REPO)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, f"promtool {' '.join(args)} failed:\n{out}")
        return out

    def test_check_rules(self):
        out = self.run_promtool("check", "rules", "deploy/prometheus/alerts.yml",
                                "deploy/prometheus/recording.yml")
        self.assertEqual(out.count("SUCCESS"), 2, out)
        n_alerts = len(rule_entries(ALERTS))
        n_rec = len(rule_entries(RECORDING))
        # promtool's rule counts match what the line parser here sees: nothing it misses.
        self.assertIn(f"SUCCESS: {n_alerts} rules found", out)
        self.assertIn(f"SUCCESS: {n_rec} rules found", out)
        print(f"\npromtool check rules: {n_alerts} alerts, {n_rec} recording rules")

    def test_check_config(self):
        # Run from another directory: the config's rule_files are relative to the config file.
        p = subprocess.run([promtool(), "check", "config", PROM_CONFIG], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60, cwd="/")
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, f"promtool check config failed:\n{out}")
        self.assertIn("SUCCESS: 2 rule files found", out)

    def test_alert_unit_tests(self):
        out = self.run_promtool("test", "rules", "deploy/prometheus/alerts_test.yml")
        self.assertIn("SUCCESS", out)
        with open(ALERTS_TEST) as f:
            test_text = f.read()
        for name in ("McplbBackendDown", "McplbNoHealthyBackends"):
            self.assertIn(f"alertname: {name}", test_text)


class RulesAndDashboardShape(unittest.TestCase):
    def test_alerts_have_for_severity_and_annotations(self):
        entries = rule_entries(ALERTS)
        self.assertEqual({n for k, n, _, _ in entries if k == "alert"}, ALERT_NAMES)
        for kind, name, expr, block in entries:
            for key in ("for:", "severity:", "summary:", "description:"):
                self.assertIn(key, block, f"alert {name} has no {key}")
            self.assertRegex(block, r"severity: (critical|warning|info)\b", name)

    def test_dashboard_json(self):
        d = dashboard()
        self.assertGreaterEqual(d["schemaVersion"], 36)
        self.assertTrue(d.get("uid") and d.get("title"))
        variables = {v["name"]: v for v in d["templating"]["list"]}
        ds = variables.get("DS_PROMETHEUS")
        self.assertIsNotNone(ds, "no DS_PROMETHEUS variable")
        self.assertEqual((ds["type"], ds["query"]), ("datasource", "prometheus"))
        want_ds = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
        for name in ("pool", "backend"):
            self.assertIn(name, variables)
            self.assertEqual(variables[name]["type"], "query")
            self.assertEqual(variables[name]["datasource"], want_ds)

        ids = [p["id"] for p in d["panels"]]
        self.assertEqual(len(ids), len(set(ids)), f"duplicate panel ids: {ids}")
        rects = []
        for p in d["panels"]:
            gp = p["gridPos"]
            what = f"panel {p['id']} {p['title']!r}"
            for k in ("h", "w", "x", "y"):
                self.assertIsInstance(gp.get(k), int, f"{what}: gridPos.{k}")
            self.assertTrue(gp["x"] >= 0 and gp["y"] >= 0 and gp["w"] > 0 and gp["h"] > 0
                            and gp["x"] + gp["w"] <= 24, f"{what}: bad gridPos {gp}")
            for other, ogp in rects:
                overlap = (gp["x"] < ogp["x"] + ogp["w"] and ogp["x"] < gp["x"] + gp["w"] and
                           gp["y"] < ogp["y"] + ogp["h"] and ogp["y"] < gp["y"] + gp["h"])
                self.assertFalse(overlap, f"{what} {gp} overlaps {other} {ogp}")
            rects.append((what, gp))
            if p["type"] == "row":
                self.assertEqual((gp["w"], gp["h"], gp["x"]), (24, 1, 0), what)
                continue
            self.assertEqual(p.get("datasource"), want_ds, what)
            self.assertTrue(p.get("targets"), f"{what}: no targets")
            refs = [t["refId"] for t in p["targets"]]
            self.assertEqual(len(refs), len(set(refs)), f"{what}: duplicate refIds")
            for t in p["targets"]:
                self.assertEqual(t.get("datasource"), want_ds, what)
                self.assertTrue(t.get("expr", "").strip(), f"{what}: empty expr")
                for var in re.findall(r"\$\{?(\w+)\}?", t["expr"]):
                    self.assertTrue(var in variables or var in GRAFANA_BUILTIN_VARS,
                                    f"{what}: unknown variable ${var}")

    def test_dashboard_answers_the_questions(self):
        """The panels cover the seed questions, and recorded series they read exist."""
        cat = Catalog({})  # no live names: PENDING and BUILTIN plus recording rules
        used = set()
        for where, expr, _ in dashboard_queries(dashboard()):
            for name, _ in scan_promql(expr)[0]:
                if ":" in name:
                    self.assertIn(name, cat.recorded, f"{where}: {name} is not a recording "
                                  "rule of deploy/prometheus/recording.yml")
            used |= cat.uses(expr)
        # Offline, histograms are known only by their series names: name the family.
        used |= {n[:-len(suf)] for n in used for suf in HIST_SUFFIXES if n.endswith(suf)}
        for fam in ("mcplb_backend_requests_total",  # distribution
                    "mcplb_backend_connections", "mcplb_backend_streams",
                    "mcplb_backend_sessions",  # connections per server
                    "mcplb_backend_state", "mcplb_backend_up",
                    "mcplb_health_probe_failures_total",
                    "mcplb_backend_ejections_total",  # health checks
                    "mcplb_request_duration_seconds",
                    "mcplb_mcp_request_duration_seconds",  # p95/p99
                    "mcplb_responses_total",  # 5xx by origin
                    "mcplb_retries_total", "mcplb_failovers_total"):
            self.assertIn(fam, used, f"no dashboard panel reads {fam}")


# ---------------------------------------------------------------------------------------------
# against a real mcplb (and a real Prometheus)


def active_health():
    return ("    health:\n"
            "      active: {type: http, path: /healthz, interval: 300ms, timeout: 150ms, "
            "fast_recheck: 50ms, unhealthy_threshold: 2, healthy_threshold: 2}\n")


class LiveMetrics(h.E2ETestCase):
    NAMES = ["b1", "b2"]

    def start_stack(self):
        self.demos = {n: self.start_demo(n) for n in self.NAMES}
        cfg = h.config_yaml([(n, p) for n, (_, p) in self.demos.items()], workers=2,
                            policy="round_robin", pool_extra=active_health())
        path = self.write_file("mcplb.yaml", cfg + 'admin: {listen: "127.0.0.1:0"}\n')
        self.lb = self.spawn([h.mcplb_bin(), "run", "-c", path], "mcplb")
        m, _ = self.lb.wait_line(h.LISTEN_RE)
        self.port = int(m.group(1))
        m, _ = self.lb.wait_line(ADMIN_RE)
        self.admin = int(m.group(1))

    def calls(self, n):
        with h.Conn(self.port) as c:
            for i in range(n):
                name, hdr = h.whoami(c, i + 1)
                self.assertEqual(name, hdr)

    def scrape(self):
        with h.Conn(self.admin) as c:
            r = c.request("GET", "/metrics", host="127.0.0.1")
        self.assertEqual(r.status, 200, r)
        return r.body.decode("utf-8")

    def live_catalog(self):
        # The health families come with the active checker (health.active in the config).
        def with_health():
            t = self.scrape()
            return t if "mcplb_health_probes_total{" in t else None
        text = h.wait_until(with_health, 10, interval=0.1, what="health probe metrics")
        live = parse_exposition(text)
        self.assertIn("mcplb_backend_requests_total", live)
        cat = Catalog(live)
        for note in cat.notes:
            print(f"\n{note}")
        return cat, live

    def test_dashboard_and_rules_use_exported_names(self):
        self.start_stack()
        self.calls(6)
        cat, live = self.live_catalog()
        problems = []
        queries = all_queries()
        for where, expr, legend in queries:
            problems += cat.check(where, expr, legend)
        self.assertFalse(problems, "\n".join(problems))
        used = set()
        for _, expr, _ in queries:
            used |= cat.uses(expr)
        pending = sorted(used & set(PENDING) - set(live))
        print(f"\n{len(queries)} queries checked against {len(live)} families mcplb exports; "
              f"still PENDING (not exported yet): {pending}")

    def test_real_prometheus_runs_the_deploy_config(self):
        prom = shutil.which("prometheus")
        if not prom:
            raise unittest.SkipTest("prometheus not installed (Debian package prometheus; "
                                    "scripts/install-deps.sh installs it)")
        self.start_stack()
        cat, live = self.live_catalog()
        self.start_prometheus(prom)
        self.wait_query('up{job="mcplb"} == 1', "first scrape of mcplb")
        self.calls(10)

        # Every rule evaluates without error (rules on PENDING families give empty results).
        def rules_ok():
            groups = self.api("rules")["groups"]
            rules = [r for g in groups for r in g["rules"]]
            if len(rules) != len(rule_entries(ALERTS)) + len(rule_entries(RECORDING)):
                return None
            bad = [(r["name"], r.get("lastError")) for r in rules if r.get("health") != "ok"]
            self.assertFalse(bad, f"rules failing in Prometheus: {bad}")
            # Never evaluated yet: lastEvaluation is Go's zero time.
            return all(not r.get("lastEvaluation", "0001").startswith("0001") for r in rules)
        h.wait_until(rules_ok, PROM_DEADLINE, interval=0.25, what="every rule evaluated")

        # Every dashboard query parses; those reading only exported families return data.
        waiting = []
        for where, expr, _ in dashboard_queries(dashboard()):
            if where.startswith("variable"):
                continue
            q = grafana_to_promql(expr)
            self.query(q)  # parses (status success) or fails here
            if not (cat.uses(expr) - set(live) - set(BUILTIN)):
                waiting.append((where, q))
        for where, q in waiting:
            h.wait_until(lambda: self.query(q), PROM_DEADLINE, interval=0.25,
                         what=f"data for {where}: {q}")
        # The shares of a pool add up to 1 (once a scrape after the calls went into the rule).
        def shares_sum_to_one():
            r = self.query('sum(pool_backend:mcplb_backend_requests:share5m{pool="mcp"})')
            return r and abs(float(r[0]["value"][1]) - 1.0) < 1e-6
        h.wait_until(shares_sum_to_one, PROM_DEADLINE, interval=0.25,
                     what="pool_backend:mcplb_backend_requests:share5m to sum to 1")
        print(f"\nprometheus: {len(waiting)} dashboard queries on exported metrics return data")

        # Kill b2: McplbBackendDown goes pending for it (for: 2m), the pool is still up.
        self.demos["b2"][0].signal(signal.SIGKILL)
        alert = self.wait_alert("McplbBackendDown", backend="b2")
        self.assertEqual((alert["state"], alert["labels"]["pool"], alert["labels"]["severity"],
                          alert["labels"]["job"]), ("pending", "mcp", "warning", "mcplb"))
        self.assertIn("(state: unhealthy)", alert["annotations"]["description"])
        self.assertFalse([a for a in self.api("alerts")["alerts"]
                          if a["labels"]["alertname"] in ("McplbNoHealthyBackends", "McplbDown")])
        # Kill b1 too: the pool has no backend left.
        self.demos["b1"][0].signal(signal.SIGKILL)
        alert = self.wait_alert("McplbNoHealthyBackends", pool="mcp")
        self.assertEqual(alert["labels"]["severity"], "critical")
        self.assertIn("None of the 2 backends of pool mcp", alert["annotations"]["description"])
        print("prometheus: McplbBackendDown and McplbNoHealthyBackends pending after the kills")

    # --- Prometheus helpers -------------------------------------------------------------------

    def start_prometheus(self, prom):
        """deploy/prometheus/* copied to a temp dir, prometheus.yml pointed at this mcplb with
        1s intervals; the rule files stay relative to it."""
        cfg_dir = os.path.join(self.tmp, "prom-cfg")
        os.mkdir(cfg_dir)
        for f in (ALERTS, RECORDING):
            shutil.copy(f, cfg_dir)
        with open(PROM_CONFIG) as f:
            text = f.read()
        for pattern, repl in [(r"(?m)^(\s*scrape_interval:) \S+", r"\1 1s"),
                              (r"(?m)^(\s*scrape_timeout:) \S+", r"\1 1s"),
                              (r"(?m)^(\s*evaluation_interval:) \S+", r"\1 1s"),
                              (r"'127\.0\.0\.1:9901'", f"'127.0.0.1:{self.admin}'")]:
            text, n = re.subn(pattern, repl, text)
            self.assertGreater(n, 0, f"{pattern} not found in {PROM_CONFIG}")
        cfg = os.path.join(cfg_dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(text)
        data = os.path.join(self.tmp, "prom-data")
        os.mkdir(data)
        self.prom_port = h.free_port()
        self.prom = self.spawn([
            prom, f"--config.file={cfg}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{self.prom_port}",
            "--storage.tsdb.retention.time=1h", "--log.level=warn"], "prometheus")
        h.wait_until(self.prom_ready, PROM_DEADLINE, interval=0.2, what="prometheus /-/ready")

    def prom_ready(self):
        try:
            with LOCAL.open(f"http://127.0.0.1:{self.prom_port}/-/ready", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            if self.prom.p.poll() is not None:
                raise AssertionError(f"prometheus exited\n{self.prom.describe()}")
            return False

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.prom_port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with LOCAL.open(url, timeout=5) as r:
                doc = json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise AssertionError(f"GET {url}: {e.code} {e.read()[:500]!r}")
        self.assertEqual(doc.get("status"), "success", doc)
        return doc["data"]

    def query(self, expr):
        return self.api("query", query=expr)["result"]

    def wait_query(self, expr, what):
        return h.wait_until(lambda: self.query(expr), PROM_DEADLINE, interval=0.25, what=what)

    def wait_alert(self, name, **labels):
        def find():
            for a in self.api("alerts")["alerts"]:
                lb = a["labels"]
                if lb.get("alertname") == name and all(lb.get(k) == v for k, v in labels.items()):
                    return a
            return None
        try:
            return h.wait_until(find, PROM_DEADLINE, interval=0.25, what=f"alert {name}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nalerts: {self.api('alerts')}\n{self.scrape()[:3000]}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
