// Official SDK client (v1, Streamable HTTP) sessions against session-keeping backends:
// SDK servers holding sessions in memory, and the C++ demo server. Through mcplb with three
// backends every session must keep its state, get its progress, answer server requests,
// resume both kinds of SSE stream with Last-Event-ID, and end with DELETE.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { streamableSession, runConcurrently, summarizeFailures } from '../lib/session-scenarios.mjs';
import { startTopology, topologies, envInt, outputs, kinds } from '../lib/topology.mjs';

const SESSIONS = envInt('INTEROP_SESSIONS', 30);
const CALLS = envInt('INTEROP_CALLS', 20);

for (const kind of kinds(['sdk', 'demo'])) {
  for (const topo of topologies()) {
    describe(`streamable HTTP sessions, ${kind} backends, ${topo}`, { timeout: 120000 }, () => {
      let t;
      before(async () => {
        t = await startTopology(topo, kind);
      });
      after(async () => {
        await t?.stop();
      });

      test(`${SESSIONS} concurrent sessions x ${CALLS} counter calls + progress + resume + DELETE`, async () => {
        const { ok, failed } = await runConcurrently(SESSIONS, (tag) =>
          streamableSession(`${t.base}/mcp`, { kind, tag, calls: CALLS, hosts: t.hosts }));
        assert.equal(
          failed.length,
          0,
          `${failed.length}/${SESSIONS} sessions failed:\n${summarizeFailures(failed)}\n${failed.length ? outputs(t) : ''}`,
        );
        const perBackend = {};
        for (const s of ok) {
          perBackend[s.backend] = (perBackend[s.backend] ?? 0) + 1;
        }
        const expected = t.backends.map((_, i) => `b${i + 1}`);
        assert.deepEqual(Object.keys(perBackend).sort(), expected, `sessions per backend: ${JSON.stringify(perBackend)}`);
        if (t.mcplb) {
          // The client must only ever see mcplb's sealed token, never a backend's own id.
          for (const s of ok) {
            assert.ok(
              !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s.sessionId) &&
                !/^[0-9a-f]{32}$/.test(s.sessionId),
              `session id ${s.sessionId} looks like a backend's own id, not a sealed token`,
            );
          }
        }
      });
    });
  }
}
