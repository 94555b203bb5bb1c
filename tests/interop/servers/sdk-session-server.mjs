// A session-keeping MCP server built only from the official TypeScript SDK (v1): the kind
// of server that breaks behind a naive balancer, because every session lives in this
// process's memory.
//
//   node sdk-session-server.mjs --name b1 [--host 127.0.0.1] [--port 0] [--conformance]
//
// Streamable HTTP on /mcp (POST/GET/DELETE, Mcp-Session-Id, resumable with Last-Event-ID
// thanks to an event store) and the deprecated HTTP+SSE transport on GET /sse +
// POST /messages?sessionId=. Prints "sdk-session-server NAME listening on HOST:PORT".
// --conformance adds the surface the official conformance suite's server scenarios call.
// Requests whose Host or Origin is not loopback get 403 (DNS rebinding protection).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { ElicitResultSchema, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { OrderedEventStore } from './event-store.mjs';
import { addConformanceFeatures } from './conformance-features.mjs';

const { values: opts } = parseArgs({
  options: {
    name: { type: 'string', default: 'sdk' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'max-sessions': { type: 'string', default: '2000' },
    conformance: { type: 'boolean', default: false },
  },
});
const NAME = opts.name;
const MAX_SESSIONS = Number(opts['max-sessions']);

const text = (t) => ({ content: [{ type: 'text', text: t }] });

/// One McpServer per session: its counter is the state a balancer must not lose.
function makeServer() {
  const server = new McpServer(
    { name: `sdk-session-server-${NAME}`, version: '1.0.0' },
    { capabilities: { logging: {} } },
  );
  let count = 0;

  server.registerTool('whoami', { description: 'Name of this backend' }, async () => text(NAME));

  server.registerTool('counter', { description: 'Per-session counter, as NAME:N' }, async () =>
    text(`${NAME}:${++count}`));

  server.registerTool(
    'echo',
    { description: 'Returns its text', inputSchema: { text: z.string() } },
    async ({ text: t }) => text(t),
  );

  server.registerTool(
    'progress',
    {
      description: 'Sends `steps` progress notifications `interval_ms` apart on the response stream',
      inputSchema: { steps: z.number().int().min(1).max(1000), interval_ms: z.number().int().min(0).max(10000) },
    },
    async ({ steps, interval_ms }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        if (interval_ms > 0) {
          await new Promise((r) => setTimeout(r, interval_ms));
        }
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps, message: `step ${i}/${steps}` },
          });
        }
      }
      return text(`${NAME}: progress: ${steps} steps done`);
    },
  );

  // A server-initiated request tied to this call: travels on the POST's response stream, and
  // the client's answer is a separate POST that must reach this same process.
  server.registerTool(
    'ask',
    { description: 'Asks the client (elicitation/create) and returns the answer', inputSchema: { question: z.string() } },
    async ({ question }, extra) => {
      const res = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            mode: 'form',
            message: question,
            requestedSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
          },
        },
        ElicitResultSchema,
      );
      return text(`${NAME}:${res.action}:${res.content?.answer ?? ''}`);
    },
  );

  // A server-initiated request NOT tied to a call: goes out on the session's GET stream.
  server.registerTool('roots', { description: 'Asks the client for roots/list on the GET stream' }, async () => {
    const res = await server.server.listRoots();
    return text(`${NAME}:${res.roots.map((r) => r.uri).join(',')}`);
  });

  // Log messages not tied to a call: on the session's GET stream (stored for resumption).
  server.registerTool(
    'notify',
    { description: 'Sends each text as a notifications/message on the GET stream', inputSchema: { texts: z.array(z.string()) } },
    async ({ texts }, extra) => {
      for (const t of texts) {
        await server.server.notification({ method: 'notifications/message', params: { level: 'info', logger: NAME, data: t } });
      }
      return text(`${NAME}: sent ${texts.length}`);
    },
  );
  if (opts.conformance) {
    addConformanceFeatures(server);
  }
  return server;
}

const streamable = new Map(); // backend session id -> transport
const oldSse = new Map(); // sessionId -> SSEServerTransport

function jsonError(res, status, code, message) {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 4 * 1024 * 1024) {
      throw new Error('body too large');
    }
    chunks.push(c);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function handleMcp(req, res) {
  const sid = req.headers['mcp-session-id'];
  if (req.method === 'POST') {
    let body;
    try {
      body = await readJson(req);
    } catch {
      jsonError(res, 400, -32700, 'Parse error');
      return;
    }
    if (sid !== undefined) {
      const transport = streamable.get(sid);
      if (!transport) {
        jsonError(res, 404, -32001, 'Session not found');
        return;
      }
      await transport.handleRequest(req, res, body);
      return;
    }
    if (!isInitializeRequest(body)) {
      jsonError(res, 400, -32000, 'Bad Request: No valid session ID provided');
      return;
    }
    if (streamable.size >= MAX_SESSIONS) {
      jsonError(res, 503, -32000, 'Too many open sessions');
      return;
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new OrderedEventStore(),
      onsessioninitialized: (id) => streamable.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) {
        streamable.delete(transport.sessionId);
      }
    };
    await makeServer().connect(transport);
    await transport.handleRequest(req, res, body);
    return;
  }
  if (req.method === 'GET' || req.method === 'DELETE') {
    if (sid === undefined) {
      jsonError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    const transport = streamable.get(sid);
    if (!transport) {
      jsonError(res, 404, -32001, 'Session not found');
      return;
    }
    await transport.handleRequest(req, res);
    return;
  }
  res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
}

async function handleSse(req, res) {
  const transport = new SSEServerTransport('/messages', res);
  oldSse.set(transport.sessionId, transport);
  res.on('close', () => oldSse.delete(transport.sessionId));
  await makeServer().connect(transport);
}

async function handleMessages(req, res, url) {
  const transport = oldSse.get(url.searchParams.get('sessionId') ?? '');
  if (!transport) {
    jsonError(res, 404, -32001, 'Session not found');
    return;
  }
  let body;
  try {
    body = await readJson(req);
  } catch {
    jsonError(res, 400, -32700, 'Parse error');
    return;
  }
  await transport.handlePostMessage(req, res, body);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
function loopbackAuthority(value) {
  if (value === undefined) {
    return true;
  }
  const host = value.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '').toLowerCase();
  return LOOPBACK.has(host);
}

const httpServer = http.createServer((req, res) => {
  if (!loopbackAuthority(req.headers.host) || !loopbackAuthority(req.headers.origin)) {
    jsonError(res, 403, -32000, 'Forbidden: Host/Origin is not a loopback name');
    return;
  }
  const url = new URL(req.url, 'http://localhost');
  let p;
  if (url.pathname === '/mcp') {
    p = handleMcp(req, res);
  } else if (url.pathname === '/sse' && req.method === 'GET') {
    p = handleSse(req, res);
  } else if (url.pathname === '/messages' && req.method === 'POST') {
    p = handleMessages(req, res, url);
  } else if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${NAME}\n`);
    return;
  } else {
    res.writeHead(404).end();
    return;
  }
  p.catch((err) => {
    process.stderr.write(`sdk-session-server ${NAME}: ${err?.stack ?? err}\n`);
    jsonError(res, 500, -32603, 'Internal server error');
  });
});
httpServer.keepAliveTimeout = 60000;
httpServer.listen(Number(opts.port), opts.host, () => {
  const a = httpServer.address();
  process.stdout.write(`sdk-session-server ${NAME} listening on ${a.address}:${a.port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
// Never outlive the test that started us.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
