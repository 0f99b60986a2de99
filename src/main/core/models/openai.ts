/**
 * OpenAI Chat Completions, streamed, on the official SDK. Also every OpenAI-compatible server
 * (Ollama, LM Studio, vLLM, OpenRouter) through `baseURL`.
 */
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { openAiStrictSchema, toJsonSchema } from './json-schema';
import type { ChatMessage, ModelClient, ObjectRequest, ObjectResponse, ToolCall, ToolSpec, TurnRequest, TurnResponse } from './types';

/** The conversation in Chat Completions form. Pure. */
export function toOpenAiMessages(system: string, messages: ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [{ role: 'system', content: system }];
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.text });
    else if (m.role === 'assistant') {
      out.push({
        role: 'assistant',
        content: m.text || null,
        ...(m.toolCalls.length > 0
          ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.argsText } })) }
          : {}),
      });
    } else for (const r of m.results) out.push({ role: 'tool', tool_call_id: r.callId, content: r.content });
  }
  return out;
}

function toOpenAiTools(tools: ToolSpec[]): ChatCompletionTool[] {
  return tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: toJsonSchema(t.schema) } }));
}

/** A ModelClient on Chat Completions; structured output through `response_format: json_schema` in strict mode. */
export function createOpenAiClient(options: { apiKey: string; model: string; baseUrl: string | null }): ModelClient {
  // Our own loop retries and times out; the SDK's would double both.
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseUrl ?? undefined, maxRetries: 0, timeout: 24 * 3600_000 });
  return {
    async turn(req: TurnRequest): Promise<TurnResponse> {
      const stream = await client.chat.completions.create(
        {
          model: options.model,
          messages: toOpenAiMessages(req.system, req.messages),
          tools: toOpenAiTools(req.tools),
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: req.signal },
      );
      let text = '';
      const calls: Array<{ id: string; name: string; argsText: string }> = [];
      const usage = { inputTokens: 0, outputTokens: 0 };
      for await (const chunk of stream) {
        req.onActivity?.();
        if (chunk.usage) usage.inputTokens = chunk.usage.prompt_tokens ?? 0;
        if (chunk.usage) usage.outputTokens = chunk.usage.completion_tokens ?? 0;
        const delta = chunk.choices?.[0]?.delta;
        if (!delta) continue;
        if (delta.content) {
          text += delta.content;
          req.onText(delta.content);
        }
        for (const tc of delta.tool_calls ?? []) {
          const slot = (calls[tc.index] ??= { id: '', name: '', argsText: '' });
          if (tc.id) slot.id = tc.id;
          if (tc.function?.name) slot.name += tc.function.name;
          if (tc.function?.arguments) slot.argsText += tc.function.arguments;
        }
      }
      const toolCalls: ToolCall[] = calls.filter(Boolean).map((c, i) => ({ ...c, id: c.id || `call_${i}` }));
      return { text, toolCalls, usage };
    },

    async object(req: ObjectRequest): Promise<ObjectResponse> {
      const stream = await client.chat.completions.create(
        {
          model: options.model,
          messages: toOpenAiMessages(req.system, req.messages),
          response_format: { type: 'json_schema', json_schema: { name: req.name, description: req.description, schema: openAiStrictSchema(req.schema), strict: true } },
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: req.signal },
      );
      let text = '';
      let refusal: string | null = null;
      const usage = { inputTokens: 0, outputTokens: 0 };
      for await (const chunk of stream) {
        req.onActivity?.();
        if (chunk.usage) usage.inputTokens = chunk.usage.prompt_tokens ?? 0;
        if (chunk.usage) usage.outputTokens = chunk.usage.completion_tokens ?? 0;
        const delta = chunk.choices?.[0]?.delta;
        if (delta?.content) text += delta.content;
        if (delta?.refusal) refusal = (refusal ?? '') + delta.refusal;
      }
      return { text, toolCall: null, refusal, usage };
    },
  };
}
