import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAgentConfig } from '../src/main/core/own-agent/config';
import { closeOpenToolCalls, ConversationStore } from '../src/main/core/own-agent/conversation';
import { needsPermission, parseAnswer, toolKind } from '../src/main/core/own-agent/permissions';
import { formatPermissionQuestion, makeStyle } from '../src/main/core/own-agent/render';
import type { ChatMessage } from '../src/main/core/models';
import { removeDir, tempDir } from './helpers/repo';

const none = new Set<never>();

describe('permission modes', () => {
  it('ask asks before every write, edit and command; auto-edit only before commands; full-auto never', () => {
    const kinds = ['write_file', 'edit_file', 'run_command', 'read_file', 'list_files', 'search', 'finish'].map(toolKind);
    expect(kinds).toEqual(['edit', 'edit', 'command', null, null, null, null]);
    expect(kinds.map((k) => needsPermission('ask', k, none))).toEqual([true, true, true, false, false, false, false]);
    expect(kinds.map((k) => needsPermission('auto-edit', k, none))).toEqual([false, false, true, false, false, false, false]);
    expect(kinds.map((k) => needsPermission('full-auto', k, none))).toEqual([false, false, false, false, false, false, false]);
  });

  it('"always" stops asking for that kind of tool only', () => {
    const always = new Set(['edit' as const]);
    expect(needsPermission('ask', 'edit', always)).toBe(false);
    expect(needsPermission('ask', 'command', always)).toBe(true);
  });

  it('reads y/yes/n/no/a/always in any case and nothing else', () => {
    expect(['y', 'YES', ' n ', 'No', 'a', 'Always', '', 'sure', 'yes please'].map(parseAnswer)).toEqual(['yes', 'yes', 'no', 'no', 'always', 'always', null, null, null]);
  });

  it('shows a command whole in the question', () => {
    const long = `echo ${'x'.repeat(200)}`;
    const q = formatPermissionQuestion(makeStyle(false), 'run_command', JSON.stringify({ command: long }));
    expect(q).toContain(`Run this command? $ ${long}`);
    expect(q).toMatch(/\[y\]es \/ \[n\]o \/ \[a\]lways allow commands in this session › $/);
  });

  it('reads the mode from the environment, ask when unset, and refuses an unknown one', () => {
    const base = { FLOTILLA_AGENT_PROVIDER: 'openai', FLOTILLA_AGENT_MODEL: 'm', OPENAI_API_KEY: 'k' };
    const unset = readAgentConfig(base);
    expect(unset.ok && unset.config.permissionMode).toBe('ask');
    const auto = readAgentConfig({ ...base, FLOTILLA_AGENT_PERMISSION_MODE: 'full-auto' });
    expect(auto.ok && auto.config.permissionMode).toBe('full-auto');
    expect(readAgentConfig({ ...base, FLOTILLA_AGENT_PERMISSION_MODE: 'yolo' })).toEqual({ ok: false, message: expect.stringContaining('FLOTILLA_AGENT_PERMISSION_MODE must be one of ask, auto-edit, full-auto') });
  });
});

describe('the saved conversation', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) removeDir(d);
  });

  it('round-trips, and answers tool calls a kill left without results', () => {
    const dir = tempDir('flotilla-conv-');
    dirs.push(dir);
    const store = new ConversationStore(dir);
    expect(store.load()).toBeNull();
    const messages: ChatMessage[] = [
      { role: 'user', text: 'task' },
      { role: 'assistant', text: 'ok', toolCalls: [{ id: 'c1', name: 'read_file', argsText: '{"path":"a"}' }] },
    ];
    store.save(messages);
    const loaded = store.load();
    expect(loaded?.slice(0, 2)).toEqual(messages);
    expect(loaded?.[2]).toEqual({ role: 'tool', results: [{ callId: 'c1', name: 'read_file', content: expect.stringContaining('not run'), isError: true }] });
    expect(closeOpenToolCalls([{ role: 'user', text: 'x' }])).toEqual([{ role: 'user', text: 'x' }]);
  });

  it('ignores a damaged file rather than failing to start', () => {
    const dir = tempDir('flotilla-conv-');
    dirs.push(dir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'conversation.json'), '{"version":1,"messages":[{"role":"user"');
    expect(new ConversationStore(dir).load()).toBeNull();
  });
});
