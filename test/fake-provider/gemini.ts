import type { ProtocolAdapter, ResolvedTurn, TurnContext } from './types';
import { newId, sendJson, SseWriter, splitIntoChunks } from './wire';

/** Google's error bodies: `{ error: { code, message, status } }`. */
function geminiErrorBody(status: number, detail?: string): unknown {
  const [message, statusName] =
    status === 401
      ? ['API key not valid. Please pass a valid API key.', 'UNAUTHENTICATED']
      : status === 429
        ? ['Resource has been exhausted (e.g. check quota).', 'RESOURCE_EXHAUSTED']
        : status === 500
          ? ['An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', 'INTERNAL']
          : status === 404
            ? ['Requested entity was not found.', 'NOT_FOUND']
            : [detail ?? 'Request contains an invalid argument.', 'INVALID_ARGUMENT'];
  return { error: { code: status, message, status: statusName } };
}

/** True when a Gemini request asks for JSON output, as Gemini CLI's model router does. */
export function wantsJsonOutput(body: Record<string, unknown>): boolean {
  const config = body.generationConfig as Record<string, unknown> | undefined;
  return (
    config !== undefined &&
    (config.responseMimeType === 'application/json' ||
      config.responseSchema !== undefined ||
      config.responseJsonSchema !== undefined)
  );
}

function usageMetadata(turn: ResolvedTurn) {
  return {
    promptTokenCount: turn.usage.inputTokens,
    candidatesTokenCount: turn.usage.outputTokens,
    totalTokenCount: turn.usage.inputTokens + turn.usage.outputTokens,
  };
}

function candidate(parts: unknown[], finished: boolean) {
  return {
    content: { role: 'model', parts },
    ...(finished ? { finishReason: 'STOP' } : {}),
    index: 0,
  };
}

/**
 * Gemini: `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent` (SSE with
 * `?alt=sse`, a JSON array without). Key in `x-goog-api-key` or `?key=`. Function calls carry no
 * id, and the finish reason is STOP for them too, as with the real API.
 */
export const gemini: ProtocolAdapter = {
  protocol: 'gemini',
  authorized: (headers, url, apiKey) => headers['x-goog-api-key'] === apiKey || url.searchParams.get('key') === apiKey,
  errorBody: geminiErrorBody,
  async respond(res, turn, ctx: TurnContext) {
    const responseId = newId('');
    const modelVersion = ctx.model;
    // A malformed `args` cannot exist in the real API; the raw string stands in for it.
    const callParts = turn.toolCalls.map((call) => ({ functionCall: { name: call.name, args: call.argsValue } }));
    const text = turn.text;

    if (!ctx.stream) {
      const parts = [...(text.length > 0 || callParts.length === 0 ? [{ text }] : []), ...callParts];
      sendJson(res, 200, { candidates: [candidate(parts, true)], usageMetadata: usageMetadata(turn), modelVersion, responseId });
      return;
    }

    // JSON output is sent whole so a client never sees half a document in one chunk.
    const textChunks = ctx.jsonOutput ? (text.length > 0 ? [text] : []) : splitIntoChunks(text);
    const chunks: unknown[][] = textChunks.map((piece) => [{ text: piece }]);
    if (callParts.length > 0) chunks.push(callParts);
    if (chunks.length === 0) chunks.push([{ text: '' }]);
    const responses = chunks.map((parts, i) => {
      const last = i === chunks.length - 1;
      return {
        candidates: [candidate(parts, last)],
        // The real API reports usage on every chunk; the last one has the totals.
        usageMetadata: last ? usageMetadata(turn) : { promptTokenCount: turn.usage.inputTokens, totalTokenCount: turn.usage.inputTokens },
        modelVersion,
        responseId,
      };
    });

    if (!ctx.sse) {
      sendJson(res, 200, responses);
      return;
    }
    const sse = new SseWriter(res, '\r\n');
    for (const response of responses) await sse.send(response);
    sse.end();
  },
};
