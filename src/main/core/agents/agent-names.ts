/** Display names of agents: unique within a repository, so the user can tell panes apart. */

/** How two names compare: case, accents and runs of spaces do not make a name different. */
export function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * When `name` is already used by an agent in `taken`, a free name to suggest instead
 * ("Fix login 2", "Fix login 3", ...); null when `name` is free.
 */
export function nameClash(name: string, taken: readonly string[]): string | null {
  const used = new Set(taken.map(nameKey));
  if (!used.has(nameKey(name))) return null;
  const stem = name.trim().replace(/\s+\d+$/, '') || name.trim();
  for (let n = 2; ; n++) {
    const candidate = `${stem} ${n}`;
    if (!used.has(nameKey(candidate))) return candidate;
  }
}
