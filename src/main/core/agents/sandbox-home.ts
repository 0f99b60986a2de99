/**
 * What a confined agent finds in its (otherwise empty) home: a .gitconfig with only the user's
 * name and e-mail, so that its commits are attributed as the user's own would be.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitText } from '../git';

/** Writes `<stateDir>/home/.gitconfig` from the user's global identity and returns its path. */
export async function sandboxGitconfig(stateDir: string, homeDir: string): Promise<string> {
  const read = (key: string) => gitText(['config', '--global', '--get', key], { cwd: homeDir, okExitCodes: [1] }).catch(() => '');
  const [name, email] = await Promise.all([read('user.name'), read('user.email')]);
  const lines = ['# Written by Flotilla for a confined agent: only your name and e-mail.'];
  if (name.trim() || email.trim()) {
    lines.push('[user]');
    if (name.trim()) lines.push(`\tname = ${quote(name.trim())}`);
    if (email.trim()) lines.push(`\temail = ${quote(email.trim())}`);
  }
  const dir = join(stateDir, 'home');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, '.gitconfig');
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** A config value in double quotes, with the characters git's config parser treats specially escaped. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\n\r]/g, ' ')}"`;
}
