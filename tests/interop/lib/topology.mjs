// The three ways each interop test talks to its backends:
//   direct  — straight to one backend, no proxy (proves the test itself is right)
//   mcplb1  — through mcplb with one backend
//   mcplb3  — through mcplb with three backends and round robin (the real proof)
//   replicas — two mcplb processes sharing one session key in front of the same three
//              backends; the client sends its requests to them in turn (no shared store)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  startDemoServer,
  startMcplb,
  startSdkSessionServer,
  startSdkStatelessServer,
  stopProcess,
  tempDir,
} from './procs.mjs';

export const ALL_TOPOLOGIES = ['direct', 'mcplb1', 'mcplb3', 'replicas'];

export function topologies() {
  const env = process.env.INTEROP_TOPOLOGIES;
  return env ? env.split(',').map((s) => s.trim()).filter(Boolean) : ALL_TOPOLOGIES;
}

/// The backend kinds a test file covers, narrowed by INTEROP_KINDS (comma-separated).
export function kinds(all) {
  const env = process.env.INTEROP_KINDS;
  return env ? all.filter((k) => env.split(',').includes(k)) : all;
}

export function envInt(name, dflt) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

const STARTERS = {
  sdk: (name) => startSdkSessionServer(name),
  'sdk-conformance': (name) => startSdkSessionServer(name, ['--conformance']),
  demo: (name) => startDemoServer(name),
  'demo-stateless': (name) => startDemoServer(name, ['--stateless-only']),
  'sdk-stateless': (name) => startSdkStatelessServer(name),
};

/// Starts the backends (and mcplb) of `topo`; returns {base, hosts, backends, mcplb, stop}.
/// `base` is http://HOST:PORT of whatever the client talks to; `hosts` (replicas only) lists
/// HOST:PORT of every mcplb the client should use in turn.
export async function startTopology(topo, kind, { mcplbYaml = '' } = {}) {
  if (topo === 'replicas') {
    return startReplicas(kind, mcplbYaml);
  }
  const count = topo === 'mcplb3' ? 3 : 1;
  const started = [];
  const stop = async () => {
    await Promise.all(started.map((p) => stopProcess(p.child)));
  };
  try {
    const backends = [];
    for (let i = 1; i <= count; i++) {
      const p = await STARTERS[kind](`b${i}`);
      started.push(p);
      backends.push(p);
    }
    if (topo === 'direct') {
      return { base: `http://${backends[0].address}`, backends, mcplb: null, stop };
    }
    const mcplb = await startMcplb(
      backends.map((b, i) => ({ name: `b${i + 1}`, address: b.address })),
      { extraYaml: mcplbYaml },
    );
    started.push(mcplb);
    return {
      base: `http://${mcplb.address}`,
      backends,
      mcplb,
      stop: async () => {
        await mcplb.stop();
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function startReplicas(kind, mcplbYaml) {
  const started = [];
  const dir = tempDir('mcplb-interop-key-');
  const stop = async () => {
    await Promise.all(started.map((p) => (p.stopMcplb ? p.stopMcplb() : stopProcess(p.child))));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const keyFile = path.join(dir, 'k1.key');
    fs.writeFileSync(keyFile, crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    const backends = [];
    for (let i = 1; i <= 3; i++) {
      const p = await STARTERS[kind](`b${i}`);
      started.push(p);
      backends.push(p);
    }
    const yaml = `session: {keys: [{id: k1, secret_file: "${keyFile}"}]}\n${mcplbYaml}`;
    const replicas = [];
    for (let i = 0; i < 2; i++) {
      const m = await startMcplb(backends.map((b, j) => ({ name: `b${j + 1}`, address: b.address })), { extraYaml: yaml });
      m.stopMcplb = m.stop;
      started.push(m);
      replicas.push(m);
    }
    return {
      base: `http://${replicas[0].address}`,
      hosts: replicas.map((m) => m.address),
      backends,
      mcplb: replicas[0],
      replicas,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/// Process output worth attaching to a failure message.
export function outputs(topology) {
  return [...(topology.replicas ?? [topology.mcplb]), ...topology.backends]
    .filter(Boolean)
    .map((p) => p.output())
    .join('\n');
}
