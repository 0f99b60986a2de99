/**
 * Installs the real coding CLIs the tests launch, at pinned versions, into a private npm prefix
 * (`~/.cache/flotilla-tests/test-clis`), never as app dependencies. Only the npm registry is contacted:
 * Claude Code, Codex and opencode ship their native binaries as platform packages on the registry.
 */
import { userInfo } from 'node:os';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The versions the tests were written against (checked offline against the fake provider). */
export const TEST_CLI_VERSIONS = {
  '@anthropic-ai/claude-code': '2.1.197',
  '@openai/codex': '0.169.0',
  '@google/gemini-cli': '0.61.0',
  'opencode-ai': '1.18.33',
} as const;

/**
 * Where test-only files live: under the user's home (from the password database, so a test that
 * swaps $HOME does not move it), not under the checkout. A checkout under /tmp would put the CLIs
 * where the sandbox mounts a private /tmp, and Gemini CLI refuses settings below a world-writable
 * folder such as /tmp.
 */
export const TEST_CACHE = join(userInfo().homedir, '.cache', 'flotilla-tests');
/** Where the CLIs are installed. */
export const TEST_CLI_PREFIX = join(TEST_CACHE, 'test-clis');

/** How long a fresh install may take (four packages, three with ~100-250 MB native binaries). */
export const INSTALL_TIMEOUT_MS = 10 * 60_000;

function installedVersion(prefix: string, pkg: string): string | null {
  try {
    const json = JSON.parse(readFileSync(join(prefix, 'node_modules', pkg, 'package.json'), 'utf8')) as { version?: string };
    return json.version ?? null;
  } catch {
    return null;
  }
}

/** True when every pinned CLI is installed at its version with its command in `.bin`. */
export function testClisInstalled(prefix = TEST_CLI_PREFIX): boolean {
  const bins = ['claude', 'codex', 'gemini', 'opencode'];
  return (
    Object.entries(TEST_CLI_VERSIONS).every(([pkg, version]) => installedVersion(prefix, pkg) === version) &&
    bins.every((b) => existsSync(join(prefix, 'node_modules', '.bin', b)))
  );
}

/** Installs the pinned CLIs unless already there; returns the folder to put first on PATH. */
export async function ensureTestClis(prefix = TEST_CLI_PREFIX): Promise<string> {
  const bin = join(prefix, 'node_modules', '.bin');
  if (testClisInstalled(prefix)) return bin;
  mkdirSync(prefix, { recursive: true });
  // A package.json of exact versions makes the install reproducible and repeatable.
  const manifest = { name: 'flotilla-test-clis', private: true, dependencies: { ...TEST_CLI_VERSIONS } };
  writeFileSync(join(prefix, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await new Promise<void>((done, fail) => {
    execFile(
      npm,
      ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--loglevel', 'error'],
      { cwd: prefix, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } },
      (err, _stdout, stderr) => (err ? fail(new Error(`npm install of the test CLIs failed: ${err.message}\n${stderr}`)) : done()),
    );
  });
  if (!testClisInstalled(prefix)) throw new Error(`npm install finished but the pinned CLIs are not all in ${prefix}`);
  return bin;
}
