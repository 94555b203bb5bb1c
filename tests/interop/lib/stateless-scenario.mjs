// One stateless (2026-07-28) client with the official SDK v2 client, pinned to that revision:
// server/discover, then every request its own POST with MCP-Protocol-Version / Mcp-Method /
// Mcp-Name and no session. Throws StageError like the session scenarios.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CuttingFetch } from './cut-fetch.mjs';
import { StageError } from './session-scenarios.mjs';

export const STATELESS_KINDS = {
  'sdk-stateless': { mrtr: true },
  'demo-stateless': { mrtr: false },
};

async function stage(name, fn) {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof StageError ? e : new StageError(name, e);
  }
}

function textOf(result) {
  if (result?.isError) {
    throw new Error(`tool error: ${JSON.stringify(result.content)}`);
  }
  return result?.content?.[0]?.text ?? '';
}

export async function statelessClient(url, { kind = 'sdk-stateless', tag, calls = 20, hosts }) {
  const cf = new CuttingFetch({ hosts });
  const client = new Client(
    { name: `mcplb-interop-${tag}`, version: '1.0.0' },
    { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { answer: tag } }));
  const out = { tag, backends: {}, crossed: 0, log: cf.log };
  try {
    await stage('connect (server/discover)', () =>
      client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: cf.fetch }), { timeout: 20000 }));
    await stage('whoami', async () => {
      for (let i = 0; i < calls; i++) {
        const who = textOf(await client.callTool({ name: 'whoami', arguments: {} }));
        out.backends[who] = (out.backends[who] ?? 0) + 1;
      }
    });
    await stage('progress', async () => {
      const seen = [];
      const r = textOf(
        await client.callTool({ name: 'progress', arguments: { steps: 4, interval_ms: 20 } }, { onprogress: (p) => seen.push(p.progress), timeout: 20000 }),
      );
      if (!r.includes('progress: 4 steps done')) {
        throw new Error(`unexpected result ${JSON.stringify(r)}`);
      }
      const sse = cf.log.filter((e) => e.mcpMethod === 'tools/call' && e.contentType.startsWith('text/event-stream'));
      if (sse.length === 0) {
        throw new Error('the progress call was not answered with an SSE stream');
      }
      out.onprogress = seen.length;
    });
    if (STATELESS_KINDS[kind].mrtr) {
      await stage('elicitation (input_required)', async () => {
        for (let i = 0; i < 3; i++) {
          const r = textOf(await client.callTool({ name: 'ask', arguments: { question: 'answer?' } }, { timeout: 20000 }));
          const m = /^asked-by:(\w+):answered-by:(\w+):(.*)$/.exec(r);
          if (!m || m[3] !== tag) {
            throw new Error(`unexpected result ${JSON.stringify(r)}`);
          }
          if (m[1] !== m[2]) {
            out.crossed++;
          }
        }
      });
    }
    await stage('wire', async () => {
      const posts = cf.log.filter((e) => e.method === 'POST');
      if (posts[0]?.mcpMethod !== 'server/discover') {
        throw new Error(`first POST was ${posts[0]?.mcpMethod}, not server/discover`);
      }
      for (const e of posts) {
        if (e.sessionId !== null || e.protocolVersion !== '2026-07-28' || !e.mcpMethod) {
          throw new Error(`a POST without the stateless headers: ${JSON.stringify(e)}`);
        }
        if (e.status < 200 || e.status > 299) {
          throw new Error(`a POST answered ${e.status}: ${e.mcpMethod}`);
        }
      }
    });
    return out;
  } catch (e) {
    e.session = out;
    throw e;
  } finally {
    await client.close().catch(() => {});
  }
}
