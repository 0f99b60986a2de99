/**
 * The merge service: previews and runs squash merges of an agent's branch into its base,
 * computed on refs so the user's checkout is never switched, stashed or reset.
 */
export { defaultMergeMessage, MergeService, type MergeHost, type MergeServiceDeps } from './merge-service';
export { previewMerge, runMerge } from './squash-merge';
