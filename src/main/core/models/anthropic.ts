/**
 * Anthropic Messages, streamed, on the official SDK: tool_use blocks out, tool_result blocks back.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { toJsonSchema } from './json-schema';
import type { ChatMessage, ModelClient, ObjectRequest, ObjectResponse, ToolSpec, TurnRequest, TurnResponse } from './types';

/** Output tokens one response may use. */
export const ANTHROPIC_MAX_TOKENS = 8192;

/**
 * The conversation in Messages form. Consecutive messages of one role are merged (tool results
 * and a follow-up are both `user` turns), since the API expects the roles to alternate. Pure.
 */
export function toAnthropicMessages(messages: ChatMessage[]): MessageParam[] {
  const out: Array<{ role: 'user' | 'assistant'; content: ContentBlockParam[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'user') push('user', [{ type: 'text', text: m.text }]);
    else if (m.role === 'assistant') {
      const blocks: ContentBlockParam[] = [];
      if (m.text) blocks.push({ type: 'text', text: m.text });
      for (const c of m.toolCalls) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: parseObject(c.argsText) });
      push('assistant', blocks);
    } else {
      push(
        'user',
        m.results.map((r) => ({ type: 'tool_result' as const, tool_use_id: r.callId, content: r.content, ...(r.isError ? { is_error: true } : {}) })),
      );
    }
  }
  return out;
}

/** tool_use input must be an object, even when the model sent malformed JSON (answered with a tool error). */
function parseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toAnthropicTools(tools: ToolSpec[]): Tool[] {
  return tools.map((t) => ({ name: t.name, description: t.description, input_schema: toolInputSchema(t.schema) }));
}

/** Anthropic's input_schema: the JSON schema, typed as the SDK wants it (an object schema). */
function toolInputSchema(schema: ToolSpec['schema']): Tool.InputSchema {
  return { ...toJsonSchema(schema), type: 'object' };
}

type StreamParams = Omit<Anthropic.MessageCreateParamsStreaming, 'model' | 'max_tokens' | 'stream'>;

/** A ModelClient on the Messages API; structured output through one forced tool call whose input is the answer. */
export function createAnthropicClient(options: { apiKey: string; model: string; baseUrl: string | null }): ModelClient {
  const client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseUrl ?? undefined, maxRetries: 0, timeout: 24 * 3600_000 });

  async function stream(params: StreamParams, req: { signal: AbortSignal; onText?(delta: string): void; onActivity?(): void }): Promise<TurnResponse> {
    const events = await client.messages.create({ model: options.model, max_tokens: ANTHROPIC_MAX_TOKENS, ...params, stream: true }, { signal: req.signal });
    let text = '';
    const blocks = new Map<number, { id: string; name: string; argsText: string }>();
    const usage = { inputTokens: 0, outputTokens: 0 };
    for await (const event of events) {
      req.onActivity?.();
      switch (event.type) {
        case 'message_start':
          usage.inputTokens = event.message.usage.input_tokens ?? 0;
          usage.outputTokens = event.message.usage.output_tokens ?? 0;
          break;
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') blocks.set(event.index, { id: event.content_block.id, name: event.content_block.name, argsText: '' });
          else if (event.content_block.type === 'text' && event.content_block.text) {
            text += event.content_block.text;
            req.onText?.(event.content_block.text);
          }
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta') {
            text += event.delta.text;
            req.onText?.(event.delta.text);
          } else if (event.delta.type === 'input_json_delta') {
            const block = blocks.get(event.index);
            if (block) block.argsText += event.delta.partial_json;
          }
          break;
        case 'message_delta':
          // Cumulative counts; input_tokens appears here too on newer API versions.
          if (event.usage.output_tokens != null) usage.outputTokens = event.usage.output_tokens;
          if (event.usage.input_tokens != null) usage.inputTokens = event.usage.input_tokens;
          break;
        default:
          break;
      }
    }
    const toolCalls = [...blocks.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
    return { text, toolCalls, usage };
  }

  return {
    turn(req: TurnRequest): Promise<TurnResponse> {
      return stream({ system: req.system, messages: toAnthropicMessages(req.messages), tools: toAnthropicTools(req.tools) }, req);
    },

    async object(req: ObjectRequest): Promise<ObjectResponse> {
      const tool: Tool = { name: req.name, description: req.description, input_schema: toolInputSchema(req.schema) };
      const answer = await stream(
        { system: req.system, messages: toAnthropicMessages(req.messages), tools: [tool], tool_choice: { type: 'tool', name: req.name } },
        req,
      );
      const call = answer.toolCalls.find((c) => c.name === req.name) ?? null;
      return { text: call ? call.argsText : answer.text, toolCall: call, refusal: null, usage: answer.usage };
    },
  };
}
