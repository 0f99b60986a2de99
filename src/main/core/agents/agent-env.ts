/**
 * The environment an agent process starts with: an allow-list of the user's variables plus
 * Flotilla's own. Nothing else leaks in (API keys, tokens, the web server's secret).
 */
import { delimiter, dirname, join, resolve } from 'node:path';
import { AppError } from '../errors';

/** Variables copied from Flotilla's own environment when set. */
export const ENV_ALLOW_LIST = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TERM',
  'COLORTERM',
  'EDITOR',
  'VISUAL',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
] as const;

export interface AgentEnvInput {
  agentName: string;
  branch: string;
  baseRef: string;
  worktreePath: string;
  task: string | null;
  /** Names the user chose to pass on too (Settings → Agents' environment), e.g. SSH_AUTH_SOCK. */
  passEnv?: readonly string[];
}

/** A variable name the "passed to agents" setting accepts: a plain shell identifier. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Names never passed on, whatever the setting says: Flotilla's own (an agent gets its own values)
 * and the one that turns Electron's binary into Node for every program an agent runs.
 */
export function isReservedEnvName(name: string): boolean {
  return name === 'ELECTRON_RUN_AS_NODE' || name.startsWith('FLOTILLA_');
}

/** The names of the "passed to agents" setting, trimmed, de-duplicated; AppError for a bad one. */
export function checkPassEnvNames(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (!name) continue;
    if (!ENV_NAME.test(name)) {
      throw new AppError('invalid-params', `"${name}" is not a variable name: use letters, digits and underscores, not starting with a digit.`);
    }
    if (isReservedEnvName(name)) {
      throw new AppError('invalid-params', `${name} is Flotilla's own variable and cannot be passed on.`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * PATH without the folders npm puts in front when it runs Flotilla (`npm start`, `npm run serve`):
 * `node_modules/.bin` of Flotilla's own folder and of each folder above it, and npm's node-gyp-bin.
 * An agent works on another project; Flotilla's tool versions must not shadow that project's or
 * the user's. npm names the project it runs in `npm_package_json`; without it nothing is dropped.
 */
export function agentPath(path: string, source: NodeJS.ProcessEnv = process.env): string {
  const pkg = source.npm_package_json;
  if (!pkg) return path;
  const dropped = new Set<string>();
  for (let dir = dirname(resolve(pkg)); ; dir = dirname(dir)) {
    dropped.add(join(dir, 'node_modules', '.bin'));
    if (dirname(dir) === dir) break;
  }
  return path
    .split(delimiter)
    .filter((entry) => {
      if (!entry) return false;
      const normal = resolve(entry);
      return !dropped.has(normal) && !/[\\/]@npmcli[\\/]run-script[\\/]lib[\\/]node-gyp-bin$/.test(normal);
    })
    .join(delimiter);
}

/** Builds the scrubbed environment for an agent's process. */
export function buildAgentEnv(input: AgentEnvInput, source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of [...ENV_ALLOW_LIST, ...(input.passEnv ?? [])]) {
    if (isReservedEnvName(key) || !ENV_NAME.test(key)) continue;
    const value = source[key];
    if (value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('LC_') && value !== undefined) env[key] = value;
  }
  if (env.PATH !== undefined) env.PATH = agentPath(env.PATH, source);
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  env.LANG ??= 'C.UTF-8';
  env.FLOTILLA_AGENT = input.agentName;
  env.FLOTILLA_BRANCH = input.branch;
  env.FLOTILLA_BASE = input.baseRef;
  env.FLOTILLA_WORKTREE = input.worktreePath;
  env.FLOTILLA_TASK = input.task ?? '';
  return env;
}
