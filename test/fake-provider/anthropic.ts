import type { ProtocolAdapter } from './types';
import { newId, sendJson, SseWriter, splitIntoChunks } from './wire';

/** Anthropic's error bodies: `{ type: 'error', error: { type, message } }`. */
function anthropicErrorBody(status: number, detail?: string): unknown {
  const [type, message] =
    status === 401
      ? ['authentication_error', 'invalid x-api-key']
      : status === 429
        ? ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit']
        : status === 500
          ? ['api_error', 'Internal server error']
          : status === 404
            ? ['not_found_error', 'Not found']
            : ['invalid_request_error', detail ?? 'Bad request'];
  return { type: 'error', error: { type, message }, request_id: newId('req_') };
}

/**
 * Anthropic Messages: `POST /v1/messages` (Claude Code adds `?beta=true`), JSON or named SSE events
 * from `message_start` to `message_stop`. The key comes in `x-api-key`, or as a bearer token when a
 * client is configured with an auth token instead.
 */
export const anthropic: ProtocolAdapter = {
  protocol: 'anthropic',
  authorized: (headers, _url, apiKey) =>
    headers['x-api-key'] === apiKey || headers.authorization === `Bearer ${apiKey}`,
  errorBody: anthropicErrorBody,
  async respond(res, turn, ctx) {
    const id = newId('msg_');
    const stopReason = turn.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
    const usage = (outputTokens: number) => ({
      input_tokens: turn.usage.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
      service_tier: 'standard',
    });
    const textBlocks = turn.text.length > 0 || turn.toolCalls.length === 0 ? [{ type: 'text', text: turn.text }] : [];
    // A malformed `input` cannot exist in the real API; the raw string stands in for it so that
    // clients can be tested against it.
    const toolBlocks = turn.toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: call.argsValue }));
    const message = (content: unknown[], stop: string | null, outputTokens: number) => ({
      id,
      type: 'message',
      role: 'assistant',
      model: ctx.model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: usage(outputTokens),
    });

    if (!ctx.stream) {
      sendJson(res, 200, message([...textBlocks, ...toolBlocks], stopReason, turn.usage.outputTokens), {
        'request-id': newId('req_'),
      });
      return;
    }

    const sse = new SseWriter(res);
    const emit = (type: string, fields: Record<string, unknown>) => sse.send({ type, ...fields }, type);
    await emit('message_start', { message: message([], null, 1) });
    await emit('ping', {});
    let index = 0;
    if (textBlocks.length > 0) {
      await emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const text of splitIntoChunks(turn.text)) {
        await emit('content_block_delta', { index, delta: { type: 'text_delta', text } });
      }
      await emit('content_block_stop', { index });
      index++;
    }
    for (const call of turn.toolCalls) {
      await emit('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
      for (const partial_json of splitIntoChunks(call.argsText)) {
        await emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
      }
      await emit('content_block_stop', { index });
      index++;
    }
    await emit('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: turn.usage.outputTokens },
    });
    await emit('message_stop', {});
    sse.end();
  },
};
