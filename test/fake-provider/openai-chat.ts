import type { ProtocolAdapter } from './types';
import { newId, sendJson, SseWriter, splitIntoChunks } from './wire';

/** OpenAI's error bodies share one shape for every API (Chat Completions and Responses). */
export function openAiErrorBody(status: number, message?: string): unknown {
  switch (status) {
    case 401:
      return {
        error: {
          message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      };
    case 429:
      return {
        error: {
          message: 'Rate limit reached for requests. Please try again in 0s.',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      };
    case 500:
      return {
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      };
    case 404:
      return { error: { message: 'Not found', type: 'invalid_request_error', param: null, code: 'unknown_url' } };
    default:
      return { error: { message: message ?? 'Bad request', type: 'invalid_request_error', param: null, code: null } };
  }
}

/** `Authorization: Bearer <key>`, as every OpenAI-compatible client sends it. */
export function openAiAuthorized(headers: { authorization?: string }, apiKey: string): boolean {
  return headers.authorization === `Bearer ${apiKey}`;
}

/** OpenAI Chat Completions: `POST /v1/chat/completions`, JSON or `data:` chunks ending in `[DONE]`. */
export const openAiChat: ProtocolAdapter = {
  protocol: 'openai-chat',
  authorized: (headers, _url, apiKey) => openAiAuthorized(headers, apiKey),
  errorBody: openAiErrorBody,
  async respond(res, turn, ctx) {
    const id = newId('chatcmpl-');
    const created = Math.floor(Date.now() / 1000);
    const finishReason = turn.toolCalls.length > 0 ? 'tool_calls' : 'stop';
    const usage = {
      prompt_tokens: turn.usage.inputTokens,
      completion_tokens: turn.usage.outputTokens,
      total_tokens: turn.usage.inputTokens + turn.usage.outputTokens,
    };
    const toolCalls = turn.toolCalls.map((call) => ({
      id: call.id,
      type: 'function' as const,
      function: { name: call.name, arguments: call.argsText },
    }));

    if (!ctx.stream) {
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: ctx.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: turn.text.length > 0 || toolCalls.length === 0 ? turn.text : null,
              refusal: null,
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
        system_fingerprint: 'fp_fake',
      });
      return;
    }

    const streamOptions = ctx.body.stream_options as { include_usage?: boolean } | undefined;
    const includeUsage = streamOptions?.include_usage === true;
    const sse = new SseWriter(res);
    const chunk = (delta: unknown, finish: string | null = null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: ctx.model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      // With include_usage the real API sends `usage: null` on every chunk but the last.
      ...(includeUsage ? { usage: null } : {}),
    });

    await sse.send(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const piece of splitIntoChunks(turn.text)) await sse.send(chunk({ content: piece }));
    for (const [index, call] of turn.toolCalls.entries()) {
      await sse.send(
        chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
      );
      for (const piece of splitIntoChunks(call.argsText)) {
        await sse.send(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    }
    await sse.send(chunk({}, finishReason));
    if (includeUsage) {
      await sse.send({ id, object: 'chat.completion.chunk', created, model: ctx.model, system_fingerprint: 'fp_fake', choices: [], usage });
    }
    await sse.send('[DONE]');
    sse.end();
  },
};
