/**
 * The agent loop: send the conversation, stream the answer, run the tools the model asked for,
 * send their results back, until the model calls finish, answers without tools, hits a limit,
 * fails, or the user stops it.
 */
import {
  classifyProviderError,
  describeFailure,
  RetryExhausted,
  streamWithIdleTimeout,
  withRetry,
  type ChatMessage,
  type ModelClient,
  type ProviderFailure,
  type TurnRequest,
  type TurnResponse,
  type ToolResult,
} from '../models';
import type { ConversationStore } from './conversation';
import { needsPermission, parseAnswer, refusalFor, toolKind, type ToolKind } from './permissions';
import { formatError, formatPermissionQuestion, formatToolCall, formatToolResult, type Style } from './render';
import type { Reporter } from './report';
import { TOOL_SPECS, validateArgs } from './tool-specs';
import { executeTool, type ToolContext } from './tools';
import type { AgentConfig } from './types';

/** How one run (the task, or one follow-up) ended. */
export type RunOutcome =
  | { kind: 'finished'; summary: string }
  | { kind: 'replied' }
  | { kind: 'cancelled' }
  | { kind: 'limit'; message: string }
  | { kind: 'failed'; message: string; fatal: boolean };

/** The system prompt: the rules and the task. Pure. */
export function systemPrompt(root: string, task: string): string {
  return [
    `You are Flotilla's coding agent. You work in a git worktree at ${root}.`,
    '',
    'Rules:',
    '- Work only inside this folder. Paths are relative to it; paths outside it and inside .git are refused.',
    '- Use the tools to look at and change files. Read a file before you edit it; never guess its content.',
    '- Prefer edit_file for changes to existing files (old_text must match exactly once); use write_file for new files.',
    '- Use run_command to build and run the tests; the user watches its output.',
    '- When the task is done, call finish with a short summary of what you changed and how you checked it.',
    '- If you need a decision from the user, ask in plain text without calling a tool; they will answer.',
    '',
    task ? `Task:\n${task}` : 'No task was given up front: the user\'s first message is the task.',
  ].join('\n');
}

/** What the session needs from its surroundings. */
export interface SessionDeps {
  config: AgentConfig;
  /** The agent only streams turns; structured output is for other callers. */
  client: Pick<ModelClient, 'turn'>;
  /** The worktree's real path. */
  root: string;
  write(chunk: string | Uint8Array): void;
  style: Style;
  reporter: Reporter;
  ripgrep: string | null;
  /** Shows a question and resolves with the user's line, or null for Ctrl-C / end of input. */
  ask(question: string): Promise<string | null>;
  /** Where the conversation is kept across restarts; null keeps nothing. */
  store: ConversationStore | null;
}

/** One conversation with the model, kept across follow-ups. */
export class AgentSession {
  readonly messages: ChatMessage[] = [];
  private readonly system: string;
  /** Tool kinds the user answered "always" for: not asked again until the process ends. */
  private readonly always = new Set<ToolKind>();

  /** `history` continues a conversation saved before a restart. */
  constructor(
    private readonly deps: SessionDeps,
    history: ChatMessage[] = [],
  ) {
    this.system = systemPrompt(deps.root, deps.config.task);
    this.messages.push(...history);
  }

  /** Runs until the model finishes or stops for the user; never throws. */
  async run(userText: string, signal: AbortSignal): Promise<RunOutcome> {
    const { reporter } = this.deps;
    reporter.status('working');
    let outcome: RunOutcome;
    try {
      outcome = await this.loop(userText, signal);
    } catch (err) {
      // A bug of ours, not the model's: say so in one line rather than a stack trace.
      outcome = { kind: 'failed', message: `The agent hit an internal error: ${(err as Error).message ?? String(err)}`, fatal: false };
    }
    this.announce(outcome);
    reporter.status(outcome.kind === 'finished' ? 'idle' : outcome.kind === 'failed' ? 'failed' : 'waiting');
    return outcome;
  }

  private announce(outcome: RunOutcome): void {
    const { write, style } = this.deps;
    switch (outcome.kind) {
      case 'finished':
        write(`${style.green('✓ Done.')}${outcome.summary ? ` ${outcome.summary}` : ''}\n`);
        break;
      case 'replied':
        break;
      case 'cancelled':
        write(`${style.yellow('⏹ Stopped.')} Type a follow-up, or press Ctrl-C again to quit.\n`);
        break;
      case 'limit':
        write(`${style.yellow(`⏸ ${outcome.message}`)}\n`);
        break;
      case 'failed':
        write(formatError(style, outcome.message));
        break;
    }
  }

  private async loop(userText: string, signal: AbortSignal): Promise<RunOutcome> {
    const { config, write, style, reporter } = this.deps;
    this.messages.push({ role: 'user', text: userText });
    this.save();
    let tokens = 0;
    for (let turn = 1; ; turn++) {
      if (turn > config.maxTurns) return { kind: 'limit', message: `Paused after ${config.maxTurns} turns (FLOTILLA_AGENT_MAX_TURNS). Type a follow-up to continue.` };
      if (config.maxTokens !== null && tokens >= config.maxTokens) {
        return { kind: 'limit', message: `Paused: this run used ${tokens} tokens, the limit is ${config.maxTokens} (FLOTILLA_AGENT_MAX_TOKENS). Type a follow-up to continue.` };
      }
      if (signal.aborted) return this.cancelled([]);
      let response: TurnResponse;
      let printed = '';
      try {
        response = await withRetry(
          () =>
            this.request(
              {
                system: this.system,
                messages: this.messages,
                tools: TOOL_SPECS,
                onText: (delta) => {
                  printed += delta;
                  write(delta);
                },
              },
              signal,
            ),
          {
            maxTries: config.maxTries,
            baseMs: config.retryBaseMs,
            signal,
            onRetry: (failure, attempt, delayMs) => {
              if (printed && !printed.endsWith('\n')) write('\n');
              printed = '';
              write(`${style.yellow(`⟳ ${retryReason(failure, config.providerName)}; retrying in ${(delayMs / 1000).toFixed(1)} s (try ${attempt + 1} of ${config.maxTries})`)}\n`);
            },
          },
        );
      } catch (err) {
        if (printed && !printed.endsWith('\n')) write('\n');
        const exhausted = err instanceof RetryExhausted ? err : new RetryExhausted(classifyProviderError(err), 1);
        const failure = exhausted.failure;
        if (failure.kind === 'cancelled' || signal.aborted) return this.cancelled([]);
        return { kind: 'failed', message: describeFailure(failure, config.providerName, exhausted.tries, config.timeoutMs), fatal: failure.kind === 'auth' };
      }
      if (response.text && !response.text.endsWith('\n')) write('\n');
      tokens += response.usage.inputTokens + response.usage.outputTokens;
      reporter.usage({ provider: config.provider, providerName: config.providerName, model: config.model, ...response.usage });
      this.messages.push({ role: 'assistant', text: response.text, toolCalls: response.toolCalls });
      this.save();
      if (response.toolCalls.length === 0) return { kind: 'replied' };

      const results: ToolResult[] = [];
      let finished: { summary: string } | null = null;
      const ctx: ToolContext = { root: this.deps.root, echo: write, signal, commandTimeoutMs: config.commandTimeoutMs, ripgrep: this.deps.ripgrep };
      let stopped = false;
      for (const call of response.toolCalls) {
        if (signal.aborted) break;
        write(formatToolCall(style, call.name, call.argsText));
        const permission = await this.permission(call.name, call.argsText);
        if (permission === 'stop') {
          stopped = true;
          break;
        }
        if (permission === 'refused') {
          write(formatToolResult(style, true, 'refused by you; the agent was told'));
          results.push({ callId: call.id, name: call.name, content: refusalFor(call.name), isError: true });
          continue;
        }
        const outcome = await executeTool(call.name, call.argsText, ctx);
        write(formatToolResult(style, outcome.isError, outcome.summary));
        results.push({ callId: call.id, name: call.name, content: outcome.content, isError: outcome.isError });
        if (outcome.finished) finished = outcome.finished;
      }
      if (signal.aborted || stopped) return this.cancelled(results, response.toolCalls);
      this.messages.push({ role: 'tool', results });
      this.save();
      if (finished) return { kind: 'finished', summary: finished.summary };
    }
  }

  /**
   * Asks the user before a call the permission mode does not allow on its own. Arguments the
   * tool would refuse anyway (not JSON, not matching its schema) need no question.
   */
  private async permission(name: string, argsText: string): Promise<'allowed' | 'refused' | 'stop'> {
    const { config, reporter, write, style } = this.deps;
    const kind = toolKind(name);
    if (!needsPermission(config.permissionMode, kind, this.always) || kind === null || !validCall(name, argsText)) return 'allowed';
    reporter.status('waiting');
    try {
      for (;;) {
        const line = await this.deps.ask(formatPermissionQuestion(style, name, argsText));
        if (line === null) return 'stop';
        const answer = parseAnswer(line);
        if (answer === 'no') return 'refused';
        if (answer === 'always') this.always.add(kind);
        if (answer !== null) return 'allowed';
        write(`${style.dim('  Answer y (yes), n (no) or a (always), then Enter.')}\n`);
      }
    } finally {
      reporter.status('working');
    }
  }

  private save(): void {
    this.deps.store?.save(this.messages);
  }

  /** Every tool call needs a result in the history, or the next request is rejected. */
  private cancelled(done: ToolResult[], calls: { id: string; name: string }[] = []): RunOutcome {
    if (calls.length > 0) {
      const results = [...done];
      for (const c of calls.slice(done.length)) results.push({ callId: c.id, name: c.name, content: 'Error: not run; the user stopped the agent.', isError: true });
      this.messages.push({ role: 'tool', results });
      this.save();
    }
    return { kind: 'cancelled' };
  }

  /** One streamed request under the idle timeout and the user's abort. */
  private request(req: Omit<TurnRequest, 'signal' | 'onActivity'>, signal: AbortSignal): Promise<TurnResponse> {
    return streamWithIdleTimeout((inner, onActivity) => this.deps.client.turn({ ...req, signal: inner, onActivity }), { signal, timeoutMs: this.deps.config.timeoutMs });
  }
}

function validCall(name: string, argsText: string): boolean {
  const spec = TOOL_SPECS.find((t) => t.name === name);
  try {
    return spec !== undefined && validateArgs(spec.schema, JSON.parse(argsText)).ok;
  } catch {
    return false;
  }
}

function retryReason(failure: ProviderFailure, providerName: string): string {
  if (failure.kind === 'rate-limit') return `${providerName} is rate limiting (429)`;
  if (failure.kind === 'server') return `${providerName} failed with ${failure.status ?? 'a server error'}`;
  return `Could not reach ${providerName} (${failure.message})`;
}
