/**
 * Entry of Flotilla's own agent (built to out/main/agent.js). Flotilla starts it in the agent's
 * PTY with the worktree as cwd and its configuration in FLOTILLA_AGENT_* / FLOTILLA_TASK.
 */
import { runAgentCli } from './core/own-agent/cli';

runAgentCli({ stdin: process.stdin, stdout: process.stdout, env: process.env, cwd: process.cwd() }).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: unknown) => {
    process.stdout.write(`\x1b[31m✗ Flotilla's agent stopped: ${err instanceof Error ? err.message : String(err)}\x1b[39m\n`, () => process.exit(1));
  },
);
