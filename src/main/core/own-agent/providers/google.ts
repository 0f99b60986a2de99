/**
 * Google Gemini generateContentStream on the official SDK: functionDeclarations out,
 * functionCall parts in, functionResponse parts back.
 */
import { GoogleGenerativeAI, type Content, type FunctionDeclaration, type FunctionDeclarationSchema, type Part } from '@google/generative-ai';
import type { ChatMessage, ModelClient, ToolCall, ToolSpec, TurnRequest, TurnResponse } from '../types';

/** The conversation in Gemini form; consecutive same-role contents are merged. Pure. */
export function toGeminiContents(messages: ChatMessage[]): Content[] {
  const out: Content[] = [];
  const push = (role: 'user' | 'model', parts: Part[]) => {
    if (parts.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  };
  for (const m of messages) {
    if (m.role === 'user') push('user', [{ text: m.text }]);
    else if (m.role === 'assistant') {
      const parts: Part[] = [];
      if (m.text) parts.push({ text: m.text });
      for (const c of m.toolCalls) parts.push({ functionCall: { name: c.name, args: parseObject(c.argsText) } });
      push('model', parts);
    } else {
      // Gemini has no call ids: responses are matched by name and order.
      push(
        'user',
        m.results.map((r) => ({ functionResponse: { name: r.name, response: r.isError ? { error: r.content } : { content: r.content } } })),
      );
    }
  }
  return out;
}

function parseObject(text: string): object {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function toDeclarations(tools: ToolSpec[]): FunctionDeclaration[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    // Our schema subset is exactly what Gemini accepts; only the SDK's enum typing differs.
    parameters: t.parameters as unknown as FunctionDeclarationSchema,
  }));
}

/** A ModelClient on generateContentStream. */
export function createGoogleClient(options: { apiKey: string; model: string; baseUrl: string | null }): ModelClient {
  const genAI = new GoogleGenerativeAI(options.apiKey);
  let callCounter = 0;
  return {
    async turn(req: TurnRequest): Promise<TurnResponse> {
      const model = genAI.getGenerativeModel(
        { model: options.model, systemInstruction: req.system, tools: [{ functionDeclarations: toDeclarations(req.tools) }] },
        options.baseUrl ? { baseUrl: options.baseUrl } : undefined,
      );
      const result = await model.generateContentStream({ contents: toGeminiContents(req.messages) }, { signal: req.signal });
      // The aggregated promise rejects too when the stream fails; we read the stream instead.
      result.response.catch(() => undefined);
      let text = '';
      const toolCalls: ToolCall[] = [];
      const usage = { inputTokens: 0, outputTokens: 0 };
      for await (const chunk of result.stream) {
        req.onActivity?.();
        if (chunk.usageMetadata) {
          usage.inputTokens = chunk.usageMetadata.promptTokenCount ?? 0;
          usage.outputTokens = chunk.usageMetadata.candidatesTokenCount ?? 0;
        }
        for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
          if (part.text) {
            text += part.text;
            req.onText(part.text);
          }
          if (part.functionCall) {
            const args = part.functionCall.args as unknown;
            toolCalls.push({
              id: `gemini-call-${++callCounter}`,
              name: part.functionCall.name,
              argsText: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
            });
          }
        }
      }
      return { text, toolCalls, usage };
    },
  };
}
