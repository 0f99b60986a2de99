/**
 * The changes service: what an agent changed in its worktree, as a file list and per-file
 * contents, measured from the merge base with its base branch.
 */
export { computeDiffStat, computeDiffStatFromBase, listChanges, listChangesFromBase, type ChangeBase } from './change-list';
export { FORCE_LIMIT_BYTES, readFileDiff, TEXT_LIMIT_BYTES, type ReadFileDiffOptions } from './file-diff';
export { mergeBaseFor, mergeBaseInView, resolveCommit } from './refs';
export {
  parseMergeTreeZ,
  parseNameStatusZ,
  parseNumstatZ,
  parseRawNumstatZ,
  parsePathListZ,
  type MergeTreeResult,
  type NameStatusEntry,
  type NumstatEntry,
} from './parse-diff';
export { ChangesService, type AgentWorkHost } from './changes-service';
