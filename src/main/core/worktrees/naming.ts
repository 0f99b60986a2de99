/**
 * Names for agents, their branches and their worktree folders.
 */
import { createHash, randomInt } from 'node:crypto';
import { basename, join } from 'node:path';
import { AppError } from '../errors';
import { gitText } from '../git';

export const MAX_SLUG_LENGTH = 40;
export const BRANCH_PREFIX = 'flotilla/';

const ADJECTIVES = [
  'Brisk', 'Calm', 'Clever', 'Bold', 'Bright', 'Curious', 'Daring', 'Eager', 'Gentle', 'Swift',
  'Keen', 'Lively', 'Nimble', 'Patient', 'Quiet', 'Steady', 'Sunny', 'Witty', 'Zesty', 'Merry',
  'Noble', 'Plucky', 'Quick', 'Sly', 'Spry', 'Tidy', 'Vivid', 'Wise', 'Jolly', 'Lucky',
  'Mellow', 'Proud', 'Rapid', 'Sharp', 'Sturdy', 'Agile', 'Breezy', 'Cosmic', 'Dapper', 'Fearless',
];
const ANIMALS = [
  'Otter', 'Falcon', 'Badger', 'Heron', 'Lynx', 'Panda', 'Fox', 'Owl', 'Koala', 'Marten',
  'Beaver', 'Bison', 'Crane', 'Dolphin', 'Eagle', 'Ferret', 'Gecko', 'Hare', 'Ibis', 'Jaguar',
  'Kestrel', 'Lemur', 'Moose', 'Narwhal', 'Ocelot', 'Puffin', 'Quail', 'Raven', 'Seal', 'Tapir',
  'Walrus', 'Yak', 'Zebra', 'Wombat', 'Stoat', 'Swan', 'Tiger', 'Viper', 'Wolf', 'Mole',
];

/** A branch- and folder-safe slug: lowercase [a-z0-9-], dashes collapsed and trimmed, at most 40 chars. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // Keep "é" as "e" rather than dropping the letter.
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, '');
  return slug || 'agent';
}

/** A readable default name like "Brisk Otter" whose slug is not in `taken`. */
export function suggestAgentName(taken: Set<string>): string {
  // Random first, so parallel users don't all get the same name; then an exhaustive sweep.
  for (let attempt = 0; attempt < 50; attempt++) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]} ${ANIMALS[randomInt(ANIMALS.length)]}`;
    if (!taken.has(slugify(name))) return name;
  }
  for (const adjective of ADJECTIVES) {
    for (const animal of ANIMALS) {
      const name = `${adjective} ${animal}`;
      if (!taken.has(slugify(name))) return name;
    }
  }
  for (let n = 2; ; n++) {
    const name = `Agent ${n}`;
    if (!taken.has(slugify(name))) return name;
  }
}

/**
 * Picks `flotilla/<slug>`, or `flotilla/<slug>-2`, -3, ... when that branch (or a branch
 * below it, which would clash in the ref store) already exists. Snapshot refs under
 * refs/flotilla/archive/<slug>/ don't count: they live in their own namespace.
 */
export async function chooseBranch(topLevel: string, slug: string): Promise<{ slug: string; branch: string }> {
  const existing = new Set(
    (await gitText(['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: topLevel })).split('\n').filter(Boolean),
  );
  if (existing.has('refs/heads/flotilla')) {
    throw new AppError(
      'branch-exists',
      'This repository has a branch named "flotilla", so no flotilla/... branches can be made. Rename that branch, then try again.',
    );
  }
  const clashes = (branch: string) => {
    const ref = `refs/heads/${branch}`;
    if (existing.has(ref)) return true;
    for (const other of existing) if (other.startsWith(`${ref}/`)) return true;
    return false;
  };
  for (let n = 1; n < 1000; n++) {
    const suffix = n === 1 ? '' : `-${n}`;
    const candidate = `${slug.slice(0, MAX_SLUG_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
    const branch = `${BRANCH_PREFIX}${candidate}`;
    if (clashes(branch)) continue;
    const valid = await gitText(['check-ref-format', '--branch', branch], { cwd: topLevel, okExitCodes: [1, 128] });
    if (!valid) throw new AppError('invalid-name', `"${candidate}" cannot be used in a branch name. Choose another agent name.`);
    return { slug: candidate, branch };
  }
  throw new AppError('branch-exists', `Too many branches named ${BRANCH_PREFIX}${slug}-N already exist. Choose another agent name.`);
}

/** Where a repository's worktrees live: `<dataDir>/worktrees/<basename>-<8 hex of sha1(topLevel)>`. */
export function worktreeRoot(dataDir: string, topLevel: string): string {
  const hash = createHash('sha1').update(topLevel).digest('hex').slice(0, 8);
  return join(dataDir, 'worktrees', `${basename(topLevel)}-${hash}`);
}
