/**
 * Structured-output requests as each vendor sees them: which mechanism a request uses, whether the
 * vendor would accept its schema (the fake refuses what the real API refuses, with a 400), and
 * how a scripted `object` is put on the wire.
 */
import type { FakeTurn, Protocol } from './types';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** How a request asks for structured output, if it does. */
export type StructuredMode = { kind: 'text' } | { kind: 'tool'; name: string } | null;

/**
 * The mechanism a request uses: OpenAI Chat `response_format: json_schema` or Responses
 * `text.format: json_schema`, Gemini `responseMimeType: application/json` (answered as text), or
 * Anthropic's forced tool (`tool_choice: { type: 'tool', name }`, answered as that tool's input).
 */
export function structuredMode(protocol: Protocol, body: Json): StructuredMode {
  switch (protocol) {
    case 'openai-chat':
      return isObject(body.response_format) && body.response_format.type === 'json_schema' ? { kind: 'text' } : null;
    case 'openai-responses': {
      const format = isObject(body.text) && isObject(body.text.format) ? body.text.format : null;
      return format?.type === 'json_schema' ? { kind: 'text' } : null;
    }
    case 'anthropic':
      return isObject(body.tool_choice) && body.tool_choice.type === 'tool' && typeof body.tool_choice.name === 'string'
        ? { kind: 'tool', name: body.tool_choice.name }
        : null;
    case 'gemini': {
      const config = isObject(body.generationConfig) ? body.generationConfig : null;
      return config?.responseMimeType === 'application/json' ? { kind: 'text' } : null;
    }
  }
}

/** A scripted `object` as the turn the protocol answers: text, or a call of the forced tool. */
export function objectTurn(turn: FakeTurn, mode: StructuredMode): FakeTurn {
  if (turn.object === undefined) return turn;
  const text = typeof turn.object === 'string' ? turn.object : JSON.stringify(turn.object);
  if (mode?.kind === 'tool') return { ...turn, text: '', toolCalls: [{ name: mode.name, args: turn.object }] };
  return { ...turn, text };
}

/** OpenAI's strict mode: every object closed and listing every property as required. */
function strictProblem(node: unknown, at: string): string | null {
  if (!isObject(node)) return null;
  if (node.type === 'object' || isObject(node.properties)) {
    if (node.additionalProperties !== false) return `In context=(${at}), 'additionalProperties' is required to be supplied and to be false.`;
    const keys = Object.keys(isObject(node.properties) ? node.properties : {});
    const required = Array.isArray(node.required) ? node.required : [];
    const missing = keys.filter((k) => !required.includes(k));
    if (missing.length > 0) return `In context=(${at}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    for (const key of keys) {
      const problem = strictProblem((node.properties as Json)[key], [at, `'properties'`, `'${key}'`].filter(Boolean).join(', '));
      if (problem) return problem;
    }
  }
  for (const child of [node.items, ...(Array.isArray(node.anyOf) ? node.anyOf : [])]) {
    const problem = strictProblem(child, at);
    if (problem) return problem;
  }
  return null;
}

/** The fields of Gemini's Schema object (v1beta REST reference); anything else is refused. */
const GEMINI_SCHEMA_FIELDS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
  'default', 'items', 'minimum', 'maximum',
]);
const GEMINI_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT']);

function geminiProblem(node: unknown, at: string): string | null {
  if (!isObject(node)) return null;
  for (const key of Object.keys(node)) {
    if (!GEMINI_SCHEMA_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`;
  }
  if (node.type !== undefined && !(typeof node.type === 'string' && GEMINI_TYPES.has(node.type))) {
    return `Invalid JSON payload received. Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), ${JSON.stringify(node.type)}`;
  }
  for (const [key, child] of Object.entries(isObject(node.properties) ? node.properties : {})) {
    const problem = geminiProblem(child, `${at}.properties[${key}].value`);
    if (problem) return problem;
  }
  const items = geminiProblem(node.items, `${at}.items`);
  if (items) return items;
  for (const [i, child] of (Array.isArray(node.anyOf) ? node.anyOf : []).entries()) {
    const problem = geminiProblem(child, `${at}.any_of[${i}]`);
    if (problem) return problem;
  }
  return null;
}

/**
 * What the real API would answer 400 to in a request's structured-output or tool schemas, or
 * null: OpenAI strict schemas that are not closed, Gemini schemas with fields its Schema lacks,
 * an Anthropic forced tool that is not declared.
 */
export function schemaProblem(protocol: Protocol, body: Json): string | null {
  switch (protocol) {
    case 'openai-chat': {
      const format = isObject(body.response_format) ? body.response_format : null;
      if (format?.type !== 'json_schema') return null;
      const spec = isObject(format.json_schema) ? format.json_schema : {};
      if (typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name)) return "Invalid 'response_format.json_schema.name': must match ^[a-zA-Z0-9_-]{1,64}$.";
      if (spec.strict !== true) return null;
      const problem = strictProblem(spec.schema, '');
      return problem ? `Invalid schema for response_format '${spec.name}': ${problem}` : null;
    }
    case 'anthropic': {
      const mode = structuredMode(protocol, body);
      if (mode?.kind !== 'tool') return null;
      const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
      const tool = tools.find((t) => t.name === mode.name);
      if (!tool) return `tool_choice: tool '${mode.name}' was not found in tools`;
      return isObject(tool.input_schema) && tool.input_schema.type === 'object' ? null : `tools.0.custom.input_schema.type: Input should be 'object'`;
    }
    case 'gemini': {
      const config = isObject(body.generationConfig) ? body.generationConfig : null;
      const response = config ? geminiProblem(config.responseSchema, 'generation_config.response_schema') : null;
      if (response) return response;
      for (const [i, tool] of (Array.isArray(body.tools) ? (body.tools as Json[]) : []).entries()) {
        for (const [j, fn] of (Array.isArray(tool.functionDeclarations) ? (tool.functionDeclarations as Json[]) : []).entries()) {
          const problem = geminiProblem(fn.parameters, `tools[${i}].function_declarations[${j}].parameters`);
          if (problem) return problem;
        }
      }
      return null;
    }
    case 'openai-responses':
      return null;
  }
}
