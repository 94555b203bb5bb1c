#!/usr/bin/env node
// Side by side: the same official-SDK session test through nginx (round robin, and hash on
// Mcp-Session-Id) and through mcplb, in front of the same three SDK servers that keep their
// sessions in memory. Prints what breaks where. Not part of ctest.
//
//   node tests/interop/compare-nginx.mjs [--sessions 30] [--calls 20] [--only nginx-rr,nginx-hash,mcplb]
//
// Needs nginx on PATH (apt nginx-light) and, for the mcplb column, MCPLB_BIN or build/.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startMcplb, startSdkSessionServer, stopAll, stopProcess, tempDir } from './lib/procs.mjs';
import { oldSseSession, runConcurrently, streamableSession } from './lib/session-scenarios.mjs';

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '30' },
    calls: { type: 'string', default: '20' },
    only: { type: 'string', default: 'nginx-rr,nginx-hash,mcplb' },
  },
});
const SESSIONS = Math.min(Math.max(Number(args.sessions) || 30, 1), 500);
const CALLS = Math.min(Math.max(Number(args.calls) || 20, 1), 1000);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitConnect(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000; i++) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) {
      return;
    }
    if (Date.now() > deadline) {
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing accepted connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/// nginx in the foreground with its own prefix dir; `balance` is the upstream directive line.
async function startNginx(backends, balance) {
  const dir = tempDir('mcplb-interop-nginx-');
  const port = await freePort();
  fs.mkdirSync(path.join(dir, 'tmp'));
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream mcp {
    ${balance}
${backends.map((b) => `    server ${b.address};`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 300s;
    }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`nginx exited with ${code}`))));
  await Promise.race([waitConnect(port, 10000), exited]);
  return {
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      await stopProcess(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function report(label, { ok, failed }) {
  const lines = [`  ${label}: ${ok.length}/${ok.length + failed.length} sessions completed`];
  const groups = new Map();
  for (const f of failed) {
    const msg = f.message.replace(/s\d+-/g, 'sN-').replace(/\s+/g, ' ').slice(0, 220);
    groups.set(msg, (groups.get(msg) ?? 0) + 1);
  }
  for (const [msg, n] of [...groups].sort((a, b) => b[1] - a[1])) {
    lines.push(`    ${String(n).padStart(3)}x ${msg}`);
  }
  const perBackend = {};
  for (const s of ok) {
    perBackend[s.backend] = (perBackend[s.backend] ?? 0) + 1;
  }
  if (ok.length) {
    lines.push(`    completed sessions per backend: ${JSON.stringify(perBackend)}`);
  }
  return lines.join('\n');
}

async function measure(name, base) {
  const streamable = await runConcurrently(SESSIONS, (tag) => streamableSession(`${base}/mcp`, { kind: 'sdk', tag, calls: CALLS }));
  const oldSse = await runConcurrently(SESSIONS, (tag) => oldSseSession(base, { kind: 'sdk', tag, calls: CALLS }));
  console.log(`\n== ${name}`);
  console.log(report('Streamable HTTP (SDK StreamableHTTPClientTransport)', streamable));
  console.log(report('HTTP+SSE (SDK SSEClientTransport)', oldSse));
  return { streamable: streamable.ok.length, oldSse: oldSse.ok.length };
}

async function main() {
  const only = new Set(args.only.split(','));
  console.log(`${SESSIONS} concurrent sessions per transport, ${CALLS} counter calls each, 3 SDK backends keeping sessions in memory`);
  const backends = [];
  for (const name of ['b1', 'b2', 'b3']) {
    backends.push(await startSdkSessionServer(name));
  }
  const summary = [];
  const runs = [
    ['nginx-rr', 'nginx round robin', () => startNginx(backends, '# round robin')],
    ['nginx-hash', 'nginx hash $http_mcp_session_id consistent', () => startNginx(backends, 'hash $http_mcp_session_id consistent;')],
    ['mcplb', 'mcplb round robin', async () => {
      const p = await startMcplb(backends.map((b, i) => ({ name: `b${i + 1}`, address: b.address })));
      return { base: `http://${p.address}`, stop: p.stop };
    }],
  ];
  for (const [key, label, start] of runs) {
    if (!only.has(key)) {
      continue;
    }
    let proxy;
    try {
      proxy = await start();
      const r = await measure(label, proxy.base);
      summary.push(`${label.padEnd(44)} Streamable HTTP ${r.streamable}/${SESSIONS}   HTTP+SSE ${r.oldSse}/${SESSIONS}`);
    } catch (e) {
      summary.push(`${label.padEnd(44)} not run: ${e.message}`);
    } finally {
      await proxy?.stop();
    }
  }
  console.log('\n== sessions that completed every step');
  console.log(summary.join('\n'));
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
