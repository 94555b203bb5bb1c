// The deprecated HTTP+SSE transport (2024-11-05) with the official SDK client
// (SSEClientTransport): GET /sse, the `endpoint` event, POSTs to the URL it names. Against
// SDK SSEServerTransport backends and the demo server; through mcplb with three backends each
// session's POSTs must reach the backend holding its stream.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { oldSseSession, runConcurrently, summarizeFailures } from '../lib/session-scenarios.mjs';
import { startTopology, topologies, envInt, outputs, kinds } from '../lib/topology.mjs';

const SESSIONS = envInt('INTEROP_SESSIONS', 30);
const CALLS = envInt('INTEROP_CALLS', 20);

for (const kind of kinds(['sdk', 'demo'])) {
  for (const topo of topologies()) {
    describe(`HTTP+SSE sessions, ${kind} backends, ${topo}`, { timeout: 120000 }, () => {
      let t;
      before(async () => {
        t = await startTopology(topo, kind);
      });
      after(async () => {
        await t?.stop();
      });

      test(`${SESSIONS} concurrent sessions x ${CALLS} counter calls + progress + log messages`, async () => {
        const { ok, failed } = await runConcurrently(SESSIONS, (tag) => oldSseSession(t.base, { kind, tag, calls: CALLS, hosts: t.hosts }));
        assert.equal(
          failed.length,
          0,
          `${failed.length}/${SESSIONS} sessions failed:\n${summarizeFailures(failed)}\n${failed.length ? outputs(t) : ''}`,
        );
        const perBackend = {};
        for (const s of ok) {
          perBackend[s.backend] = (perBackend[s.backend] ?? 0) + 1;
        }
        assert.deepEqual(
          Object.keys(perBackend).sort(),
          t.backends.map((_, i) => `b${i + 1}`),
          `sessions per backend: ${JSON.stringify(perBackend)}`,
        );
        if (t.mcplb) {
          // The endpoint event must carry mcplb's sealed token, not the backend's session id.
          for (const s of ok) {
            const sid = new URL(s.postUrl).searchParams.get('sessionId') ?? '';
            assert.ok(
              !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(sid) && !/^[0-9a-f]{32}$/.test(sid),
              `endpoint sessionId ${sid} looks like a backend's own id, not a sealed token`,
            );
          }
        }
      });
    });
  }
}
