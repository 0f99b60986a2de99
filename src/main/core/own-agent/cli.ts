/**
 * Flotilla's own agent as a terminal program: it runs in the agent's PTY like any coding CLI,
 * streams the conversation into the pane, and takes follow-ups at a `› ` prompt.
 */
import { realpathSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { createModelClient, type ModelClient } from '../models';
import { readAgentConfig } from './config';
import { ConversationStore } from './conversation';
import { LineInput } from './input';
import { formatError, makeStyle, PROMPT } from './render';
import { Reporter } from './report';
import { AgentSession } from './session';
import { findRipgrep } from './search-files';
import type { AgentConfig } from './types';

/** The process around the agent; the real one in production, substitutes in tests. */
export interface AgentCliIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable;
  env: Record<string, string | undefined>;
  /** The worktree. */
  cwd: string;
  /** Overrides the provider adapter (tests). */
  client?: Pick<ModelClient, 'turn'>;
}

const MODE_LABEL: Record<AgentConfig['permissionMode'], string> = {
  ask: 'asks before edits and commands',
  'auto-edit': 'edits freely, asks before commands',
  'full-auto': 'full auto, never asks',
};

/** Exit codes of the agent process. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_CONFIG = 2;

/** Runs the agent until the user quits (Ctrl-C / Ctrl-D at an empty prompt, or end of input). */
export async function runAgentCli(io: AgentCliIo): Promise<number> {
  const style = makeStyle(!io.env.NO_COLOR);
  const write = (chunk: string | Uint8Array) => void io.stdout.write(chunk);
  const parsed = readAgentConfig(io.env);
  const reporter = new Reporter(io.env.FLOTILLA_REPORT?.trim() || null);
  if (!parsed.ok) {
    write(formatError(style, parsed.message));
    reporter.status('failed');
    return EXIT_BAD_CONFIG;
  }
  const config = parsed.config;
  let root: string;
  try {
    root = realpathSync(io.cwd);
  } catch {
    write(formatError(style, `The worktree ${io.cwd} does not exist.`));
    reporter.status('failed');
    return EXIT_BAD_CONFIG;
  }

  const tty = io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
  if (tty) io.stdin.setRawMode?.(true);
  const input = new LineInput(io.stdin, (s) => write(s), tty);
  input.start();
  let current: AbortController | null = null;
  input.onInterrupt = () => current?.abort();
  // SIGINT still arrives from outside (kill -INT, or a terminal not in raw mode).
  const onSigint = () => current?.abort();
  process.on('SIGINT', onSigint);

  const store = config.stateDir ? new ConversationStore(config.stateDir) : null;
  const history = store?.load() ?? null;
  const session = new AgentSession(
    {
      config,
      client: io.client ?? createModelClient(config),
      root,
      write,
      style,
      reporter,
      ripgrep: findRipgrep(io.env.PATH),
      ask: (question) => input.prompt(question, { fresh: true }),
      store,
    },
    history ?? [],
  );
  write(`${style.dim(`Flotilla agent · ${config.providerName} · ${config.model} · ${MODE_LABEL[config.permissionMode]} · ${root}`)}\n`);
  write(`${style.dim('Ctrl-C stops the agent; Ctrl-C or Ctrl-D at an empty prompt quits.')}\n`);

  let code = EXIT_OK;
  try {
    // Restarted: continue the saved conversation at the prompt; sending the task again would
    // make the model redo what it already did.
    let next: string | null = history ? null : config.task || null;
    if (history) write(`${style.dim(`↺ Resumed the conversation from before the restart (${history.length} messages). Type a follow-up to continue.`)}\n`);
    if (next) write(`${style.bold(PROMPT)}${next}\n`);
    else reporter.status('waiting');
    for (;;) {
      if (next === null) {
        next = await input.prompt(style.bold(PROMPT));
        if (next === null) break;
        if (next.trim() === '') {
          next = null;
          continue;
        }
      }
      current = new AbortController();
      const outcome = await session.run(next, current.signal);
      current = null;
      next = null;
      if (outcome.kind === 'failed' && outcome.fatal) {
        code = EXIT_FAILED;
        break;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    input.stop();
    if (tty) io.stdin.setRawMode?.(false);
  }
  return code;
}
