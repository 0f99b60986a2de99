/**
 * Keys are unreachable from agents: real agents (a shell, a command, Flotilla's own agent, a CLI)
 * look for the provider's key in the environment and command line of every process above them and
 * of every process they can see, and find none; yet the provider receives the real key on each
 * request, put there by Flotilla's provider gateway.
 */
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../src/main/core/index';
import type { AgentInfo } from '../src/shared/types';
import { startFakeProvider, type FakeProvider } from './fake-provider';
import { connectClient, quietHome, until, type CoreClient } from './helpers/core-client';
import { makeRepo, removeDir, tempDir } from './helpers/repo';

const OWN_AGENT = resolve(__dirname, '..', 'out', 'main', 'agent.js');
/** Distinctive, so that a hit anywhere is this key and nothing else. */
const KEY_HEAD = 'sk-flotilla-isolation-';
const KEY_TAIL = '7c1f0e9a2b4d6e8f';
const KEY = KEY_HEAD + KEY_TAIL;

/**
 * A shell script that walks from itself up to PID 1 and then over every process in /proc,
 * reading environ and cmdline, and prints one KEYSCAN line. The key is assembled at run time so
 * that the script's own command line does not contain it.
 */
const SCAN = [
  // grep reads the key from a file: in its argv, grep would find it in its own /proc/<pid>/cmdline.
  `pat=$(mktemp); printf '%s\\n' "${KEY_HEAD}""${KEY_TAIL}" > "$pat"`,
  'hits=""; chain=""; p=$$',
  'while [ -n "$p" ] && [ "$p" -gt 0 ]; do',
  '  chain="$chain $p"',
  '  for f in environ cmdline; do grep -qaF -f "$pat" /proc/$p/$f 2>/dev/null && hits="$hits $p/$f"; done',
  "  p=$(awk '/^PPid:/{print $2}' /proc/$p/status 2>/dev/null)",
  'done',
  'all=$(grep -laF -f "$pat" /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr "\\n" " ")',
  'rm -f "$pat"',
  'echo "KEYSCAN chain=[$chain ] ancestors=[${hits:-none}] anywhere=[${all:-none}] end"',
].join('\n');

const SCAN_LINE = /KEYSCAN chain=\[([^\]]*)\] ancestors=\[([^\]]*)\] anywhere=\[([^\]]*)\] end/;

/** The environment of the agent process running in `cwd` (Linux /proc). */
function processEnvIn(cwd: string): Record<string, string> {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) !== cwd) continue;
      const env: Record<string, string> = {};
      for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
        const eq = entry.indexOf('=');
        if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
      }
      if (env.FLOTILLA_WORKTREE === cwd) return env;
    } catch {
      // The process went away or is not ours to read.
    }
  }
  throw new Error(`no process runs in ${cwd}`);
}

describe.skipIf(process.platform !== 'linux')('keys are unreachable from agents', () => {
  let fake: FakeProvider;
  let core: Core;
  let home: string;
  let dataDir: string;
  let repoId: string;
  const dirs: string[] = [];
  const saved = { ...process.env };
  let client: CoreClient;
  const call = <T,>(method: string, params: unknown) => client.call<T>(method, params);
  const pane = (id: string) => client.pane(id);
  /** Waits for the agent's KEYSCAN line and returns its parts. */
  const scanOf = async (id: string) => {
    await until(() => SCAN_LINE.test(pane(id)), () => `the scan in the pane:\n${pane(id).slice(-2000)}`);
    const m = SCAN_LINE.exec(pane(id))!;
    return { chain: m[1]!.trim().split(/\s+/).map(Number), ancestors: m[2], anywhere: m[3] };
  };

  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: KEY });
    home = quietHome('flotilla-keys-home-');
    const repo = makeRepo({ 'README.md': '# demo\n' });
    dataDir = tempDir('flotilla-keys-data-');
    dirs.push(home, repo, dataDir);
    core = await Core.create({ dataDir, mode: 'web', version: 'test', ownAgentEntry: OWN_AGENT });
    client = connectClient(core);
    repoId = (await call<{ id: string }>('repos.open', { path: repo })).id;
    await call('providers.save', { id: 'fake', kind: 'openai-compatible', name: 'Fake', baseUrl: `${fake.url}/v1`, models: ['gpt-4o-mini'] });
    await call('providers.setKey', { id: 'fake', key: KEY });
  });

  afterAll(async () => {
    await core?.dispose();
    await fake?.close();
    process.env = saved;
    for (const d of dirs) removeDir(d);
  });

  it('a Command agent finds the key in no ancestor and no process it can see', async () => {
    const a = await call<AgentInfo>('agents.create', { repoId, name: 'Scanner', kind: 'command', command: SCAN });
    await call('terminal.attach', { agentId: a.id });
    const scan = await scanOf(a.id);
    // The walk went through Flotilla's own process (this test runs the core in-process).
    expect(scan.chain).toContain(process.pid);
    expect(scan).toMatchObject({ ancestors: 'none', anywhere: 'none' });
  });

  it('an interactive Shell agent finds it nowhere either', async () => {
    const a = await call<AgentInfo>('agents.create', { repoId, name: 'Shell', kind: 'shell' });
    await call('terminal.attach', { agentId: a.id });
    const script = join(home, 'scan.sh');
    writeFileSync(script, `${SCAN}\n`);
    client.conn.notify('terminal.input', { agentId: a.id, data: `sh ${script}\r` });
    const scan = await scanOf(a.id);
    expect(scan.chain).toContain(process.pid);
    expect(scan).toMatchObject({ ancestors: 'none', anywhere: 'none' });
  });

  it("Flotilla's agent holds only its token, its commands find the key nowhere, and the provider gets the real key", async () => {
    fake.script([
      { toolCalls: [{ name: 'run_command', args: { command: SCAN } }] },
      { toolCalls: [{ name: 'finish', args: { summary: 'Scanned.' } }] },
    ]);
    const first = fake.requests.length;
    const a = await call<AgentInfo>('agents.create', {
      repoId,
      name: 'Own',
      kind: 'flotilla',
      providerId: 'fake',
      model: 'gpt-4o-mini',
      task: 'Scan',
      permissionMode: 'full-auto',
      confined: false,
    });
    await call('terminal.attach', { agentId: a.id });
    const scan = await scanOf(a.id);
    expect(scan).toMatchObject({ ancestors: 'none', anywhere: 'none' });
    // Its own process: a token for a key and a base URL on the gateway, nothing else.
    const env = processEnvIn(a.worktreePath);
    expect(env.OPENAI_API_KEY).toMatch(/^flotilla-local-[0-9a-f]{64}$/);
    expect(env.FLOTILLA_AGENT_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{64}\/v1$/);
    await until(() => pane(a.id).includes('Scanned.'), () => `the finish:\n${pane(a.id).slice(-2000)}`);
    // The fake answers 401 to any other key: both calls were made with the real one.
    const calls = fake.requests.slice(first);
    expect(calls.length).toBe(2);
    for (const req of calls) expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('a CLI reaches the provider through the gateway with only its token, and the provider gets the real key', async () => {
    await call('catalog.saveCustom', {
      id: 'curler',
      name: 'Curler',
      providerKind: 'openai-compatible',
      command:
        `echo "key=[$OPENAI_API_KEY] base=[$OPENAI_BASE_URL]"; ` +
        `curl -sS -o /dev/null -w "models=%{http_code}\\n" -H "authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models"; ` +
        SCAN,
    });
    const first = fake.requests.length;
    const a = await call<AgentInfo>('agents.create', { repoId, name: 'Curler', kind: 'cli', presetId: 'curler', providerId: 'fake' });
    await call('terminal.attach', { agentId: a.id });
    const scan = await scanOf(a.id);
    expect(scan).toMatchObject({ ancestors: 'none', anywhere: 'none' });
    expect(pane(a.id)).toMatch(/key=\[flotilla-local-[0-9a-f]{64}\] base=\[http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{64}\/v1\]/);
    expect(pane(a.id)).toContain('models=200');
    expect(fake.requests.length).toBe(first); // /models is not a generation call; the 200 says the key was right
    // The token is worthless without the gateway: the provider itself refuses it.
    const token = /key=\[(flotilla-local-[0-9a-f]{64})\]/.exec(pane(a.id))![1]!;
    const direct = await fetch(`${fake.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    expect(direct.status).toBe(401);
  });
});
