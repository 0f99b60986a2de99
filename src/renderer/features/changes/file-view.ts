/**
 * What the changes panel shows for one file's diff: pure, so the rules for new files, trailing
 * newlines, binary and too-large files are tested without Monaco.
 */
import type { FileDiff, FileSide } from '../../../shared/types';
import { formatBytes } from '../common/format';

/** A new file shows only its lines; a deleted one only its old lines; otherwise both sides. */
export type DiffMode = 'added' | 'deleted' | 'modified';

export type FileView =
  | {
      kind: 'text';
      mode: DiffMode;
      /** Texts as lines: the newline ending the last line is not an extra, empty line. */
      original: string;
      modified: string;
      /** Differences the texts alone do not show, e.g. a final newline added or removed. */
      notes: string[];
    }
  | {
      kind: 'summary';
      /** Some side is only too large for the default limit: loading it on request may help. */
      canForce: boolean;
      /** Why no diff is shown: never nothing, least of all right after "Open anyway". */
      message: string;
    };

const FINAL_NEWLINE = /\r?\n$/;

/** The lines of a text as an editor model should hold them: without the one final newline. */
export function displayText(text: string): string {
  return text.replace(FINAL_NEWLINE, '');
}

function lacksFinalNewline(side: FileSide): boolean {
  return side.kind === 'text' && side.text.length > 0 && !FINAL_NEWLINE.test(side.text);
}

/** How to show `diff`; `forced` is true when the user asked to open it anyway. */
export function fileView(diff: FileDiff, forced: boolean): FileView {
  const { original, modified } = diff;
  const textual = (side: FileSide) => side.kind === 'text' || side.kind === 'absent';
  if (textual(original) && textual(modified)) {
    const mode: DiffMode = original.kind === 'absent' ? 'added' : modified.kind === 'absent' ? 'deleted' : 'modified';
    const notes: string[] = [];
    if (mode === 'modified' && lacksFinalNewline(original) !== lacksFinalNewline(modified)) {
      notes.push(lacksFinalNewline(modified) ? 'The newline at the end of the file was removed.' : 'A newline was added at the end of the file.');
    } else if (lacksFinalNewline(mode === 'deleted' ? original : modified)) {
      notes.push('No newline at end of file.');
    }
    return {
      kind: 'text',
      mode,
      original: original.kind === 'text' ? displayText(original.text) : '',
      modified: modified.kind === 'text' ? displayText(modified.text) : '',
      notes,
    };
  }
  const sides = [original, modified];
  const tooLarge = sides.filter((s): s is Extract<FileSide, { kind: 'too-large' }> => s.kind === 'too-large');
  const binary = sides.some((s) => s.kind === 'binary');
  // A binary side means no text diff, however much is loaded: offering "Open anyway" would lead nowhere.
  if (binary) {
    return {
      kind: 'summary',
      canForce: false,
      message: forced
        ? 'Opened anyway: this is a binary file, so there is no text to compare. Its size and hash are above; open it with a tool for its format.'
        : 'A binary file: there is no text to compare. Its size and hash are above.',
    };
  }
  if (tooLarge.length > 0) {
    const size = formatBytes(Math.max(...tooLarge.map((s) => s.size)));
    return forced
      ? {
          kind: 'summary',
          canForce: false,
          message: `Opened anyway, but ${size} is more than Flotilla loads into the diff view. Compare it with git or another tool in the worktree.`,
        }
      : { kind: 'summary', canForce: true, message: `Too large to show by default (${size}).` };
  }
  return { kind: 'summary', canForce: false, message: 'This file cannot be shown as text.' };
}
