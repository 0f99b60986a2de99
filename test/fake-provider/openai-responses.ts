import { openAiAuthorized, openAiErrorBody } from './openai-chat';
import type { ProtocolAdapter } from './types';
import { newId, sendJson, SseWriter, splitIntoChunks } from './wire';

type CallItem =
  | { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: 'completed' }
  | { type: 'custom_tool_call'; id: string; call_id: string; name: string; input: string; status: 'completed' };

/** Names of freeform (`type: 'custom'`) tools, such as Codex's apply_patch on some models: they take raw text, not JSON. */
function customToolNames(tools: unknown): Set<string> {
  const names = new Set<string>();
  if (!Array.isArray(tools)) return names;
  for (const tool of tools as { type?: unknown; name?: unknown }[]) {
    if (tool?.type === 'custom' && typeof tool.name === 'string') names.add(tool.name);
  }
  return names;
}

/**
 * OpenAI Responses: `POST /v1/responses`, JSON or named SSE events (`response.created` ...
 * `response.completed`), as Codex and the `openai` SDK read them. Tool results come back as
 * `function_call_output` (or `custom_tool_call_output`) items in the next request's `input`; they
 * need no special handling. A call to a tool the request declares as `type: 'custom'` is answered
 * as a `custom_tool_call` whose `input` is the script's `args` string verbatim.
 */
export const openAiResponses: ProtocolAdapter = {
  protocol: 'openai-responses',
  authorized: (headers, _url, apiKey) => openAiAuthorized(headers, apiKey),
  errorBody: openAiErrorBody,
  async respond(res, turn, ctx) {
    const responseId = newId('resp_');
    const createdAt = Math.floor(Date.now() / 1000);
    const messageId = newId('msg_');
    const usage = {
      input_tokens: turn.usage.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: turn.usage.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: turn.usage.inputTokens + turn.usage.outputTokens,
    };
    const textPart = { type: 'output_text', text: turn.text, annotations: [], logprobs: [] };
    const messageItem = {
      type: 'message',
      id: messageId,
      status: 'completed',
      role: 'assistant',
      content: [textPart],
    };
    const customTools = customToolNames(ctx.body.tools);
    const callItems: CallItem[] = turn.toolCalls.map((call) =>
      customTools.has(call.name)
        ? { type: 'custom_tool_call', id: newId('ctc_'), call_id: call.id, name: call.name, input: call.argsText, status: 'completed' }
        : { type: 'function_call', id: newId('fc_'), call_id: call.id, name: call.name, arguments: call.argsText, status: 'completed' },
    );
    // A turn that only calls tools has no message item, as with the real API.
    const output = [...(turn.text.length > 0 || callItems.length === 0 ? [messageItem] : []), ...callItems];
    const response = (status: 'in_progress' | 'completed', items: unknown[], withUsage: boolean) => ({
      id: responseId,
      object: 'response',
      created_at: createdAt,
      status,
      background: false,
      error: null,
      incomplete_details: null,
      instructions: ctx.body.instructions ?? null,
      max_output_tokens: ctx.body.max_output_tokens ?? null,
      model: ctx.model,
      output: items,
      parallel_tool_calls: true,
      previous_response_id: ctx.body.previous_response_id ?? null,
      reasoning: { effort: null, summary: null },
      store: ctx.body.store ?? true,
      temperature: 1,
      text: { format: { type: 'text' } },
      tool_choice: ctx.body.tool_choice ?? 'auto',
      tools: ctx.body.tools ?? [],
      top_p: 1,
      truncation: 'disabled',
      usage: withUsage ? usage : null,
      user: null,
      metadata: {},
    });

    if (!ctx.stream) {
      sendJson(res, 200, response('completed', output, true));
      return;
    }

    const sse = new SseWriter(res);
    let sequence = 0;
    const emit = (type: string, fields: Record<string, unknown>) =>
      sse.send({ type, sequence_number: sequence++, ...fields }, type);

    await emit('response.created', { response: response('in_progress', [], false) });
    await emit('response.in_progress', { response: response('in_progress', [], false) });
    let outputIndex = 0;
    if (output[0] === messageItem) {
      const base = { item_id: messageId, output_index: outputIndex, content_index: 0 };
      await emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...messageItem, status: 'in_progress', content: [] },
      });
      await emit('response.content_part.added', { ...base, part: { ...textPart, text: '' } });
      for (const delta of splitIntoChunks(turn.text)) {
        await emit('response.output_text.delta', { ...base, delta, logprobs: [] });
      }
      await emit('response.output_text.done', { ...base, text: turn.text, logprobs: [] });
      await emit('response.content_part.done', { ...base, part: textPart });
      await emit('response.output_item.done', { output_index: outputIndex, item: messageItem });
      outputIndex++;
    }
    for (const item of callItems) {
      const base = { item_id: item.id, output_index: outputIndex };
      if (item.type === 'custom_tool_call') {
        await emit('response.output_item.added', { output_index: outputIndex, item: { ...item, input: '', status: 'in_progress' } });
        for (const delta of splitIntoChunks(item.input)) await emit('response.custom_tool_call_input.delta', { ...base, delta });
        await emit('response.custom_tool_call_input.done', { ...base, input: item.input });
      } else {
        await emit('response.output_item.added', { output_index: outputIndex, item: { ...item, arguments: '', status: 'in_progress' } });
        for (const delta of splitIntoChunks(item.arguments)) await emit('response.function_call_arguments.delta', { ...base, delta });
        await emit('response.function_call_arguments.done', { ...base, name: item.name, arguments: item.arguments });
      }
      await emit('response.output_item.done', { output_index: outputIndex, item });
      outputIndex++;
    }
    await emit('response.completed', { response: response('completed', output, true) });
    sse.end();
  },
};
