/** The shell a plain terminal starts. */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';

/** The user's login shell ($SHELL, else the passwd entry, else /bin/bash) as a login shell; cmd.exe on Windows. */
export function defaultShell(): { file: string; args: string[] } {
  if (process.platform === 'win32') {
    return { file: process.env.COMSPEC || 'cmd.exe', args: [] };
  }
  const candidates = [process.env.SHELL, passwdShell(), '/bin/bash', '/bin/sh'];
  for (const file of candidates) {
    if (file && file.startsWith('/') && existsSync(file)) return { file, args: ['-l'] };
  }
  return { file: '/bin/sh', args: ['-l'] };
}

function passwdShell(): string | undefined {
  try {
    // getpwuid(3) underneath, so it also sees NSS/LDAP users that /etc/passwd does not list.
    return userInfo().shell ?? undefined;
  } catch {
    return undefined;
  }
}
