/**
 * Parsing the lines coding CLIs write to their session logs into one usage record per model
 * response (formats: cli-usage.ts). Pure functions, unit-tested.
 */

/** One model response as a CLI recorded it. */
export interface CliUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
}

/** A response parsed from one line: its id (for dedupe) and usage. */
export interface ParsedUsage {
  id: string;
  usage: CliUsage;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** The value as a plain object, or null. */
export function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function parseJson(line: string): Record<string, unknown> | null {
  try {
    return record(JSON.parse(line));
  } catch {
    return null;
  }
}

/**
 * One Claude Code transcript line. Input tokens = input + cache creation + cache read: the
 * Anthropic API reports the three as disjoint parts of the prompt. Synthetic replies (errors,
 * model `<synthetic>`) are not model responses and are skipped.
 */
export function parseClaudeLine(line: string): ParsedUsage | null {
  if (!line.includes('"usage"')) return null;
  const d = parseJson(line);
  if (!d || d.type !== "assistant") return null;
  const message = record(d.message);
  const usage = record(message?.usage);
  if (!message || !usage) return null;
  const model = typeof message.model === "string" ? message.model : "";
  if (!model || model.startsWith("<")) return null;
  const id = typeof message.id === "string" ? message.id : typeof d.uuid === "string" ? d.uuid : null;
  if (!id) return null;
  return {
    id: `claude:${id}`,
    usage: {
      model,
      inputTokens:
        num(usage.input_tokens) + num(usage.cache_creation_input_tokens) + num(usage.cache_read_input_tokens),
      outputTokens: num(usage.output_tokens),
    },
  };
}

/**
 * One Gemini CLI chat line. Input = prompt + tool-use prompt tokens (cached ones are already part
 * of the prompt); output = candidates + thoughts, both billed as output.
 */
export function parseGeminiLine(line: string): ParsedUsage | null {
  if (!line.includes('"tokens"')) return null;
  const d = parseJson(line);
  if (!d || d.type !== "gemini") return null;
  const tokens = record(d.tokens);
  const model = typeof d.model === "string" ? d.model : "";
  if (!tokens || !model || typeof d.id !== "string") return null;
  return {
    id: `gemini:${d.id}`,
    usage: {
      model,
      inputTokens: num(tokens.input) + num(tokens.tool),
      outputTokens: num(tokens.output) + num(tokens.thoughts),
    },
  };
}

/** What a Codex rollout reader remembers between lines of one file. */
export interface CodexFileState {
  /** Model of the current turn (from `turn_context`). */
  model: string | null;
  /** The file has `token_usage_record` lines, so its `token_count` events are duplicates. */
  records: boolean;
  /** Running total of the last counted `token_count` event (older rollouts). */
  lastTotal: number;
}

/** A fresh per-file state for parseCodexLine. */
export function newCodexFileState(): CodexFileState {
  return { model: null, records: false, lastTotal: 0 };
}

/**
 * One Codex rollout line; updates `state`. OpenAI's input tokens already include cached ones and
 * output tokens include reasoning, so both are taken as they are.
 */
export function parseCodexLine(line: string, state: CodexFileState): ParsedUsage | null {
  const isContext = line.includes('"turn_context"');
  const isRecord = line.includes('"token_usage_record"');
  const isCount = line.includes('"token_count"');
  if (!isContext && !isRecord && !isCount) return null;
  const d = parseJson(line);
  const payload = record(d?.payload);
  if (!d || !payload) return null;
  if (d.type === "turn_context") {
    if (typeof payload.model === "string" && payload.model) state.model = payload.model;
    return null;
  }
  const model = state.model ?? "unknown";
  if (d.type === "token_usage_record") {
    state.records = true;
    const usage = record(payload.usage);
    const id = typeof payload.response_id === "string" ? payload.response_id : null;
    if (!usage || !id) return null;
    return {
      id: `codex:${id}`,
      usage: { model, inputTokens: num(usage.input_tokens), outputTokens: num(usage.output_tokens) },
    };
  }
  if (d.type === "event_msg" && payload.type === "token_count" && !state.records) {
    // The same count can be emitted more than once; a response is new when the running total grows.
    const info = record(payload.info);
    const last = record(info?.last_token_usage);
    const total = num(record(info?.total_token_usage)?.total_tokens);
    if (!last || total <= state.lastTotal) return null;
    state.lastTotal = total;
    return {
      id: `codex-total:${total}`,
      usage: { model, inputTokens: num(last.input_tokens), outputTokens: num(last.output_tokens) },
    };
  }
  return null;
}
