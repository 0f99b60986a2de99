/**
 * Flotilla's own agent, run for real: the CLI in a real PTY (node-pty), on each provider's
 * official SDK, against the fake provider server on 127.0.0.1.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn as spawnPty, type IPty } from 'node-pty';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeProvider, type FakeProvider, type FakeTurn, type RecordedRequest } from './fake-provider';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

// Each test starts real agent processes (tsx compiling on the fly); on a loaded 2-core machine
// that alone takes seconds, so deadlines are generous. Nothing here asserts speed.
vi.setConfig({ testTimeout: 180_000 });

const ROOT = resolve(__dirname, '..');
const TSX_LOADER = join(ROOT, 'node_modules/tsx/dist/loader.mjs');
const AGENT_ENTRY = join(ROOT, 'src/main/agent-cli.ts');

type Vendor = 'openai' | 'anthropic' | 'google';
const VENDORS: { vendor: Vendor; name: string; keyEnv: string; model: string; baseUrl: (f: FakeProvider) => string }[] = [
  { vendor: 'openai', name: 'OpenAI', keyEnv: 'OPENAI_API_KEY', model: 'gpt-5', baseUrl: (f) => `${f.url}/v1` },
  { vendor: 'anthropic', name: 'Anthropic', keyEnv: 'ANTHROPIC_API_KEY', model: 'claude-sonnet-4-5', baseUrl: (f) => f.url },
  { vendor: 'google', name: 'Google', keyEnv: 'GEMINI_API_KEY', model: 'gemini-2.5-pro', baseUrl: (f) => f.url },
];

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '');

/** The agent process in its PTY. */
class AgentRun {
  private raw = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number>;

  constructor(readonly pty: IPty) {
    pty.onData((d) => {
      this.raw += d;
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((r) => pty.onExit((e) => r(e.exitCode)));
  }

  text(): string {
    return stripAnsi(this.raw).replace(/\r\n/g, '\n');
  }

  waitFor(pattern: string | RegExp, timeoutMs = 60_000): Promise<void> {
    const test = () => (typeof pattern === 'string' ? this.text().includes(pattern) : pattern.test(this.text()));
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`waited for ${pattern}; output so far:\n${this.text()}`)), timeoutMs);
      const check = () => {
        if (test()) {
          clearTimeout(timer);
          res();
        } else this.waiters.push(check);
      };
      check();
    });
  }
}

let repo: string;
let reportDir: string;
let fake: FakeProvider;
let runs: AgentRun[] = [];

beforeEach(async () => {
  repo = makeRepo({ 'greeting.txt': 'hello world\n' });
  reportDir = tempDir('flotilla-report-');
  fake = await startFakeProvider();
  runs = [];
});

afterEach(async () => {
  for (const r of runs) {
    try {
      r.pty.kill();
    } catch {
      /* gone */
    }
  }
  await fake.close();
  removeDir(repo);
  removeDir(reportDir);
});

function startAgent(v: (typeof VENDORS)[number], task: string, extra: Record<string, string> = {}): AgentRun {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    SHELL: '/bin/sh',
    FLOTILLA_AGENT_PROVIDER: v.vendor,
    FLOTILLA_AGENT_MODEL: v.model,
    FLOTILLA_AGENT_BASE_URL: v.baseUrl(fake),
    FLOTILLA_TASK: task,
    FLOTILLA_REPORT: join(reportDir, 'report.jsonl'),
    FLOTILLA_AGENT_RETRY_BASE_MS: '10',
    // The loop's own tests run unattended; the permission tests below set their mode.
    FLOTILLA_AGENT_PERMISSION_MODE: 'full-auto',
    [v.keyEnv]: fake.apiKey,
    ...extra,
  };
  const pty = spawnPty(process.execPath, ['--import', TSX_LOADER, AGENT_ENTRY], { cwd: repo, env, cols: 120, rows: 40, name: 'xterm-256color' });
  const run = new AgentRun(pty);
  runs.push(run);
  return run;
}

function report(): Array<Record<string, unknown>> {
  try {
    return readFileSync(join(reportDir, 'report.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return [];
  }
}

/** The tool results a request carried back to the model, as text, whatever the wire format. */
function toolResultsIn(req: RecordedRequest): string[] {
  const out: string[] = [];
  const body = req.body as Record<string, unknown>;
  if (req.protocol === 'openai-chat') {
    for (const m of body.messages as Array<{ role: string; content: string }>) if (m.role === 'tool') out.push(m.content);
  } else if (req.protocol === 'anthropic') {
    for (const m of body.messages as Array<{ content: unknown }>) {
      if (!Array.isArray(m.content)) continue;
      for (const b of m.content as Array<{ type: string; content?: unknown }>) if (b.type === 'tool_result') out.push(String(b.content));
    }
  } else {
    for (const c of body.contents as Array<{ parts: Array<{ functionResponse?: { response: Record<string, unknown> } }> }>) {
      for (const p of c.parts) if (p.functionResponse) out.push(String(p.functionResponse.response.content ?? p.functionResponse.response.error));
    }
  }
  return out;
}

/** Waits until the agent shows its prompt and waits for the user (the output ends with it). */
async function waitForPrompt(run: AgentRun, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.text().endsWith('\n› ')) {
    if (Date.now() > deadline) throw new Error(`no prompt; output:\n${run.text()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(VENDORS)('Flotilla agent on $name', (v) => {
  it('reads, edits, runs a command and finishes; results go back to the model and usage to the report', async () => {
    fake.script([
      { text: 'Let me look at the file.', toolCalls: [{ name: 'read_file', args: { path: 'greeting.txt' } }], usage: { inputTokens: 100, outputTokens: 10 } },
      { toolCalls: [{ name: 'edit_file', args: { path: 'greeting.txt', old_text: 'hello', new_text: 'goodbye' } }], usage: { inputTokens: 120, outputTokens: 20 } },
      { toolCalls: [{ name: 'run_command', args: { command: 'cat greeting.txt' } }], usage: { inputTokens: 140, outputTokens: 30 } },
      { text: 'All set.', toolCalls: [{ name: 'finish', args: { summary: 'Changed the greeting.' } }], usage: { inputTokens: 160, outputTokens: 40 } },
    ]);
    const run = startAgent(v, 'Change hello to goodbye in greeting.txt');
    await run.waitFor('✓ Done. Changed the greeting.');
    await waitForPrompt(run);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);

    expect(readFileSync(join(repo, 'greeting.txt'), 'utf8')).toBe('goodbye world\n');
    const text = run.text();
    expect(text).toContain('Let me look at the file.');
    expect(text).toContain('⚙ read_file greeting.txt');
    expect(text).toContain('⚙ run_command $ cat greeting.txt');
    // The command's own output reached the pane, between the call and its result line.
    expect(text).toMatch(/\$ cat greeting\.txt\ngoodbye world\n {2}↳ exit code 0/);

    expect(fake.requests).toHaveLength(4);
    expect(toolResultsIn(fake.requests[1])).toEqual([expect.stringContaining('hello world')]);
    expect(toolResultsIn(fake.requests[2]).at(-1)).toBe('Edited greeting.txt at line 1.');
    expect(toolResultsIn(fake.requests[3]).at(-1)).toBe('exit code: 0\ngoodbye world\n');
    expect(JSON.stringify(fake.requests[0].body)).toContain('Change hello to goodbye in greeting.txt');

    const lines = report();
    const usage = lines.filter((l) => l.type === 'usage');
    expect(usage).toHaveLength(4);
    expect(usage[0]).toMatchObject({ provider: v.vendor, model: v.model, inputTokens: 100, outputTokens: 10 });
    expect(usage[3]).toMatchObject({ inputTokens: 160, outputTokens: 40 });
    const statuses = lines.filter((l) => l.type === 'status').map((l) => l.activity);
    expect(statuses).toEqual(['working', 'idle']);
  });

  it('stops with a clear message naming the provider when the key is refused (401)', async () => {
    const run = startAgent(v, 'anything', { [v.keyEnv]: 'wrong-key' });
    expect(await run.exited).toBe(1);
    const text = run.text();
    expect(text).toContain(`The ${v.name} API key was refused (401). Check the key in Settings → Providers.`);
    expect(text).not.toMatch(/\n\s+at /);
    expect(report().at(-1)).toEqual({ type: 'status', activity: 'failed' });
  });

  it('retries a 429 and then succeeds', async () => {
    fake.script([{ fail: 429 }, { text: 'Recovered after the rate limit.' }]);
    const run = startAgent(v, 'hi');
    await run.waitFor('Recovered after the rate limit.');
    expect(run.text()).toMatch(new RegExp(`⟳ ${v.name} is rate limiting \\(429\\); retrying in 0.0 s \\(try 2 of 4\\)`));
    expect(fake.requests).toHaveLength(2);
    await waitForPrompt(run);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });

  it('gives up after repeated 500s with a message, and stays at the prompt', async () => {
    // A reply no banner contains ("full auto, never asks" would match "never" at once).
    fake.script([{ fail: 500 }, { fail: 500 }, { fail: 500 }, { text: 'Answer after the failures.' }]);
    const run = startAgent(v, 'hi', { FLOTILLA_AGENT_MAX_TRIES: '3' });
    await run.waitFor(`${v.name} failed with 500 after 3 tries; stopped.`);
    await waitForPrompt(run);
    expect(fake.requests).toHaveLength(3);
    expect(report().at(-1)).toEqual({ type: 'status', activity: 'failed' });
    // A follow-up tries again and gets the next scripted answer.
    run.pty.write('try again\r');
    await run.waitFor('Answer after the failures.');
    await waitForPrompt(run);
    run.pty.write('\x03');
    expect(await run.exited).toBe(0);
  });

  it('times out a request that never answers', async () => {
    fake.script([{ fail: 'hang' }]);
    // The fake never answers: only the timeout can produce this line.
    const run = startAgent(v, 'hi', { FLOTILLA_AGENT_TIMEOUT_MS: '800' });
    await run.waitFor(`${v.name} sent nothing for 800 ms; the request timed out and was stopped.`);
    await waitForPrompt(run);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });

  it('returns malformed tool arguments to the model as a tool error and carries on', async () => {
    fake.script([{ toolCalls: [{ name: 'read_file', args: '{"path": "greeting.txt"' }] }, { text: 'Fixed my call.' }]);
    const run = startAgent(v, 'hi');
    await run.waitFor('Fixed my call.');
    expect(run.text()).toMatch(/✗ The arguments for read_file are not valid JSON/);
    expect(toolResultsIn(fake.requests[1])).toEqual([expect.stringMatching(/^Error: The arguments for read_file are not valid JSON/)]);
    await waitForPrompt(run);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });

  it('stops a streaming request at once on Ctrl-C, then quits on Ctrl-C at the empty prompt', async () => {
    fake.script([{ fail: 'hang' }]);
    const run = startAgent(v, 'hi');
    const deadline = Date.now() + 60_000;
    while (fake.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fake.requests).toHaveLength(1);
    // The request hangs forever: only Ctrl-C can stop it.
    run.pty.write('\x03');
    await run.waitFor('⏹ Stopped.');
    await waitForPrompt(run);
    expect(report().at(-1)).toEqual({ type: 'status', activity: 'waiting' });
    run.pty.write('\x03');
    expect(await run.exited).toBe(0);
  });
});

describe('Flotilla agent limits', () => {
  it('refuses a path outside the worktree without writing, and pauses at the turn limit', async () => {
    const outside = tempDir('flotilla-outside-');
    try {
      fake.script([
        { toolCalls: [{ name: 'write_file', args: { path: join(outside, 'x.txt'), content: 'pwned' } }] },
        { toolCalls: [{ name: 'write_file', args: { path: '../x.txt', content: 'pwned' } }] },
      ]);
      const run = startAgent(VENDORS[0], 'escape', { FLOTILLA_AGENT_MAX_TURNS: '2' });
      await run.waitFor('Paused after 2 turns');
      expect(toolResultsIn(fake.requests[1])[0]).toMatch(/^Error: .* is outside the worktree/);
      expect(fake.requests).toHaveLength(2);
      expect(readFileSync(join(repo, 'greeting.txt'), 'utf8')).toBe('hello world\n');
      expect(readdirSync(outside)).toEqual([]);
      run.pty.write('\x04');
      expect(await run.exited).toBe(0);
    } finally {
      removeDir(outside);
    }
  });

  it('starts at the prompt without a task and takes the task from the user', async () => {
    fake.script([{ text: 'What should I do?' }, { text: 'On it.' }]);
    const run = startAgent(VENDORS[1], '');
    await waitForPrompt(run);
    expect(fake.requests).toHaveLength(0);
    expect(report()).toEqual([{ type: 'status', activity: 'waiting' }]);
    run.pty.write('add a test\r');
    await run.waitFor('What should I do?');
    await waitForPrompt(run);
    run.pty.write('the login test\r');
    await run.waitFor('On it.');
    // The follow-up went into the same conversation.
    expect(JSON.stringify(fake.requests[1].body)).toContain('add a test');
    expect(JSON.stringify(fake.requests[1].body)).toContain('the login test');
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });
});

/** Resolves once the report's latest status is `activity`. */
async function waitForStatus(activity: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (report().filter((l) => l.type === 'status').at(-1)?.activity !== activity) {
    if (Date.now() > deadline) throw new Error(`status never became ${activity}: ${JSON.stringify(report())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('Flotilla agent permission modes', () => {
  const write = (path: string, content: string) => ({ name: 'write_file', args: { path, content } });
  const command = (cmd: string) => ({ name: 'run_command', args: { command: cmd } });

  it('ask: a "no" leaves the file unwritten, goes back to the model as a refusal, and the run continues', async () => {
    fake.script([{ toolCalls: [write('new.txt', 'pwned')] }, { text: 'Understood, I will not write it.' }]);
    const run = startAgent(VENDORS[0], 'write a file', { FLOTILLA_AGENT_PERMISSION_MODE: 'ask' });
    await run.waitFor('[a]lways allow file changes in this session › ');
    expect(run.text()).toContain('? Write this file? new.txt');
    // Waiting for the user's answer is "waiting", not "working".
    await waitForStatus('waiting');
    expect(existsSync(join(repo, 'new.txt'))).toBe(false);
    run.pty.write('n\r');
    await run.waitFor('Understood, I will not write it.');
    expect(existsSync(join(repo, 'new.txt'))).toBe(false);
    expect(run.text()).toContain('✗ refused by you');
    expect(toolResultsIn(fake.requests[1])).toEqual([expect.stringMatching(/^Error: the user refused this write_file call/)]);
    await waitForPrompt(run);
    expect(report().filter((l) => l.type === 'status').map((l) => l.activity)).toEqual(['working', 'waiting', 'working', 'waiting']);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });

  it('ask: "y" writes; "always" stops asking for file changes but not for commands', async () => {
    fake.script([
      { toolCalls: [write('one.txt', '1')] },
      { toolCalls: [write('two.txt', '2')] },
      { toolCalls: [write('three.txt', '3')] },
      { toolCalls: [command('touch ran.txt')] },
      { toolCalls: [{ name: 'finish', args: { summary: 'Wrote three files.' } }] },
    ]);
    const run = startAgent(VENDORS[1], 'write files', { FLOTILLA_AGENT_PERMISSION_MODE: 'ask' });
    await run.waitFor('? Write this file? one.txt');
    run.pty.write('y\r');
    await run.waitFor('? Write this file? two.txt');
    expect(readFileSync(join(repo, 'one.txt'), 'utf8')).toBe('1');
    run.pty.write('always\r');
    await run.waitFor('? Run this command? $ touch ran.txt');
    expect(count(run.text(), 'Write this file?')).toBe(2);
    expect(readFileSync(join(repo, 'three.txt'), 'utf8')).toBe('3');
    expect(existsSync(join(repo, 'ran.txt'))).toBe(false);
    run.pty.write('y\r');
    await run.waitFor('✓ Done. Wrote three files.');
    expect(existsSync(join(repo, 'ran.txt'))).toBe(true);
    await waitForPrompt(run);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });

  it('auto-edit: writes without asking, asks before a command, and a "no" does not run it', async () => {
    fake.script([{ toolCalls: [write('auto.txt', 'auto')] }, { toolCalls: [command('touch ran.txt')] }, { text: 'Fine, no command.' }]);
    const run = startAgent(VENDORS[2], 'edit and run', { FLOTILLA_AGENT_PERMISSION_MODE: 'auto-edit' });
    await run.waitFor('? Run this command? $ touch ran.txt');
    expect(readFileSync(join(repo, 'auto.txt'), 'utf8')).toBe('auto');
    expect(run.text()).not.toContain('Write this file?');
    run.pty.write('n\r');
    await run.waitFor('Fine, no command.');
    expect(existsSync(join(repo, 'ran.txt'))).toBe(false);
    expect(toolResultsIn(fake.requests[2]).at(-1)).toMatch(/^Error: the user refused this run_command call/);
    await waitForPrompt(run);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });

  it('full-auto: never asks', async () => {
    fake.script([{ toolCalls: [write('auto.txt', 'auto'), command('touch ran.txt')] }, { toolCalls: [{ name: 'finish', args: { summary: 'Both done.' } }] }]);
    const run = startAgent(VENDORS[0], 'edit and run', { FLOTILLA_AGENT_PERMISSION_MODE: 'full-auto' });
    await run.waitFor('✓ Done. Both done.');
    expect(readFileSync(join(repo, 'auto.txt'), 'utf8')).toBe('auto');
    expect(existsSync(join(repo, 'ran.txt'))).toBe(true);
    expect(run.text()).not.toMatch(/Write this file\?|Run this command\?/);
    await waitForPrompt(run);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });

  it('Ctrl-C at a question stops the run without doing the call', async () => {
    fake.script([{ toolCalls: [command('touch ran.txt')] }]);
    const run = startAgent(VENDORS[0], 'run', { FLOTILLA_AGENT_PERMISSION_MODE: 'ask' });
    await run.waitFor('? Run this command?');
    run.pty.write('\x03');
    await run.waitFor('⏹ Stopped.');
    await waitForPrompt(run);
    expect(existsSync(join(repo, 'ran.txt'))).toBe(false);
    run.pty.write('\x04');
    expect(await run.exited).toBe(0);
  });
});

describe.each(VENDORS)('Flotilla agent restarted on $name', (v) => {
  it('resumes the saved conversation at the prompt instead of sending the task again', async () => {
    const task = 'Summarise greeting.txt for me';
    fake.script([{ text: 'Reading it.', toolCalls: [{ name: 'read_file', args: { path: 'greeting.txt' } }] }, { text: 'It says hello world.' }]);
    const first = startAgent(v, task);
    await first.waitFor('It says hello world.');
    await waitForPrompt(first);
    first.pty.kill('SIGKILL');
    await first.exited;
    expect(fake.requests).toHaveLength(2);

    fake.script([{ text: 'Continuing where we were.' }]);
    const second = startAgent(v, task);
    await second.waitFor('Resumed the conversation from before the restart');
    await waitForPrompt(second);
    // Nothing was sent on start: the task is not sent again.
    expect(fake.requests).toHaveLength(2);
    second.pty.write('and now in French\r');
    await second.waitFor('Continuing where we were.');
    const body = JSON.stringify(fake.requests[2].body);
    // The earlier turns travel with the follow-up: the tool result and the model's answer.
    expect(toolResultsIn(fake.requests[2])).toEqual([expect.stringContaining('hello world')]);
    expect(body).toContain('It says hello world.');
    expect(body).toContain('and now in French');
    // The task appears exactly as often as in the very first request (system prompt and first message).
    expect(count(body, task)).toBe(count(JSON.stringify(fake.requests[0].body), task));
    await waitForPrompt(second);
    second.pty.write('\x04');
    expect(await second.exited).toBe(0);
  });
});
