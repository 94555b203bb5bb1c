// Stateless MCP (2026-07-28) with the official SDK v2 client pinned to that revision, against
// SDK v2 servers (createMcpHandler, legacy: 'reject') and the demo server (--stateless-only).
// Through mcplb with three backends, requests are balanced one by one: every client sees
// several replicas, and a multi-round-trip elicitation may finish on another replica.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runConcurrently, summarizeFailures } from '../lib/session-scenarios.mjs';
import { statelessClient, STATELESS_KINDS } from '../lib/stateless-scenario.mjs';
import { startTopology, topologies, envInt, outputs, kinds } from '../lib/topology.mjs';

const CLIENTS = envInt('INTEROP_SESSIONS', 30);
const CALLS = envInt('INTEROP_CALLS', 20);

for (const kind of kinds(Object.keys(STATELESS_KINDS))) {
  for (const topo of topologies()) {
    describe(`stateless 2026-07-28 clients, ${kind} backends, ${topo}`, { timeout: 120000 }, () => {
      let t;
      before(async () => {
        t = await startTopology(topo, kind);
      });
      after(async () => {
        await t?.stop();
      });

      test(`${CLIENTS} concurrent clients x ${CALLS} calls + progress${STATELESS_KINDS[kind].mrtr ? ' + input_required' : ''}`, async () => {
        const { ok, failed } = await runConcurrently(CLIENTS, (tag) => statelessClient(`${t.base}/mcp`, { kind, tag, calls: CALLS, hosts: t.hosts }));
        assert.equal(
          failed.length,
          0,
          `${failed.length}/${CLIENTS} clients failed:\n${summarizeFailures(failed)}\n${failed.length ? outputs(t) : ''}`,
        );
        const total = {};
        for (const c of ok) {
          for (const [b, n] of Object.entries(c.backends)) {
            total[b] = (total[b] ?? 0) + n;
          }
        }
        const expected = t.backends.map((_, i) => `b${i + 1}`);
        assert.deepEqual(Object.keys(total).sort(), expected, `calls per backend: ${JSON.stringify(total)}`);
        if (t.backends.length > 1) {
          // Balanced per request, not per client.
          const spread = ok.filter((c) => Object.keys(c.backends).length > 1).length;
          assert.ok(spread > ok.length / 2, `only ${spread}/${ok.length} clients saw more than one backend`);
          if (STATELESS_KINDS[kind].mrtr) {
            const crossed = ok.reduce((n, c) => n + c.crossed, 0);
            assert.ok(crossed > 0, 'no input_required flow finished on another replica');
          }
        }
      });
    });
  }
}
