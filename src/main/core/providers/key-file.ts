/**
 * Owner-only JSON files for secrets: read only when the file is a regular file that no other
 * user can access, written atomically with mode 0600. Errors name the file, never its contents.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { AppError } from '../errors';

/** Permission bits a key file may have: read/write for its owner only. */
export const KEY_FILE_MODE = 0o600;

/**
 * Why `file` must not be used for secrets, or null when it is safe (or absent).
 * Mode bits mean nothing on Windows, where the user profile's ACL protects the data folder.
 */
export function keyFileProblem(file: string, platform: NodeJS.Platform = process.platform): string | null {
  let st;
  try {
    st = lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return `Flotilla cannot read the key file ${file} (${(err as NodeJS.ErrnoException).code ?? 'unknown error'}).`;
  }
  if (!st.isFile()) {
    return `Flotilla will not use the key file ${file}: it is not a regular file (a symlink or folder could point anywhere). Replace it with a plain file.`;
  }
  if (platform === 'win32') return null;
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    return (
      `Flotilla will not use the key file ${file}: other users can access it (mode ${mode.toString(8).padStart(4, '0')}). ` +
      `Run \`chmod 600 ${file}\` and try again.`
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    return `Flotilla will not use the key file ${file}: it belongs to another user. Replace it with a file you own (mode 600).`;
  }
  return null;
}

/**
 * Reads an owner-only JSON file. Returns null when it does not exist; throws AppError('unsupported')
 * when it is unsafe or not valid JSON. The parser's message is never passed on: it can quote the text.
 */
export function readOwnerOnlyJson(file: string): unknown {
  const problem = keyFileProblem(file);
  if (problem) throw new AppError('unsupported', problem, { file });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AppError('unsupported', `Flotilla cannot read the key file ${file}.`, { file });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('unsupported', `The key file ${file} is not valid JSON. Fix it or delete it and set the keys again.`, { file });
  }
}

/** Writes `value` as JSON to `file` atomically (temp file, fsync, rename) with mode 0600. */
export function writeOwnerOnlyJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  // 'wx' creates a new file, so the mode applies from the first byte; the umask can only narrow it.
  const fd = openSync(tmp, 'wx', KEY_FILE_MODE);
  try {
    writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
