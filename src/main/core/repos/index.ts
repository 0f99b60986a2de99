/**
 * Repositories: opening and validating them, folder completion, branches and bases.
 */
export { currentBranchOf, expandHome, inspectRepository, type InspectedRepository } from './repo-inspect';
export { completePath, MAX_COMPLETIONS } from './path-complete';
export { assertRefInput, listBranches, resolveBase, type ResolvedBase } from './branches';
export { RepoService } from './repo-service';
