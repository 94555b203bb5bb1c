#!/usr/bin/env python3
"""Prints the bench tables and the mcplb ratios from the raw TSV the bench scripts write.

  report.py http RAW.tsv [--mcplb STATE] [--title T]
  report.py sse  RAW.tsv [--mcplb STATE] [--title T]

Ratios compare mcplb with the BEST of nginx and HAProxy for each figure separately.
Exit status: 0 when every measured target was clean, 1 when any had errors or failed streams.
"""

import argparse
import csv
import math
import statistics
import sys

PROXIES = ("nginx", "haproxy")
NOISY_PCT = 10  # 'other%' above this flags a row measured while something else used the core


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(v):
    try:
        x = float(v)
    except (TypeError, ValueError):
        return math.nan
    return x


def median(rows, key):
    vals = [num(r[key]) for r in rows]
    vals = [v for v in vals if not math.isnan(v)]
    return statistics.median(vals) if vals else math.nan


def fmt(v, spec):
    return "-" if math.isnan(v) else format(v, spec)


def by_target(rows):
    out = {}
    for r in rows:
        out.setdefault(r["target"], []).append(r)
    return out


def ratio_line(label, figures, key, higher_is_better, unit_spec):
    """mcplb's figure over the best proxy's: 'rps 0.93x haproxy (higher is better)'."""
    base = {t: figures[t][key] for t in PROXIES if t in figures and not math.isnan(figures[t][key])}
    mine = figures.get("mcplb", {}).get(key, math.nan)
    if not base or math.isnan(mine):
        return f"  {label:<11} n/a"
    best = (max if higher_is_better else min)(base, key=base.get)
    r = mine / base[best] if base[best] else math.nan
    direction = "higher is better" if higher_is_better else "lower is better"
    verdict = ""
    if not math.isnan(r):
        good = r >= 1 if higher_is_better else r <= 1
        verdict = "  mcplb ahead" if good else "  mcplb behind"
        if abs(r - 1) < 0.03:
            verdict += " (within 3%: noise level)"
    return (f"  {label:<11} {fmt(r, '.3f')}x  (mcplb {fmt(mine, unit_spec)} vs {best} "
            f"{fmt(base[best], unit_spec)}; {direction}){verdict}")


def report_http(rows, mcplb_state, title):
    groups = by_target(rows)
    figures, bad, noisy = {}, [], []
    print(f"\n== {title}")
    print(f"{'target':<9}{'rps':>11}{'p50 ms':>9}{'p99 ms':>9}{'cpu µs/req':>12}"
          f"{'requests':>11}{'errors':>8}{'other%':>8}")
    for t in ("direct", "nginx", "haproxy", "mcplb"):
        if t not in groups:
            if t == "mcplb" and mcplb_state != "skipped":
                print(f"{t:<9}  {mcplb_state}")
            continue
        g = groups[t]
        f = {k: median(g, k) for k in ("rps", "p50_us", "p99_us", "cpu_us_per_req")}
        f["requests"] = sum(int(num(r["requests"])) for r in g)
        f["errors"] = sum(int(num(r["errors"])) for r in g)
        other = max((num(r.get("other_pct")) for r in g), default=math.nan)
        if other > NOISY_PCT:
            noisy.append(t)
        figures[t] = f
        if f["errors"] > 0 or f["requests"] == 0:
            bad.append(t)
        print(f"{t:<9}{fmt(f['rps'], '11.0f')}{fmt(f['p50_us'] / 1e3, '9.3f')}"
              f"{fmt(f['p99_us'] / 1e3, '9.3f')}{fmt(f['cpu_us_per_req'], '12.2f'):>12}"
              f"{f['requests']:>11}{f['errors']:>8}{fmt(other, '8.1f')}")
    if "mcplb" in groups and mcplb_state not in ("measured", "skipped"):
        print(f"mcplb: {mcplb_state}")
    rounds = max((len(g) for g in groups.values()), default=0)
    if rounds > 1:
        print(f"(medians of {rounds} interleaved rounds; requests and errors are totals)")
        for t, g in groups.items():
            print(f"  {t:<8} rps per round: " + " ".join(fmt(num(r["rps"]), ".0f") for r in g)
                  + " | cpu µs/req: " + " ".join(r["cpu_us_per_req"] for r in g))
    print("\nmcplb ÷ best of nginx/HAProxy (per figure):")
    if "mcplb" not in figures:
        print(f"  no mcplb figures (mcplb: {mcplb_state})")
    else:
        print(ratio_line("rps", figures, "rps", True, ".0f"))
        print(ratio_line("p50 µs", figures, "p50_us", False, ".0f"))
        print(ratio_line("p99 µs", figures, "p99_us", False, ".0f"))
        print(ratio_line("cpu µs/req", figures, "cpu_us_per_req", False, ".2f"))
    if noisy:
        print(f"\nNOTE: other processes used >{NOISY_PCT}% of the proxy core while measuring "
              f"{', '.join(noisy)} (other%, max over rounds): figures may be skewed; rerun on a "
              "quiet machine or with ROUNDS>1")
    if bad:
        print(f"\nWARNING: errors (non-2xx/socket) or no requests for: {', '.join(bad)} "
              "(see the wrk lines printed above)")
        return 1
    return 0


def report_sse(rows, mcplb_state, title):
    figures, bad = {}, []
    print(f"\n== {title}")
    print(f"{'target':<9}{'streams':>8}{'open':>7}{'failed':>8}{'RSS before KiB':>16}"
          f"{'RSS open KiB':>14}{'KB/stream':>11}")
    groups = by_target(rows)
    for t in ("nginx", "haproxy", "mcplb"):
        if t not in groups:
            if t == "mcplb" and mcplb_state != "skipped":
                print(f"{t:<9}  {mcplb_state}")
            continue
        r = groups[t][-1]
        n, opened, failed = int(num(r["streams"])), int(num(r["opened"])), int(num(r["failed"]))
        before, after = num(r["rss_before_kb"]), num(r["rss_open_kb"])
        # KiB of RSS growth per stream, as 1 KB = 1024 bytes (what /proc reports).
        per = (after - before) / opened if opened else math.nan
        figures[t] = {"per": per}
        if opened < n:
            bad.append(t)
        print(f"{t:<9}{n:>8}{opened:>7}{failed:>8}{fmt(before, '16.0f')}{fmt(after, '14.0f')}"
              f"{fmt(per, '11.2f')}")
    print("\nmcplb ÷ best of nginx/HAProxy:")
    if "mcplb" not in figures:
        print(f"  no mcplb figures (mcplb: {mcplb_state})")
    else:
        print(ratio_line("KB/stream", figures, "per", False, ".2f"))
    if bad:
        print(f"\nWARNING: not every stream opened for: {', '.join(bad)}")
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=("http", "sse"))
    ap.add_argument("raw")
    ap.add_argument("--mcplb", default="skipped", help="measured | not built | skipped")
    ap.add_argument("--title", default="")
    a = ap.parse_args()
    rows = load(a.raw)
    fn = report_http if a.kind == "http" else report_sse
    return fn(rows, a.mcplb, a.title or a.kind)


if __name__ == "__main__":
    sys.exit(main())
