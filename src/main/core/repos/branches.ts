/**
 * Local branches of a repository, and resolving what a new agent branches from.
 */
import type { BranchList } from '../../../shared/types';
import { AppError } from '../errors';
import { gitText, commitOf } from '../git';
import { currentBranchOf } from './repo-inspect';

/** Local branches sorted by name with the checked-out one first, plus HEAD's commit. */
export async function listBranches(topLevel: string): Promise<BranchList> {
  const [refs, current, headSha] = await Promise.all([
    // Ref names cannot contain newlines, so line splitting is safe here.
    gitText(['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: topLevel }),
    currentBranchOf(topLevel),
    gitText(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: topLevel, okExitCodes: [1] }),
  ]);
  const names = refs
    .split('\n')
    .filter(Boolean)
    .map((ref) => ref.slice('refs/heads/'.length))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const branches = current && names.includes(current) ? [current, ...names.filter((n) => n !== current)] : names;
  return { current, headSha, branches };
}

export interface ResolvedBase {
  /** A local branch name, or a full commit sha when the base is not a branch. */
  baseRef: string;
  baseIsBranch: boolean;
  baseSha: string;
}

/**
 * What a new agent starts from: by default the checked-out branch (or HEAD's commit when
 * detached); otherwise `base` as a local branch name or any commit-ish.
 */
export async function resolveBase(topLevel: string, base?: string): Promise<ResolvedBase> {
  if (base === undefined || base.trim() === '') {
    const current = await currentBranchOf(topLevel);
    const sha = await commitOf(topLevel, current ? `refs/heads/${current}` : 'HEAD');
    if (!sha) throw new AppError('base-not-found', 'This repository has no commits yet. Make a first commit, then try again.');
    return current ? { baseRef: current, baseIsBranch: true, baseSha: sha } : { baseRef: sha, baseIsBranch: false, baseSha: sha };
  }
  assertRefInput(base, 'base branch');
  const name = base.trim().replace(/^refs\/heads\//, '');
  const notFound = () =>
    new AppError('base-not-found', `There is no branch or commit named "${base}" in this repository. Pick one from the list.`, { base });
  // A leading dash would be read as an option by git.
  if (name.startsWith('-')) throw notFound();
  const branchSha = await commitOf(topLevel, `refs/heads/${name}`);
  if (branchSha) return { baseRef: name, baseIsBranch: true, baseSha: branchSha };
  const sha = await commitOf(topLevel, name);
  if (!sha) throw notFound();
  return { baseRef: sha, baseIsBranch: false, baseSha: sha };
}

/** Longest branch or commit-ish Flotilla passes to git; git's own limit on ref names is the file system's. */
export const MAX_REF_INPUT_LENGTH = 1000;

/**
 * Refuses a branch name or commit-ish that no ref can have, before it reaches git: control
 * characters (a NUL cannot even be passed as a process argument) and absurd lengths.
 */
export function assertRefInput(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new AppError(
      'invalid-name',
      `${JSON.stringify(value)} is not a valid branch name: it contains a control character. Pick the ${what} from the list.`,
      { value },
    );
  }
  if (value.length > MAX_REF_INPUT_LENGTH) {
    throw new AppError('invalid-name', `That ${what} is not a valid branch name: it is longer than ${MAX_REF_INPUT_LENGTH} characters.`);
  }
}

