/**
 * The environment an agent process starts with: an allow-list of the user's variables plus
 * Flotilla's own. Nothing else leaks in (API keys, tokens, the web server's secret).
 */

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
}

/** Builds the scrubbed environment for an agent's process. */
export function buildAgentEnv(input: AgentEnvInput, source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ENV_ALLOW_LIST) {
    const value = source[key];
    if (value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('LC_') && value !== undefined) env[key] = value;
  }
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
