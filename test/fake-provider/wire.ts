import type { ServerResponse } from 'node:http';

/** Pause between streamed chunks so clients really see them arrive one by one. */
const CHUNK_PAUSE_MS = 2;

/** Splits text into about `parts` pieces (at least one, never empty pieces unless the text is empty). */
export function splitIntoChunks(text: string, parts = 3): string[] {
  if (text.length === 0) return [];
  const size = Math.max(1, Math.ceil(text.length / parts));
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

/** Sends a JSON response with the given status and extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes Server-Sent Events one at a time, stopping quietly when the client has gone. */
export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    /** Gemini ends events with CRLF pairs, the others with LF pairs. */
    private readonly eol: '\n' | '\r\n' = '\n',
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
  }

  /** True once the client has disconnected (it cancelled the stream). */
  get gone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Writes one event: `event:` line when named, then `data:` with JSON (or a literal like `[DONE]`). */
  async send(data: unknown, event?: string): Promise<void> {
    if (this.gone) return;
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    const head = event ? `event: ${event}${this.eol}` : '';
    this.res.write(`${head}data: ${payload}${this.eol}${this.eol}`);
    await new Promise((resolve) => setTimeout(resolve, CHUNK_PAUSE_MS));
  }

  /** Ends the response. */
  end(): void {
    if (!this.gone) this.res.end();
  }
}

/** A short random-looking id with a prefix, e.g. `chatcmpl-3f9a...`. */
export function newId(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`;
}
