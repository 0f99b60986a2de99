/**
 * The parts of Monaco the diff view opts into (editor.api is the bare editor): the icon font,
 * diff navigation, find and copy. A module of its own so that loading evaluates them in a task
 * apart from the editor core (diff-editor.tsx).
 */
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/diffEditor/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/clipboard/register';
