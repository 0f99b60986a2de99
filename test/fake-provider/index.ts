/**
 * A fake model provider for tests: one HTTP server on 127.0.0.1 that speaks OpenAI Chat
 * Completions and Responses, Anthropic Messages and Gemini generateContent faithfully enough for
 * the real SDKs and coding CLIs, driven by a script of turns. See README.md beside this file.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { anthropic } from './anthropic';
import { gemini, wantsJsonOutput } from './gemini';
import { openAiChat } from './openai-chat';
import { openAiResponses } from './openai-responses';
import { objectTurn, schemaProblem, structuredMode } from './structured';
import type { FailStatus, FakeTurn, ProtocolAdapter, RecordedRequest, ResolvedTurn, WireToolCall } from './types';
import { sendJson } from './wire';

export type { FakeTurn, RecordedRequest } from './types';

/** A running fake provider. */
export interface FakeProvider {
  /** e.g. http://127.0.0.1:PORT — base for every protocol (OpenAI at /v1, Anthropic at /v1/messages, Gemini at /v1beta/models/...). */
  readonly url: string;
  /** Queues turns; each model request consumes the next one (when the queue is empty, reply with a plain text "done" and end_turn/stop). */
  script(turns: FakeTurn[]): void;
  readonly requests: RecordedRequest[];
  /** Expected API key; requests with another key get 401 with the provider's real error shape. Default 'test-key'. */
  apiKey: string;
  close(): Promise<void>;
}

const GEMINI_PATH = /^\/(?:v1beta|v1|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;
const DEFAULT_TEXT = 'done';
/** Gemini CLI's model router parses JSON; an unscripted JSON request gets an empty object rather than "done". */
const DEFAULT_JSON_TEXT = '{}';
const FAKE_MODELS = ['fake-model', 'gpt-5', 'claude-sonnet-4-5', 'gemini-2.5-pro'];

type Route =
  | { kind: 'generate'; adapter: ProtocolAdapter; model?: string; stream?: boolean; sse?: boolean }
  | { kind: 'count-tokens'; adapter: ProtocolAdapter }
  | { kind: 'models'; adapter: ProtocolAdapter };

function route(method: string, url: URL, req: IncomingMessage): Route | undefined {
  const path = url.pathname;
  if (method === 'POST') {
    if (path === '/v1/chat/completions' || path === '/chat/completions') return { kind: 'generate', adapter: openAiChat };
    if (path === '/v1/responses' || path === '/responses') return { kind: 'generate', adapter: openAiResponses };
    if (path === '/v1/messages') return { kind: 'generate', adapter: anthropic };
    if (path === '/v1/messages/count_tokens') return { kind: 'count-tokens', adapter: anthropic };
    const match = GEMINI_PATH.exec(path);
    if (match) {
      const [, model, task] = match;
      if (task === 'countTokens') return { kind: 'count-tokens', adapter: gemini };
      const stream = task === 'streamGenerateContent';
      return { kind: 'generate', adapter: gemini, model, stream, sse: stream && url.searchParams.get('alt') === 'sse' };
    }
  }
  if (method === 'GET' && (path === '/v1/models' || path === '/models')) {
    const isAnthropic = req.headers['anthropic-version'] !== undefined || req.headers['x-api-key'] !== undefined;
    return { kind: 'models', adapter: isAnthropic ? anthropic : openAiChat };
  }
  if (method === 'GET' && /^\/(?:v1beta|v1)\/models$/.test(path)) return { kind: 'models', adapter: gemini };
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  switch (req.headers['content-encoding']) {
    case 'gzip':
      return gunzipSync(raw).toString('utf8');
    case 'deflate':
      return inflateSync(raw).toString('utf8');
    case 'br':
      return brotliDecompressSync(raw).toString('utf8');
    default:
      return raw.toString('utf8');
  }
}

/** Every string in a JSON value, so `when` can match text that JSON escapes (quotes, newlines). */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) stringsIn(item, out);
  return out;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

class FakeProviderServer implements FakeProvider {
  readonly requests: RecordedRequest[] = [];
  apiKey: string;
  url = '';
  private readonly queue: FakeTurn[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private callCounter = 0;

  constructor(apiKey: string) {
    this.apiKey = apiKey;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
        else res.destroy();
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  script(turns: FakeTurn[]): void {
    this.queue.push(...turns);
  }

  async close(): Promise<void> {
    // Hanging requests and keep-alive connections would otherwise hold close() open forever.
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private fail(res: ServerResponse, adapter: ProtocolAdapter, status: FailStatus): void {
    sendJson(res, status, adapter.errorBody(status), status === 429 ? { 'retry-after': '0' } : {});
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(req);
    const found = route(req.method ?? 'GET', url, req);
    if (!found) {
      sendJson(res, 404, { error: { code: 404, message: `No fake route for ${req.method} ${url.pathname}`, type: 'not_found_error', status: 'NOT_FOUND' } });
      return;
    }
    const { adapter } = found;

    let body: Record<string, unknown> = {};
    if (rawBody.trim().length > 0) {
      try {
        const parsed: unknown = JSON.parse(rawBody);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        this.fail(res, adapter, 400);
        return;
      }
    }

    if (found.kind === 'generate') {
      this.requests.push({
        protocol: adapter.protocol,
        path: url.pathname,
        headers: flatHeaders(req),
        body,
        stream: found.stream ?? body.stream === true,
      });
    }
    if (!adapter.authorized(req.headers, url, this.apiKey)) {
      this.fail(res, adapter, 401);
      return;
    }

    switch (found.kind) {
      case 'models':
        sendJson(res, 200, modelList(adapter));
        return;
      case 'count-tokens': {
        const tokens = estimateTokens(rawBody);
        sendJson(res, 200, adapter === gemini ? { totalTokens: tokens } : { input_tokens: tokens });
        return;
      }
      case 'generate':
        break;
    }

    // The real APIs refuse a schema they cannot use before any model sees it: no turn is used.
    const problem = schemaProblem(adapter.protocol, body);
    if (problem !== null) {
      sendJson(res, 400, adapter.errorBody(400, problem));
      return;
    }
    const scripted = this.takeTurn(rawBody, body);
    const turn = scripted && objectTurn(scripted, structuredMode(adapter.protocol, body));
    if (turn?.fail === 'hang') return; // Left open on purpose; close() destroys the socket.
    if (turn?.fail !== undefined) {
      this.fail(res, adapter, turn.fail);
      return;
    }
    const jsonOutput = adapter === gemini && wantsJsonOutput(body);
    const resolved = this.resolve(turn ?? { text: jsonOutput ? DEFAULT_JSON_TEXT : DEFAULT_TEXT }, adapter, rawBody);
    await adapter.respond(res, resolved, {
      model: found.model ?? (typeof body.model === 'string' ? body.model : 'fake-model'),
      stream: found.stream ?? body.stream === true,
      body,
      jsonOutput,
      sse: found.sse ?? true,
    });
  }

  /** The first queued turn that applies: one without `when`, or one whose `when` the request contains. */
  private takeTurn(rawBody: string, body: Record<string, unknown>): FakeTurn | undefined {
    let texts: string[] | undefined;
    const index = this.queue.findIndex((turn) => {
      if (turn.when === undefined || rawBody.includes(turn.when)) return true;
      texts ??= stringsIn(body);
      const when = turn.when;
      return texts.some((text) => text.includes(when));
    });
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }

  private resolve(turn: FakeTurn, adapter: ProtocolAdapter, rawBody: string): ResolvedTurn {
    const prefix = adapter === anthropic ? 'toolu_fake_' : adapter === gemini ? 'fake_' : 'call_fake_';
    const toolCalls = (turn.toolCalls ?? []).map((call): WireToolCall => {
      const argsText = typeof call.args === 'string' ? call.args : JSON.stringify(call.args);
      return { id: `${prefix}${++this.callCounter}`, name: call.name, argsText, argsValue: parseArgs(call.args) };
    });
    const text = turn.text ?? '';
    return {
      text,
      toolCalls,
      usage: turn.usage ?? {
        inputTokens: estimateTokens(rawBody),
        outputTokens: estimateTokens(text + toolCalls.map((call) => call.argsText).join('')),
      },
    };
  }
}

/** Object arguments as-is; a string that parses to an object becomes that object; anything else stays the raw string. */
function parseArgs(args: Record<string, unknown> | string): Record<string, unknown> | string {
  if (typeof args !== 'string') return args;
  try {
    const parsed: unknown = JSON.parse(args);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : args;
  } catch {
    return args;
  }
}

function modelList(adapter: ProtocolAdapter): unknown {
  if (adapter === anthropic) {
    const data = FAKE_MODELS.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
    return { data, has_more: false, first_id: data[0].id, last_id: data[data.length - 1].id };
  }
  if (adapter === gemini) {
    return {
      models: FAKE_MODELS.map((id) => ({
        name: `models/${id}`,
        displayName: id,
        supportedGenerationMethods: ['generateContent', 'countTokens'],
      })),
    };
  }
  return { object: 'list', data: FAKE_MODELS.map((id) => ({ id, object: 'model', created: 1735689600, owned_by: 'fake' })) };
}

/** Starts a fake provider on 127.0.0.1 at a free port. */
export async function startFakeProvider(opts?: { apiKey?: string }): Promise<FakeProvider> {
  const server = new FakeProviderServer(opts?.apiKey ?? 'test-key');
  await server.listen();
  return server;
}
