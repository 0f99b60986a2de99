/**
 * Folder completion for the path field in web mode, where there is no native folder picker.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

export const MAX_COMPLETIONS = 50;

/**
 * Up to 50 folders whose path starts with `partial`, each ending in '/'. A leading `~` is
 * expanded to look on disk but kept in the results, and a relative path is looked up from the
 * home folder (as `repos.open` resolves it) and kept relative; hidden folders appear only when
 * the typed segment starts with '.'. A bad or unreadable path yields [] rather than an error.
 */
export async function completePath(partial: string, homeDir: string): Promise<string[]> {
  let typed = partial;
  if (typed === '~') typed = '~/';
  let onDisk: string;
  if (typed.startsWith('~/')) onDisk = homeDir + typed.slice(1);
  else if (isAbsolute(typed)) onDisk = typed;
  else if (typed === '' || typed.startsWith('~')) return []; // `~user` is not supported.
  else onDisk = `${homeDir.replace(/\/$/, '')}/${typed}`;

  const slash = typed.lastIndexOf('/');
  const typedDir = typed.slice(0, slash + 1);
  const segment = typed.slice(slash + 1);
  const dirOnDisk = onDisk.slice(0, onDisk.lastIndexOf('/') + 1) || '/';
  const showHidden = segment.startsWith('.');

  let names: string[];
  try {
    const entries = await readdir(dirOnDisk, { withFileTypes: true });
    const candidates = entries.filter((e) => e.name.startsWith(segment) && (showHidden || !e.name.startsWith('.')));
    const checks = await Promise.all(
      candidates.map(async (e) => {
        if (e.isDirectory()) return e.name;
        if (!e.isSymbolicLink()) return null;
        // A symlink counts when it leads to a folder.
        const target = await stat(join(dirOnDisk, e.name)).catch(() => null);
        return target?.isDirectory() ? e.name : null;
      }),
    );
    names = checks.filter((n): n is string => n !== null);
  } catch {
    return [];
  }
  names.sort((a, b) => a.localeCompare(b));
  return names.slice(0, MAX_COMPLETIONS).map((name) => `${typedDir}${name}/`);
}
