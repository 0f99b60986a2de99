/**
 * Google Gemini generateContentStream on the official SDK: functionDeclarations out,
 * functionCall parts in, functionResponse parts back.
 */
import {
  GoogleGenerativeAI,
  type Content,
  type FunctionDeclaration,
  type FunctionDeclarationSchema,
  type GenerateContentStreamResult,
  type Part,
  type ResponseSchema,
} from '@google/generative-ai';
import { geminiSchema } from './json-schema';
import type { ChatMessage, ModelClient, ObjectRequest, ObjectResponse, ToolCall, ToolSpec, TurnRequest, TurnResponse } from './types';

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
    // geminiSchema writes the subset Gemini accepts; the SDK's types only differ in enum typing.
    ...(Object.keys(t.schema.shape).length > 0 ? { parameters: geminiSchema(t.schema) as unknown as FunctionDeclarationSchema } : {}),
  }));
}

/** A ModelClient on generateContentStream; structured output through `responseMimeType: application/json` and a `responseSchema`. */
export function createGoogleClient(options: { apiKey: string; model: string; baseUrl: string | null }): ModelClient {
  const genAI = new GoogleGenerativeAI(options.apiKey);
  const requestOptions = options.baseUrl ? { baseUrl: options.baseUrl } : undefined;
  let callCounter = 0;

  async function read(result: GenerateContentStreamResult, req: { onText?(delta: string): void; onActivity?(): void }): Promise<TurnResponse> {
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
          req.onText?.(part.text);
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
  }

  return {
    async turn(req: TurnRequest): Promise<TurnResponse> {
      const model = genAI.getGenerativeModel({ model: options.model, systemInstruction: req.system, tools: [{ functionDeclarations: toDeclarations(req.tools) }] }, requestOptions);
      return read(await model.generateContentStream({ contents: toGeminiContents(req.messages) }, { signal: req.signal }), req);
    },

    async object(req: ObjectRequest): Promise<ObjectResponse> {
      const model = genAI.getGenerativeModel(
        {
          model: options.model,
          systemInstruction: req.system,
          generationConfig: { responseMimeType: 'application/json', responseSchema: geminiSchema(req.schema) as unknown as ResponseSchema },
        },
        requestOptions,
      );
      const answer = await read(await model.generateContentStream({ contents: toGeminiContents(req.messages) }, { signal: req.signal }), req);
      return { text: answer.text, toolCall: null, refusal: null, usage: answer.usage };
    },
  };
}
