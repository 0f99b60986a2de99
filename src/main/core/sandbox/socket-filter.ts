/**
 * A seccomp filter that keeps a confined agent off host UNIX sockets. A socket file that the
 * read-only root shows (the D-Bus session bus, an ssh-agent, docker.sock) can still be connected
 * to, and a private network namespace does not change that; abstract sockets are reachable when
 * the network is shared. So the agent may not create AF_UNIX sockets at all (socketpair, which
 * cannot reach anything outside, stays allowed), nor use io_uring (which can open and connect
 * sockets without the socket system call), nor make system calls of another ABI (x32, 32-bit)
 * that would bypass the check.
 *
 * The program is classic BPF, assembled here (bubblewrap loads it with --seccomp FD).
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** struct sock_filter opcodes. */
const LD_W_ABS = 0x20;
const JMP_JEQ_K = 0x15;
const JMP_JGE_K = 0x35;
const RET_K = 0x06;

const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const EACCES = 13;
const AF_UNIX = 1;
const X32_SYSCALL_BIT = 0x40000000;

/** offsetof(struct seccomp_data, ...) */
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0 = 16; // low 32 bits on little-endian machines

interface ArchInfo {
  audit: number;
  socket: number;
  ioUringSetup: number;
  x32: boolean;
}

/** The architectures the filter knows; elsewhere no filter is installed (and the README says so). */
const ARCHES: Record<string, ArchInfo> = {
  x64: { audit: 0xc000003e, socket: 41, ioUringSetup: 425, x32: true },
  arm64: { audit: 0xc00000b7, socket: 198, ioUringSetup: 425, x32: false },
};

type Insn = { code: number; jt: number | string; jf: number | string; k: number; label?: string };

/** The filter program for `arch` (Node's process.arch names), or null where none is known. */
export function unixSocketFilter(arch: string = process.arch): Buffer | null {
  const info = ARCHES[arch];
  if (!info) return null;
  const program: Insn[] = [
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFFSET_ARCH },
    { code: JMP_JEQ_K, jt: 'native', jf: 0, k: info.audit },
    { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_KILL_PROCESS },
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFFSET_NR, label: 'native' },
    ...(info.x32 ? [{ code: JMP_JGE_K, jt: 'deny', jf: 0, k: X32_SYSCALL_BIT }] : []),
    { code: JMP_JEQ_K, jt: 'deny', jf: 0, k: info.ioUringSetup },
    { code: JMP_JEQ_K, jt: 0, jf: 'allow', k: info.socket },
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFFSET_ARG0 },
    { code: JMP_JEQ_K, jt: 'deny', jf: 'allow', k: AF_UNIX },
    { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW, label: 'allow' },
    { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO | EACCES, label: 'deny' },
  ];
  return assemble(program);
}

/** Resolves labels to relative jumps and packs struct sock_filter entries (little-endian). */
function assemble(program: Insn[]): Buffer {
  const at = new Map(program.flatMap((insn, i) => (insn.label ? [[insn.label, i] as const] : [])));
  const out = Buffer.alloc(program.length * 8);
  program.forEach((insn, i) => {
    const jump = (target: number | string): number => {
      if (typeof target === 'number') return target;
      const to = at.get(target);
      if (to === undefined || to <= i) throw new Error(`bad jump to ${target}`);
      return to - i - 1;
    };
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(jump(insn.jt), i * 8 + 2);
    out.writeUInt8(jump(insn.jf), i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}

/**
 * Wraps `cmd` so that it runs under the filter in `filterPath`: a second, minimal bubblewrap that
 * adds nothing but the filter (the outer one did the confining). The file is handed over as fd 3
 * by a shell redirection, because a PTY spawn cannot pass extra descriptors.
 */
export function withSocketFilter(cmd: { file: string; args: string[] }, filterPath: string): { file: string; args: string[] } {
  return {
    file: '/bin/sh',
    args: ['-c', 'f=$1; shift; exec bwrap --dev-bind / / --seccomp 3 -- "$@" 3<"$f"', 'flotilla-sandbox', filterPath, cmd.file, ...cmd.args],
  };
}

/**
 * Writes the filter for this machine under `dataDir` (once; the content never changes) and
 * returns its path, or null where no filter is known for the architecture.
 */
export function ensureSocketFilterFile(dataDir: string): string | null {
  const program = unixSocketFilter();
  if (!program || process.platform !== 'linux') return null;
  const dir = join(dataDir, 'sandbox');
  const file = join(dir, `unix-socket-filter-${process.arch}.bpf`);
  let current: Buffer | null = null;
  try {
    current = readFileSync(file);
  } catch {
    // Not written yet.
  }
  if (!current || !current.equals(program)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, program, { mode: 0o644 });
  }
  return file;
}
