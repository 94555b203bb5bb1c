// The tools, resources and prompts the official conformance suite's server scenarios call
// (names and payloads as its scenario descriptions ask), added to an SDK McpServer so the
// session server can be measured by the suite directly and behind mcplb.
import * as z from 'zod';
import { ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitResultSchema, CreateMessageResultSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

// 1x1 PNG and a tiny WAV, base64.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const EMPTY = { type: 'object', properties: {} };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (t) => ({ type: 'text', text: t });

// SEP-1613: advertised verbatim, so $schema/$defs/additionalProperties must survive.
const SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
  properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
  additionalProperties: false,
};

const ENUM_FORM = {
  type: 'object',
  properties: {
    untitledSingle: { type: 'string', description: 'Pick one', enum: ['option1', 'option2', 'option3'] },
    titledSingle: {
      type: 'string',
      description: 'Pick one (titled)',
      oneOf: [
        { const: 'value1', title: 'First' },
        { const: 'value2', title: 'Second' },
        { const: 'value3', title: 'Third' },
      ],
    },
    legacyEnum: {
      type: 'string',
      description: 'Pick one (legacy names)',
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option 1', 'Option 2', 'Option 3'],
    },
    untitledMulti: {
      type: 'array',
      description: 'Pick some',
      minItems: 1,
      maxItems: 3,
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    },
    titledMulti: {
      type: 'array',
      description: 'Pick some (titled)',
      minItems: 1,
      maxItems: 3,
      items: {
        anyOf: [
          { const: 'value1', title: 'First' },
          { const: 'value2', title: 'Second' },
          { const: 'value3', title: 'Third' },
        ],
      },
    },
  },
  required: [],
};

const DEFAULTS_FORM = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Name', default: 'John Doe' },
    age: { type: 'integer', description: 'Age', default: 30 },
    score: { type: 'number', description: 'Score', default: 95.5 },
    status: { type: 'string', description: 'Status', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean', description: 'Verified', default: true },
  },
  required: [],
};

/// Registers the conformance surface on `server` (an McpServer). `getTransport()` returns the
/// session's Streamable HTTP transport (for test_reconnection), or undefined.
export function addConformanceFeatures(server) {
  const listed = []; // tools/list entries, in registration order
  const tool = (name, description, inputSchema, zodShape, handler) => {
    listed.push({ name, description, inputSchema });
    server.registerTool(name, { description, inputSchema: zodShape }, handler);
  };
  const log = (level, data, extra) =>
    extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'conformance', data } });
  const elicit = async (extra, params) => {
    const r = await extra.sendRequest({ method: 'elicitation/create', params: { mode: 'form', ...params } }, ElicitResultSchema);
    return { content: [text(`action=${r.action}, content=${JSON.stringify(r.content ?? {})}`)] };
  };

  tool('test_simple_text', 'Returns one text block', EMPTY, {}, async () => ({
    content: [text('This is a simple text response for testing.')],
  }));
  tool('test_image_content', 'Returns an image', EMPTY, {}, async () => ({
    content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
  }));
  tool('test_audio_content', 'Returns audio', EMPTY, {}, async () => ({
    content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
  }));
  tool('test_embedded_resource', 'Returns an embedded resource', EMPTY, {}, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  tool('test_multiple_content_types', 'Returns text, image and resource', EMPTY, {}, async () => ({
    content: [
      text('Multiple content types test:'),
      { type: 'image', data: PNG, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' } },
    ],
  }));
  tool('test_tool_with_logging', 'Logs three messages while running', EMPTY, {}, async (_args, extra) => {
    await log('info', 'Tool execution started', extra);
    await sleep(50);
    await log('info', 'Tool processing data', extra);
    await sleep(50);
    await log('info', 'Tool execution completed', extra);
    return { content: [text('Tool with logging executed successfully')] };
  });
  tool('test_tool_with_progress', 'Reports progress 0, 50, 100', EMPTY, {}, async (_args, extra) => {
    const progressToken = extra._meta?.progressToken ?? 0;
    for (const p of [0, 50, 100]) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: p, total: 100, message: `${p}/100` } });
      // Also after the last one: the SDK client drops a progress notification that arrives in
      // the same read as the result, which would make this check flaky with or without a proxy.
      await sleep(50);
    }
    return { content: [text(String(progressToken))] };
  });
  tool('test_error_handling', 'Always fails', EMPTY, {}, async () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  tool('test_reconnection', 'Closes its own SSE stream, answers after the client resumes (SEP-1699)', EMPTY, {}, async (_args, extra) => {
    extra.closeSSEStream?.();
    await sleep(100);
    return { content: [text('Reconnection test completed successfully.')] };
  });
  tool(
    'test_sampling',
    'Asks the client to sample',
    { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
    { prompt: z.string() },
    async ({ prompt }, extra) => {
      const r = await extra.sendRequest(
        { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: text(prompt) }], maxTokens: 100 } },
        CreateMessageResultSchema,
      );
      return { content: [text(`LLM response: ${r.content?.text ?? ''}`)] };
    },
  );
  tool(
    'test_elicitation',
    'Asks the client for input',
    { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    { message: z.string() },
    async ({ message }, extra) =>
      elicit(extra, {
        message,
        requestedSchema: {
          type: 'object',
          properties: { username: { type: 'string', description: 'User name' }, email: { type: 'string', description: 'Email' } },
          required: ['username', 'email'],
        },
      }),
  );
  tool('test_elicitation_sep1034_defaults', 'Elicitation with defaults (SEP-1034)', EMPTY, {}, async (_a, extra) =>
    elicit(extra, { message: 'Review the defaults', requestedSchema: DEFAULTS_FORM }));
  tool('test_elicitation_sep1330_enums', 'Elicitation with enums (SEP-1330)', EMPTY, {}, async (_a, extra) =>
    elicit(extra, { message: 'Pick options', requestedSchema: ENUM_FORM }));
  tool(
    'json_schema_2020_12_tool',
    'Input schema in JSON Schema 2020-12 (SEP-1613)',
    SCHEMA_2020_12,
    { name: z.string().optional(), address: z.object({ street: z.string().optional(), city: z.string().optional() }).optional() },
    async (args) => ({ content: [text(JSON.stringify(args))] }),
  );
  // Our own listing, so every schema goes out exactly as written above.
  server.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));

  server.registerResource('static-text', 'test://static-text', { description: 'Static text', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  server.registerResource('static-binary', 'test://static-binary', { description: 'Static PNG', mimeType: 'image/png' }, async () => ({
    contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }],
  }));
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'Template with an id', mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }],
    }),
  );
  server.registerResource('watched-resource', 'test://watched-resource', { description: 'Subscribable', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
  }));
  const subscribed = new Set();
  server.server.registerCapabilities({ resources: { subscribe: true }, completions: {}, logging: {} });
  server.server.setRequestHandler(z.object({ method: z.literal('resources/subscribe'), params: z.object({ uri: z.string() }).passthrough() }).passthrough(), async (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.server.setRequestHandler(z.object({ method: z.literal('resources/unsubscribe'), params: z.object({ uri: z.string() }).passthrough() }).passthrough(), async (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });

  server.registerPrompt('test_simple_prompt', { description: 'No arguments' }, async () => ({
    messages: [{ role: 'user', content: text('This is a simple prompt for testing.') }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    { description: 'Two arguments', argsSchema: { arg1: z.string(), arg2: z.string() } },
    async ({ arg1, arg2 }) => ({ messages: [{ role: 'user', content: text(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`) }] }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'Embeds a resource', argsSchema: { resourceUri: z.string() } },
    async ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: text('Please process the embedded resource above.') },
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { description: 'Carries an image' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: text('Please analyze the image above.') },
    ],
  }));
  server.server.setRequestHandler(z.object({ method: z.literal('completion/complete') }).passthrough(), async () => ({
    completion: { values: [], total: 0, hasMore: false },
  }));
}
