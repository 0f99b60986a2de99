/**
 * The real Claude Code and Codex, run non-interactively against the fake provider with scripted
 * usage and their config homes where Flotilla puts them (usageDirsFor), report exactly those
 * numbers through CliUsageWatcher. The CLIs are installed in TEST_CLI_PREFIX by the
 * project's global setup (test/global-setup.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliUsageWatcher, usageDirsFor, type CliUsage } from '../src/main/core/status';
import { startFakeProvider, type FakeProvider } from './fake-provider';
import { removeDir } from './helpers/repo';
import { TEST_CACHE, TEST_CLI_PREFIX } from './cli/install-clis';

const BIN = join(TEST_CLI_PREFIX, 'node_modules', '.bin');
const KEY = 'test-key-cli-usage';

/** Runs a CLI to its end with only PATH, HOME and `env`; rejects on a non-zero exit. */
function run(file: string, args: string[], cwd: string, home: string, env: Record<string, string>): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(join(BIN, file), args, {
      cwd,
      env: { PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}`, HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) done();
      else fail(new Error(`${file} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

async function usageOf(presetId: string, stateDir: string): Promise<CliUsage[]> {
  const seen: CliUsage[] = [];
  const watcher = new CliUsageWatcher({ presetId, dirs: usageDirsFor(presetId, stateDir), onUsage: (u) => seen.push(u) });
  await watcher.flush();
  watcher.dispose();
  return seen;
}

describe('usage recorded by the real CLIs', () => {
  let fake: FakeProvider;
  let root: string;
  let home: string;
  let work: string;

  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: KEY });
    // Not under /tmp: Codex refuses some helpers when CODEX_HOME is there.
    const base = join(TEST_CACHE, 'cli-usage-int');
    mkdirSync(base, { recursive: true });
    root = realpathSync(mkdtempSync(join(base, 'run-')));
    home = join(root, 'home');
    work = join(root, 'work');
    mkdirSync(home);
    mkdirSync(work);
  });

  afterAll(async () => {
    await fake?.close();
    if (root) removeDir(root);
  });

  it('Claude Code: one usage per message, input and output as scripted', async () => {
    const stateDir = join(root, 'agents', 'claude');
    fake.script([
      { when: '"Write"', text: 'Writing it.', toolCalls: [{ name: 'Write', args: { file_path: join(work, 'a.txt'), content: 'a' } }], usage: { inputTokens: 1111, outputTokens: 22 } },
      { when: 'tool_result', text: 'Done.', usage: { inputTokens: 3333, outputTokens: 44 } },
    ]);
    await run('claude', ['-p', 'write a.txt', '--permission-mode', 'acceptEdits'], work, home, {
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CONFIG_DIR: usageDirsFor('claude-code', stateDir)[0]!,
    });
    const usage = await usageOf('claude-code', stateDir);
    expect(usage.map(({ inputTokens, outputTokens }) => ({ inputTokens, outputTokens }))).toEqual([
      { inputTokens: 1111, outputTokens: 22 },
      { inputTokens: 3333, outputTokens: 44 },
    ]);
    expect(usage[0]!.model).toBeTruthy();
    // A second read (a restarted watcher) counts nothing again.
    expect(await usageOf('claude-code', stateDir)).toEqual([]);
  }, 30_000);

  it('Codex: one usage per response with the model it was run with', async () => {
    const stateDir = join(root, 'agents', 'codex');
    fake.script([
      { toolCalls: [{ name: 'exec_command', args: { cmd: 'printf b > b.txt', workdir: work } }], usage: { inputTokens: 1111, outputTokens: 22 } },
      { when: 'function_call_output', text: 'Done.', usage: { inputTokens: 3333, outputTokens: 44 } },
    ]);
    const codexHome = usageDirsFor('codex', stateDir)[0]!;
    mkdirSync(codexHome, { recursive: true });
    await run(
      'codex',
      [
        'exec',
        '--skip-git-repo-check',
        '--dangerously-bypass-approvals-and-sandbox',
        '-c',
        'model_provider=fake',
        '-c',
        `model_providers.fake={name="fake", base_url="${fake.url}/v1", env_key="OPENAI_API_KEY", wire_api="responses"}`,
        '-c',
        'analytics.enabled=false',
        '-m',
        'gpt-5',
        'write b.txt',
      ],
      work,
      home,
      { OPENAI_API_KEY: KEY, CODEX_HOME: codexHome },
    );
    expect(await usageOf('codex', stateDir)).toEqual([
      { model: 'gpt-5', inputTokens: 1111, outputTokens: 22 },
      { model: 'gpt-5', inputTokens: 3333, outputTokens: 44 },
    ]);
  }, 30_000);
});
