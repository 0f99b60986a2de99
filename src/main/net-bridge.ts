/**
 * Runs INSIDE a sandbox that has no network (built to out/main/netBridge.js):
 *
 *   node netBridge.js <socketPath> <port> -- <file> [args...]
 *
 * listens on 127.0.0.1:<port> in the sandbox's own network namespace and pipes every TCP
 * connection, byte for byte, to the provider gateway's UNIX socket (which forwards only to the
 * provider). Then it runs the command in the same terminal and exits as it exits.
 * Node built-ins only: under Electron this runs as plain Node (ELECTRON_RUN_AS_NODE=1).
 */
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { constants } from 'node:os';

const [socketPath, portText, dashes, file, ...args] = process.argv.slice(2);
const port = Number(portText);
if (!socketPath || !Number.isInteger(port) || dashes !== '--' || !file) {
  process.stderr.write('usage: netBridge.js <socketPath> <port> -- <file> [args...]\n');
  process.exit(2);
}

const server = createServer((socket) => {
  const upstream = connect(socketPath);
  socket.pipe(upstream).pipe(socket);
  socket.on('error', () => upstream.destroy());
  upstream.on('error', () => socket.destroy());
});
// Not a reason to stay alive: the bridge lives exactly as long as the command.
server.unref();

server.once('error', (err) => {
  process.stderr.write(`Flotilla's network bridge could not listen on 127.0.0.1:${port}: ${err.message}\n`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  // The terminal's Ctrl-C / Ctrl-\ reach the whole foreground group: the command decides what
  // they mean, the bridge must survive them to keep the command's connection up.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);

  // ELECTRON_RUN_AS_NODE is ours (it made Electron's binary run this bridge as Node): it stays only
  // for Flotilla's own agent, which is that same binary; any other command must not inherit it.
  const env = { ...process.env };
  if (file !== process.execPath) delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(file, args, { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGHUP', forward('SIGHUP'));

  child.once('error', (err) => {
    process.stderr.write(`Could not start ${file}: ${err.message}\n`);
    process.exit(127);
  });
  child.once('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal so that the caller sees it; our own handlers must go first.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      // A signal that does not kill (SIGCHLD-like): fall back to the shell convention.
      setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
      return;
    }
    process.exit(code ?? 0);
  });
});
