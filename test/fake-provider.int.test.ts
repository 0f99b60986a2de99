import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenerativeAI, GoogleGenerativeAIFetchError, SchemaType, type Content, type ResponseSchema } from '@google/generative-ai';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from './fake-provider';

const KEY = 'test-key';
const READ_FILE_SCHEMA: { type: 'object'; properties: Record<string, unknown>; required: string[] } = {
  type: 'object',
  properties: { path: { type: 'string' } },
  required: ['path'],
};

let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(async () => {
  await fake.close();
});

/** What a promise rejects with; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('fake provider: OpenAI Chat Completions', () => {
  const client = (apiKey = KEY) => new OpenAI({ apiKey, baseURL: `${fake.url}/v1`, maxRetries: 0 });
  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'read_file', parameters: READ_FILE_SCHEMA } },
  ];

  it('streams scripted text in several chunks and reports the scripted usage in the last chunk', async () => {
    fake.script([{ text: 'Hello from the fake model', usage: { inputTokens: 12, outputTokens: 5 } }]);
    const stream = await client().chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) pieces.push(delta);
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe('Hello from the fake model');
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
    expect(fake.requests[0]).toMatchObject({ protocol: 'openai-chat', path: '/v1/chat/completions', stream: true });
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('streams a tool call and records the tool result sent back in the next request', async () => {
    fake.script([{ text: 'Reading.', toolCalls: [{ name: 'read_file', args: { path: 'src/a.ts' } }] }, { text: 'It exports a.' }]);
    const openai = client();
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is in src/a.ts?' }];
    const stream = await openai.chat.completions.create({ model: 'gpt-5', messages, tools, stream: true });
    let id = '';
    let name = '';
    let args = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        expect(call.index).toBe(0);
        id ||= call.id ?? '';
        name ||= call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect(name).toBe('read_file');
    expect(JSON.parse(args)).toEqual({ path: 'src/a.ts' });

    messages.push(
      { role: 'assistant', content: 'Reading.', tool_calls: [{ id, type: 'function', function: { name, arguments: args } }] },
      { role: 'tool', tool_call_id: id, content: 'export const a = 1;' },
    );
    const second = await openai.chat.completions.create({ model: 'gpt-5', messages, tools });
    expect(second.choices[0].message.content).toBe('It exports a.');
    expect(second.choices[0].finish_reason).toBe('stop');
    expect(fake.requests[1].stream).toBe(false);
    expect(fake.requests[1].body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: id, content: 'export const a = 1;' });
  });

  it('returns tool calls and usage in a non-streamed completion', async () => {
    fake.script([{ toolCalls: [{ name: 'read_file', args: { path: 'x' } }], usage: { inputTokens: 3, outputTokens: 4 } }]);
    const reply = await client().chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }], tools });
    const call = reply.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function).toEqual({ name: 'read_file', arguments: '{"path":"x"}' });
    expect(reply.choices[0].finish_reason).toBe('tool_calls');
    expect(reply.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('delivers malformed tool-call arguments as the raw string', async () => {
    fake.script([{ toolCalls: [{ name: 'read_file', args: '{"path": "a.ts"' }] }]);
    const stream = await client().chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }], tools, stream: true });
    let args = '';
    for await (const chunk of stream) for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args += call.function?.arguments ?? '';
    expect(args).toBe('{"path": "a.ts"');
  });

  it('answers a wrong key with 401 and the SDK raises its AuthenticationError', async () => {
    const error = await rejectionOf(client('wrong').chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('surfaces scripted 429 and 500 as the SDK errors, with retry-after 0 on the 429', async () => {
    fake.script([{ fail: 429 }, { fail: 500 }]);
    const openai = client();
    const limited = await rejectionOf(openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }], stream: true }));
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('0');
    const broken = await rejectionOf(openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] }));
    expect(broken).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('hangs a scripted request until the client times out', async () => {
    fake.script([{ fail: 'hang' }]);
    const openai = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0, timeout: 300 });
    const error = await rejectionOf(openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('answers "done" when the script is empty', async () => {
    const reply = await client().chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] });
    expect(reply.choices[0].message.content).toBe('done');
    expect(reply.choices[0].finish_reason).toBe('stop');
  });
});

describe('fake provider: OpenAI Responses', () => {
  const client = (apiKey = KEY) => new OpenAI({ apiKey, baseURL: `${fake.url}/v1`, maxRetries: 0 });
  const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'read_file', parameters: READ_FILE_SCHEMA, strict: false }];

  it('streams named events with text deltas and completes with the scripted usage', async () => {
    fake.script([{ text: 'Hello from responses', usage: { inputTokens: 20, outputTokens: 6 } }]);
    const stream = await client().responses.create({ model: 'gpt-5', input: 'hi', stream: true });
    const types: string[] = [];
    const deltas: string[] = [];
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas.push(event.delta);
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_item.added');
    expect(types).toContain('response.output_text.done');
    expect(types.at(-1)).toBe('response.completed');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello from responses');
    expect(completed?.output).toMatchObject([{ type: 'message', content: [{ type: 'output_text', text: 'Hello from responses' }] }]);
    expect(completed?.usage).toMatchObject({ input_tokens: 20, output_tokens: 6, total_tokens: 26 });
  });

  it('streams a function call and records the function_call_output sent back', async () => {
    fake.script([{ toolCalls: [{ name: 'read_file', args: { path: 'b.ts' } }] }, { text: 'b is empty' }]);
    const openai = client();
    const stream = await openai.responses.create({ model: 'gpt-5', input: 'read b.ts', tools, stream: true });
    let call: OpenAI.Responses.ResponseFunctionToolCall | undefined;
    let argDeltas = '';
    for await (const event of stream) {
      if (event.type === 'response.function_call_arguments.delta') argDeltas += event.delta;
      if (event.type === 'response.output_item.done' && event.item.type === 'function_call') call = event.item;
    }
    expect(call).toMatchObject({ name: 'read_file', arguments: '{"path":"b.ts"}' });
    expect(argDeltas).toBe('{"path":"b.ts"}');
    expect(call?.call_id).toMatch(/^call_/);

    const second = await openai.responses.create({
      model: 'gpt-5',
      tools,
      input: [
        { role: 'user', content: 'read b.ts' },
        { type: 'function_call', call_id: call!.call_id, name: call!.name, arguments: call!.arguments },
        { type: 'function_call_output', call_id: call!.call_id, output: '(empty file)' },
      ],
    });
    expect(second.output_text).toBe('b is empty');
    expect(fake.requests[1].protocol).toBe('openai-responses');
    expect(fake.requests[1].body.input.at(-1)).toEqual({ type: 'function_call_output', call_id: call!.call_id, output: '(empty file)' });
  });

  it('delivers malformed function-call arguments as the raw string', async () => {
    fake.script([{ toolCalls: [{ name: 'read_file', args: 'not json at all' }] }]);
    const reply = await client().responses.create({ model: 'gpt-5', input: 'x', tools });
    const item = reply.output.find((entry) => entry.type === 'function_call');
    expect(item?.type === 'function_call' && item.arguments).toBe('not json at all');
  });

  it('answers a call to a freeform custom tool as a custom_tool_call with the raw input', async () => {
    const patch = '*** Begin Patch\n*** Add File: e.txt\n+hi\n*** End Patch\n';
    fake.script([{ toolCalls: [{ name: 'apply_patch', args: patch }] }]);
    const stream = await client().responses.create({
      model: 'gpt-5',
      input: 'add e.txt',
      tools: [{ type: 'custom', name: 'apply_patch', description: 'Apply a patch' }],
      stream: true,
    });
    let deltas = '';
    let item: OpenAI.Responses.ResponseOutputItem | undefined;
    for await (const event of stream) {
      if (event.type === 'response.custom_tool_call_input.delta') deltas += event.delta;
      if (event.type === 'response.output_item.done') item = event.item;
    }
    expect(deltas).toBe(patch);
    expect(item).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: patch });
  });

  it('surfaces 401, 429 and 500 as the SDK errors', async () => {
    expect(await rejectionOf(client('wrong').responses.create({ model: 'gpt-5', input: 'x' }))).toBeInstanceOf(OpenAI.AuthenticationError);
    fake.script([{ fail: 429 }, { fail: 500 }]);
    expect(await rejectionOf(client().responses.create({ model: 'gpt-5', input: 'x', stream: true }))).toBeInstanceOf(OpenAI.RateLimitError);
    expect(await rejectionOf(client().responses.create({ model: 'gpt-5', input: 'x' }))).toBeInstanceOf(OpenAI.InternalServerError);
  });
});

describe('fake provider: Anthropic Messages', () => {
  const client = (apiKey = KEY) => new Anthropic({ apiKey, baseURL: fake.url, maxRetries: 0 });
  const tools: Anthropic.Tool[] = [{ name: 'read_file', description: 'Read a file', input_schema: READ_FILE_SCHEMA }];

  it('streams text deltas and reports the scripted usage', async () => {
    fake.script([{ text: 'Hello from Claude', usage: { inputTokens: 30, outputTokens: 7 } }]);
    const stream = client().messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello from Claude');
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 30, output_tokens: 7 });
    expect(fake.requests[0]).toMatchObject({ protocol: 'anthropic', path: '/v1/messages', stream: true });
    // SDK 1.x sends the key as a bearer token; older SDKs and Claude Code use x-api-key. Both are accepted.
    const { authorization, 'x-api-key': apiKey } = fake.requests[0].headers;
    expect([apiKey, authorization]).toContain(apiKey === undefined ? `Bearer ${KEY}` : KEY);
    expect(fake.requests[0].headers['anthropic-version']).toBeDefined();
  });

  it('accepts the key in x-api-key, as Claude Code sends it', async () => {
    const reply = await fetch(`${fake.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'done' }], stop_reason: 'end_turn' });
    const denied = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'wrong', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('streams a tool_use block and records the tool_result sent back', async () => {
    fake.script([{ text: 'Let me look.', toolCalls: [{ name: 'read_file', args: { path: 'c.ts' } }] }, { text: 'c is fine' }]);
    const anthropic = client();
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'check c.ts' }];
    const first = await anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages, tools }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'read_file', input: { path: 'c.ts' } });
    expect(toolUse?.type === 'tool_use' && toolUse.id).toMatch(/^toolu_/);

    messages.push(
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse!.type === 'tool_use' ? toolUse!.id : '', content: 'ok' }] },
    );
    const second = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages, tools });
    expect(second.content).toEqual([{ type: 'text', text: 'c is fine' }]);
    expect(second.stop_reason).toBe('end_turn');
    expect(JSON.stringify(fake.requests[1].body.messages.at(-1))).toContain('"tool_result"');
    expect(fake.requests[1].body.messages.at(-1).content[0]).toMatchObject({ tool_use_id: toolUse!.type === 'tool_use' ? toolUse!.id : '' });
  });

  it('delivers malformed tool input as the raw partial JSON string', async () => {
    fake.script([{ toolCalls: [{ name: 'read_file', args: '{"path": ' }] }]);
    const stream = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
      tools,
      stream: true,
    });
    let json = '';
    let stopReason: string | null = null;
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') json += event.delta.partial_json;
      if (event.type === 'message_delta') stopReason = event.delta.stop_reason;
    }
    expect(json).toBe('{"path": ');
    expect(stopReason).toBe('tool_use');
  });

  it('surfaces 401, 429 and 500 as the SDK errors', async () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    const denied = await rejectionOf(client('wrong').messages.create(params));
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((denied as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    fake.script([{ fail: 429 }, { fail: 500 }]);
    expect(await rejectionOf(client().messages.stream(params).finalMessage())).toBeInstanceOf(Anthropic.RateLimitError);
    expect(await rejectionOf(client().messages.create(params))).toBeInstanceOf(Anthropic.InternalServerError);
  });
});

describe('fake provider: Gemini', () => {
  const model = (key = KEY) =>
    new GoogleGenerativeAI(key).getGenerativeModel(
      {
        model: 'gemini-2.5-pro',
        tools: [
          {
            functionDeclarations: [
              {
                name: 'read_file',
                parameters: { type: SchemaType.OBJECT, properties: { path: { type: SchemaType.STRING } }, required: ['path'] },
              },
            ],
          },
        ],
      },
      { baseUrl: fake.url },
    );

  it('streams text over SSE and reports the scripted usage', async () => {
    fake.script([{ text: 'Hello from Gemini', usage: { inputTokens: 40, outputTokens: 8 } }]);
    const result = await model().generateContentStream('hi');
    const pieces: string[] = [];
    for await (const chunk of result.stream) pieces.push(chunk.text());
    const response = await result.response;
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe('Hello from Gemini');
    expect(response.candidates?.[0].finishReason).toBe('STOP');
    expect(response.usageMetadata).toEqual({ promptTokenCount: 40, candidatesTokenCount: 8, totalTokenCount: 48 });
    expect(fake.requests[0]).toMatchObject({ protocol: 'gemini', path: '/v1beta/models/gemini-2.5-pro:streamGenerateContent', stream: true });
    expect(fake.requests[0].headers['x-goog-api-key']).toBe(KEY);
  });

  it('returns a functionCall and records the functionResponse sent back', async () => {
    fake.script([{ toolCalls: [{ name: 'read_file', args: { path: 'd.ts' } }] }, { text: 'd has one line' }]);
    const gemini = model();
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'read d.ts' }] }];
    const first = await gemini.generateContentStream({ contents });
    const calls = (await first.response).functionCalls();
    expect(calls).toEqual([{ name: 'read_file', args: { path: 'd.ts' } }]);

    contents.push(
      { role: 'model', parts: [{ functionCall: calls![0] }] },
      { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { content: 'one line' } } }] },
    );
    const second = await gemini.generateContent({ contents });
    expect(second.response.text()).toBe('d has one line');
    expect(fake.requests[1].path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
    expect(fake.requests[1].body.contents.at(-1).parts[0]).toEqual({ functionResponse: { name: 'read_file', response: { content: 'one line' } } });
  });

  it('delivers malformed functionCall args as the raw string', async () => {
    fake.script([{ toolCalls: [{ name: 'read_file', args: '{path: d.ts}' }] }]);
    const result = await model().generateContent('x');
    expect(result.response.functionCalls()?.[0].args).toBe('{path: d.ts}');
  });

  it('answers a JSON-output request with the scripted text unchanged', async () => {
    const router = { reasoning: 'simple', model_choice: 'flash' };
    fake.script([{ text: JSON.stringify(router) }]);
    const result = await new GoogleGenerativeAI(KEY)
      .getGenerativeModel({ model: 'gemini-2.5-flash', generationConfig: { responseMimeType: 'application/json' } }, { baseUrl: fake.url })
      .generateContent('route this');
    expect(JSON.parse(result.response.text())).toEqual(router);
  });

  it('surfaces 401, 429 and 500 as fetch errors with the status and Google error shape', async () => {
    const denied = await rejectionOf(model('wrong').generateContent('x'));
    expect(denied).toBeInstanceOf(GoogleGenerativeAIFetchError);
    expect((denied as GoogleGenerativeAIFetchError).status).toBe(401);
    expect((denied as GoogleGenerativeAIFetchError).message).toContain('API key not valid');
    fake.script([{ fail: 429 }, { fail: 500 }]);
    expect(await rejectionOf(model().generateContentStream('x'))).toMatchObject({ status: 429 });
    expect(await rejectionOf(model().generateContent('x'))).toMatchObject({ status: 500 });
  });

  it('accepts the key as a ?key= query parameter', async () => {
    const reply = await fetch(`${fake.url}/v1beta/models/gemini-2.5-pro:generateContent?key=${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
    });
    expect(reply.status).toBe(200);
    expect((await reply.json()).candidates[0].content.parts).toEqual([{ text: 'done' }]);
  });
});

describe('fake provider: scripting', () => {
  it('gives a turn with `when` only to a request containing that text, leaving side requests the default', async () => {
    fake.script([{ when: 'the real task', text: 'working on it' }]);
    const openai = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const ask = async (content: string) =>
      (await openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content }] })).choices[0].message.content;
    expect(await ask('write a title')).toBe('done');
    expect(await ask('please do "the real task"')).toBe('working on it');
  });

  it('answers unknown paths with a 404 JSON body and lists models', async () => {
    const missing = await fetch(`${fake.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toHaveProperty('error');
    const models = await new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1` }).models.list();
    expect(models.data.map((m) => m.id)).toContain('fake-model');
  });

  it('closes promptly while a request hangs', async () => {
    fake.script([{ fail: 'hang' }]);
    const pending = fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 1, messages: [] }),
    }).catch((error: unknown) => error);
    await expect.poll(() => fake.requests.length).toBe(1);
    await fake.close();
    expect(await pending).toBeInstanceOf(Error);
    fake = await startFakeProvider(); // afterEach closes this one.
  });
});

describe('fake provider: structured output', () => {
  const answer = { verdict: 'pass' };
  const closed = { type: 'object', properties: { verdict: { type: 'string' } }, required: ['verdict'], additionalProperties: false };

  it('answers an OpenAI json_schema request with the object as the message text, and a broken string verbatim', async () => {
    fake.script([{ object: answer }, { object: '{"verdict": ' }]);
    const openai = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const ask = () =>
      openai.chat.completions.create({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'judge' }],
        response_format: { type: 'json_schema', json_schema: { name: 'review', schema: closed, strict: true } },
      });
    expect(JSON.parse((await ask()).choices[0].message.content!)).toEqual(answer);
    expect((await ask()).choices[0].message.content).toBe('{"verdict": ');
  });

  it('refuses an OpenAI strict schema that is not closed, with a 400 and without using a turn', async () => {
    fake.script([{ object: answer }]);
    const openai = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const open = { type: 'object', properties: { verdict: { type: 'string' }, note: { type: 'string' } }, required: ['verdict'], additionalProperties: false };
    const refused = await rejectionOf(
      openai.chat.completions.create({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'judge' }],
        response_format: { type: 'json_schema', json_schema: { name: 'review', schema: open, strict: true } },
      }),
    );
    expect(refused).toMatchObject({ status: 400, message: expect.stringContaining("Missing 'note'") });
    const reply = await openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] });
    expect(reply.choices[0].message.content).toBe(JSON.stringify(answer));
  });

  it('answers an Anthropic forced tool call with the object as that tool’s input', async () => {
    fake.script([{ object: answer }]);
    const message = await new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 }).messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'judge' }],
      tools: [{ name: 'review', input_schema: { type: 'object', properties: { verdict: { type: 'string' } } } }],
      tool_choice: { type: 'tool', name: 'review' },
    });
    expect(message.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_fake_/), name: 'review', input: answer }]);
  });

  it('answers Gemini JSON output with the object as text and refuses schema fields Gemini lacks', async () => {
    fake.script([{ object: answer }]);
    const model = (responseSchema: unknown) =>
      new GoogleGenerativeAI(KEY).getGenerativeModel(
        { model: 'gemini-2.5-pro', generationConfig: { responseMimeType: 'application/json', responseSchema: responseSchema as ResponseSchema } },
        { baseUrl: fake.url },
      );
    const ok = await model({ type: 'object', properties: { verdict: { type: 'string' } } }).generateContent('judge');
    expect(JSON.parse(ok.response.text())).toEqual(answer);
    const refused = await rejectionOf(model(closed).generateContent('judge'));
    expect(refused).toMatchObject({ status: 400, message: expect.stringContaining('Unknown name "additionalProperties"') });
  });
});
