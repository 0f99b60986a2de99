/**
 * Which tool calls wait for the user's yes in each permission mode. ask: every file write or
 * edit and every command; auto-edit: commands only; full-auto: nothing. "always" lifts the
 * question for one kind of tool until the agent process ends. Pure, so the rules are unit-tested.
 */
import type { PermissionMode } from '../../../shared/types';

/** What a tool call may do that the user can be asked about. */
export type ToolKind = 'edit' | 'command';

/** The user's answer to one question. */
export type PermissionAnswer = 'yes' | 'no' | 'always';

/** The kind of a tool call that changes something, or null for one that only looks. */
export function toolKind(name: string): ToolKind | null {
  if (name === 'write_file' || name === 'edit_file') return 'edit';
  if (name === 'run_command') return 'command';
  return null;
}

/** Whether a call of `kind` must wait for the user in `mode`, given the kinds answered "always". */
export function needsPermission(mode: PermissionMode, kind: ToolKind | null, always: ReadonlySet<ToolKind>): boolean {
  if (kind === null || always.has(kind)) return false;
  switch (mode) {
    case 'ask':
      return true;
    case 'auto-edit':
      return kind === 'command';
    case 'full-auto':
      return false;
  }
}

/** Reads a typed answer (y, yes, n, no, a, always; any case), or null when it is none of them. */
export function parseAnswer(text: string): PermissionAnswer | null {
  const t = text.trim().toLowerCase();
  if (t === 'y' || t === 'yes') return 'yes';
  if (t === 'n' || t === 'no') return 'no';
  if (t === 'a' || t === 'always') return 'always';
  return null;
}

/** The tool result the model gets when the user says no: a refusal, not a failure to retry. */
export function refusalFor(name: string): string {
  return `Error: the user refused this ${name} call; nothing was done. Do not repeat it unchanged: ask the user in plain text, or do something else.`;
}
