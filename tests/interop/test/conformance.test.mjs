// The official conformance suite, server mode, every scenario: once straight against one
// backend, once through mcplb in front of three. No check that passes directly may fail
// through mcplb (compared check by check, not by count).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { runConformance, compareConformance, formatRows } from '../lib/conformance.mjs';
import { startTopology, outputs, kinds } from '../lib/topology.mjs';
import { tempDir } from '../lib/procs.mjs';

// sdk-conformance: the SDK session server with the suite's test_* tools, resources, prompts.
for (const kind of kinds(['sdk-conformance', 'demo'])) {
  describe(`conformance suite, ${kind} backends: direct vs mcplb x3`, { timeout: 280000 }, () => {
    let t;
    let dir;
    before(async () => {
      t = await startTopology('mcplb3', kind);
      dir = tempDir('mcplb-interop-conformance-');
    });
    after(async () => {
      await t?.stop();
      if (dir) {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('no check regresses through mcplb', async (ctx) => {
      const direct = await runConformance(`http://${t.backends[0].address}/mcp`, `${dir}/direct`);
      const proxied = await runConformance(`${t.base}/mcp`, `${dir}/mcplb`);
      const { regressions, rows } = compareConformance(direct, proxied);
      ctx.diagnostic(`SUCCESS checks per scenario (${kind}):\n${formatRows(rows)}`);
      assert.ok(
        regressions.length === 0,
        `${regressions.length} conformance checks regress through mcplb:\n  ${regressions.join('\n  ')}\n${regressions.length ? outputs(t) : ''}`,
      );
    });
  });
}
