/**
 * zod schemas as each vendor's JSON schema. zod v4 writes standard JSON Schema; the vendors accept
 * different subsets of it: Anthropic takes it as is, OpenAI's strict structured output wants every
 * object closed and every property required, Gemini wants an OpenAPI 3.0 subset without unions.
 * Constraints a vendor cannot express are dropped there: the answer is validated by zod anyway.
 */
import { z } from 'zod';

/** A JSON Schema node. */
export type JsonSchema = { [key: string]: unknown };

/** A schema one vendor cannot express; `message` names where and what. */
export class UnsupportedSchema extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedSchema';
  }
}

const SAFE_INT = Number.MAX_SAFE_INTEGER;

/** Removes what says nothing to a model: `$schema`, and the ±2^53 bounds zod puts on every integer. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    if (key === 'minimum' && value === -SAFE_INT) continue;
    if (key === 'maximum' && value === SAFE_INT) continue;
    out[key] = tidy(value);
  }
  return out;
}

function cached<T>(convert: (schema: z.ZodType) => T): (schema: z.ZodType) => T {
  const cache = new WeakMap<z.ZodType, T>();
  return (schema) => {
    let value = cache.get(schema);
    if (value === undefined) {
      value = convert(schema);
      cache.set(schema, value);
    }
    return value;
  };
}

function convert(schema: z.ZodType, target: 'draft-07' | 'openapi-3.0'): JsonSchema {
  try {
    // The input side: what the model must write, before any zod default or transform applies.
    return tidy(z.toJSONSchema(schema, { io: 'input', target, cycles: 'throw' })) as JsonSchema;
  } catch (err) {
    throw new UnsupportedSchema(`the schema has no JSON Schema form (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Standard JSON Schema (draft-07) of what the model must write: Anthropic's input_schema, OpenAI's tool parameters. */
export const toJsonSchema = cached((schema) => convert(schema, 'draft-07'));

const isObject = (v: unknown): v is JsonSchema => v !== null && typeof v === 'object' && !Array.isArray(v);
const nodes = (v: unknown): JsonSchema[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** Whether a schema node already admits null. */
function allowsNull(node: JsonSchema): boolean {
  if (node.type === 'null' || node.nullable === true) return true;
  if (Array.isArray(node.type) && node.type.includes('null')) return true;
  if (Array.isArray(node.enum) && node.enum.includes(null)) return true;
  return nodes(node.anyOf).some(allowsNull) || nodes(node.oneOf).some(allowsNull);
}

/** Keywords OpenAI's strict mode takes everywhere; the rest (bounds, patterns, formats) zod checks. */
const STRICT_KEYWORDS = ['type', 'description', 'enum', 'const'];

function strictNode(node: JsonSchema, at: string): JsonSchema {
  const out: JsonSchema = {};
  for (const key of STRICT_KEYWORDS) if (node[key] !== undefined) out[key] = node[key];
  if (node.allOf !== undefined) throw new UnsupportedSchema(`${at} is an intersection, which OpenAI's strict mode cannot express`);
  const choices = node.anyOf ?? node.oneOf;
  if (choices !== undefined) out.anyOf = nodes(choices).map((c) => strictNode(c, at));
  if (Array.isArray(node.items)) throw new UnsupportedSchema(`${at} is a tuple, which OpenAI's strict mode cannot express`);
  if (isObject(node.items)) out.items = strictNode(node.items, `${at}[]`);
  const isObjectType = node.type === 'object' || isObject(node.properties);
  if (isObjectType) {
    if (isObject(node.additionalProperties)) throw new UnsupportedSchema(`${at} is a record with free keys, which OpenAI's strict mode cannot express`);
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    const properties: JsonSchema = {};
    for (const [key, value] of Object.entries(isObject(node.properties) ? node.properties : {})) {
      if (!isObject(value)) continue;
      const prop = strictNode(value, `${at}.${key}`);
      // Strict mode wants every property listed; an optional one is sent as null instead.
      if (required.has(key) || allowsNull(prop)) properties[key] = prop;
      else {
        const { description, ...rest } = prop;
        properties[key] = { anyOf: [rest, { type: 'null' }], ...(description !== undefined ? { description } : {}) };
      }
    }
    out.properties = properties;
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  }
  return out;
}

/** OpenAI's strict structured output (`response_format: json_schema, strict: true`). */
export const openAiStrictSchema = cached((schema) => strictNode(toJsonSchema(schema), 'the answer'));

/**
 * Undoes the strict-mode trick: a null OpenAI sent for an optional property that does not admit
 * null becomes an absent property, so zod sees what the schema means. Pure.
 */
export function dropAddedNulls(value: unknown, node: JsonSchema): unknown {
  if (Array.isArray(value)) return isObject(node.items) ? value.map((v) => dropAddedNulls(v, node.items as JsonSchema)) : value;
  if (!isObject(value) || !isObject(node.properties)) return value;
  const properties = node.properties;
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  const out: JsonSchema = {};
  for (const [key, v] of Object.entries(value)) {
    const prop = properties[key];
    if (!isObject(prop)) {
      out[key] = v;
      continue;
    }
    if (v === null && !required.has(key) && !allowsNull(prop)) continue;
    out[key] = dropAddedNulls(v, prop);
  }
  return out;
}

/** Gemini's formats by type; other formats are dropped. */
const GEMINI_FORMATS: Record<string, string[]> = { string: ['date-time'], integer: ['int32', 'int64'], number: ['float', 'double'] };

function geminiFormat(type: string, format: unknown): JsonSchema {
  return typeof format === 'string' && GEMINI_FORMATS[type]?.includes(format) ? { format } : {};
}

function geminiNode(node: JsonSchema, at: string): JsonSchema {
  const base: JsonSchema = {};
  if (typeof node.description === 'string') base.description = node.description;
  if (allowsNull(node)) base.nullable = true;
  const choices = nodes(node.anyOf ?? node.oneOf);
  const typeList = Array.isArray(node.type) ? (node.type as unknown[]).filter((t) => t !== 'null') : null;
  if (choices.length > 0 || (typeList && typeList.length !== 1)) {
    const options: JsonSchema[] = choices.length > 0 ? choices.filter((c) => c.type !== 'null') : (typeList ?? []).map((t) => ({ type: t }));
    if (options.length === 1) return { ...geminiNode(options[0], at), ...base };
    const strings = options.flatMap((o) => (o.type === 'string' && Array.isArray(o.enum) ? o.enum : typeof o.const === 'string' ? [o.const] : [null]));
    if (strings.length > 0 && strings.every((s) => typeof s === 'string')) return { type: 'string', format: 'enum', enum: strings, ...base };
    throw new UnsupportedSchema(`${at} is a choice between different types, which Gemini's response schema cannot express`);
  }
  const type = typeList ? typeList[0] : node.type;
  switch (type) {
    case 'object': {
      const props = isObject(node.properties) ? Object.entries(node.properties).filter((e): e is [string, JsonSchema] => isObject(e[1])) : [];
      if (props.length === 0) throw new UnsupportedSchema(`${at} is an object without fixed properties, which Gemini's response schema cannot express`);
      const properties: JsonSchema = {};
      for (const [key, value] of props) properties[key] = geminiNode(value, `${at}.${key}`);
      const required = Array.isArray(node.required) ? node.required.filter((k) => typeof k === 'string' && k in properties) : [];
      return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), ...base };
    }
    case 'array': {
      if (!isObject(node.items)) throw new UnsupportedSchema(`${at} is a tuple, which Gemini's response schema cannot express`);
      const out: JsonSchema = { type: 'array', items: geminiNode(node.items, `${at}[]`), ...base };
      if (typeof node.minItems === 'number') out.minItems = node.minItems;
      if (typeof node.maxItems === 'number') out.maxItems = node.maxItems;
      return out;
    }
    case 'string':
      if (Array.isArray(node.enum) && node.enum.every((e) => typeof e === 'string')) return { type: 'string', format: 'enum', enum: node.enum, ...base };
      if (typeof node.const === 'string') return { type: 'string', format: 'enum', enum: [node.const], ...base };
      return { type, ...geminiFormat(type, node.format), ...base };
    case 'integer':
    case 'number':
    case 'boolean':
      return { type, ...geminiFormat(type, node.format), ...base };
    default:
      throw new UnsupportedSchema(`${at} has no fixed type, which Gemini's response schema cannot express`);
  }
}

/** Gemini's `responseSchema` and function `parameters`: the OpenAPI 3.0 subset @google/generative-ai accepts. */
export const geminiSchema = cached((schema) => geminiNode(convert(schema, 'openapi-3.0'), 'the answer'));

/** `findings[0].line` from a zod issue path. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

const EXPECTED: Record<string, string> = { int: 'an integer', integer: 'an integer', number: 'a number', string: 'a string', boolean: 'a boolean', object: 'an object', array: 'an array' };

/** The JSON type the schema names at `path`, when it names exactly one (zod reports an integer as "number"). */
function typeAt(node: JsonSchema | undefined, path: readonly PropertyKey[]): string | undefined {
  for (const part of path) {
    if (!node) return undefined;
    const next = typeof part === 'number' ? node.items : isObject(node.properties) ? node.properties[String(part)] : undefined;
    node = isObject(next) ? next : undefined;
  }
  return typeof node?.type === 'string' ? node.type : undefined;
}

/** What was wrong with a value, in sentences a model (and a person) can act on. Pure. */
export function describeIssues(error: z.ZodError, input: unknown, schema?: z.ZodType): string {
  const json = schema ? toJsonSchema(schema) : undefined;
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? `"${formatPath(issue.path)}"` : 'the value';
      if (issue.path.length > 0 && valueAt(input, issue.path) === undefined && issue.code === 'invalid_type') return `${where} is required`;
      if (issue.code === 'invalid_type') {
        const expected = typeAt(json, issue.path) === 'integer' ? 'integer' : issue.expected;
        return `${where} must be ${EXPECTED[expected] ?? expected}`;
      }
      if (issue.code === 'unrecognized_keys') return `${where} has unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}
