/**
 * The conversation kept on disk in the agent's state folder, so that a restarted agent resumes
 * where it was instead of sending its task again (a real model would redo the work). Written
 * after each turn through a temporary file and a rename, so a kill never leaves half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ChatMessage } from '../models';

/** The file name inside the agent's state folder. */
export const CONVERSATION_FILE = 'conversation.json';

const toolCall = z.object({ id: z.string(), name: z.string(), argsText: z.string() });
const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), text: z.string() }),
  z.object({ role: z.literal('assistant'), text: z.string(), toolCalls: z.array(toolCall) }),
  z.object({
    role: z.literal('tool'),
    results: z.array(z.object({ callId: z.string(), name: z.string(), content: z.string(), isError: z.boolean() })),
  }),
]);
const fileSchema = z.object({ version: z.literal(1), messages: z.array(messageSchema) });

/** Saves and loads one agent's conversation. */
export class ConversationStore {
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, CONVERSATION_FILE);
  }

  /** The saved conversation, made valid to continue; null when there is none (or it is unreadable). */
  load(): ChatMessage[] | null {
    let raw: string;
    try {
      raw = readFileSync(this.file, 'utf8');
    } catch {
      return null;
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(raw));
      return parsed.success && parsed.data.messages.length > 0 ? closeOpenToolCalls(parsed.data.messages) : null;
    } catch {
      return null;
    }
  }

  /** Replaces the saved conversation; a failure to save never stops the agent. */
  save(messages: readonly ChatMessage[]): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ version: 1, messages }), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch {
      // Losing the resume point is better than losing the run.
    }
  }
}

/**
 * A process killed between a model's tool calls and their results leaves calls without
 * results, which every API rejects: answer them as not run. Pure.
 */
export function closeOpenToolCalls(messages: ChatMessage[]): ChatMessage[] {
  const last = messages[messages.length - 1];
  if (last?.role !== 'assistant' || last.toolCalls.length === 0) return messages;
  return [
    ...messages,
    { role: 'tool', results: last.toolCalls.map((c) => ({ callId: c.id, name: c.name, content: 'Error: not run; the agent was restarted before it could run this.', isError: true })) },
  ];
}
