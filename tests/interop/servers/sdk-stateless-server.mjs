// A stateless MCP server (protocol 2026-07-28 only) built from the official SDK v2
// (@modelcontextprotocol/server): createMcpHandler with legacy: 'reject', served by node:http.
//
//   node sdk-stateless-server.mjs --name b1 [--host 127.0.0.1] [--port 0]
//
// Any replica can serve any request. The `ask` tool needs client input through the
// multi-round-trip flow (input_required + requestState); the state is sealed with a key
// every replica shares (INTEROP_REQUEST_STATE_KEY), so the retry may land anywhere.
// Prints "sdk-stateless-server NAME listening on HOST:PORT".
import http from 'node:http';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import {
  McpServer,
  acceptedContent,
  createMcpHandler,
  createRequestStateCodec,
  inputRequired,
} from '@modelcontextprotocol/server';

const { values: opts } = parseArgs({
  options: {
    name: { type: 'string', default: 'stateless' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});
const NAME = opts.name;
const codec = createRequestStateCodec({
  key: process.env.INTEROP_REQUEST_STATE_KEY ?? 'mcplb-interop-request-state-key-shared-by-all',
});

let served = 0; // per process: shows which replica answered
const text = (t) => ({ content: [{ type: 'text', text: t }] });

function factory() {
  const server = new McpServer(
    { name: `sdk-stateless-server-${NAME}`, version: '1.0.0' },
    { requestState: { verify: codec.verify } },
  );
  server.registerTool('whoami', { description: 'Name of the replica that served this request' }, async () =>
    text(NAME));
  server.registerTool('counter', { description: 'Requests served by this replica, as NAME:N' }, async () =>
    text(`${NAME}:${++served}`));
  server.registerTool(
    'progress',
    {
      description: 'Sends `steps` progress notifications on the response stream',
      inputSchema: z.object({ steps: z.number().int().min(1).max(1000), interval_ms: z.number().int().min(0).max(10000) }),
    },
    async ({ steps, interval_ms }, ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        if (interval_ms > 0) {
          await new Promise((r) => setTimeout(r, interval_ms));
        }
        if (token !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps, message: `step ${i}/${steps}` },
          });
        }
      }
      return text(`${NAME}: progress: ${steps} steps done`);
    },
  );
  server.registerTool(
    'ask',
    { description: 'Asks the client (elicitation, multi-round-trip)', inputSchema: z.object({ question: z.string() }) },
    async ({ question }, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'answer');
      const state = ctx.mcpReq.requestState();
      if (!answer || !state) {
        return inputRequired({
          inputRequests: {
            answer: inputRequired.elicit({
              message: question,
              requestedSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
            }),
          },
          requestState: await codec.mint({ askedBy: NAME }),
        });
      }
      return text(`asked-by:${state.askedBy}:answered-by:${NAME}:${answer.answer}`);
    },
  );
  return server;
}

const handler = createMcpHandler(factory, { legacy: 'reject', onerror: () => {} });

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
function loopbackAuthority(value) {
  if (value === undefined) {
    return true;
  }
  return LOOPBACK.has(value.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '').toLowerCase());
}

async function serve(req, res) {
  if (!loopbackAuthority(req.headers.host) || !loopbackAuthority(req.headers.origin)) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('Host/Origin is not a loopback name\n');
    return;
  }
  const chunks = [];
  for await (const c of req) {
    chunks.push(c);
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      headers.append(k, one);
    }
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
  const response = await handler.fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => reader.cancel().catch(() => {}));
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      break;
    }
    res.write(value);
  }
  res.end();
}

const httpServer = http.createServer((req, res) => {
  serve(req, res).catch((err) => {
    process.stderr.write(`sdk-stateless-server ${NAME}: ${err?.stack ?? err}\n`);
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'application/json' });
    }
    res.end();
  });
});
httpServer.keepAliveTimeout = 60000;
httpServer.listen(Number(opts.port), opts.host, () => {
  const a = httpServer.address();
  process.stdout.write(`sdk-stateless-server ${NAME} listening on ${a.address}:${a.port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
