/** A turn's parts from stream-json lines, and how they render: tool lines, diffs, long output, thread names. */
import { describe, expect, it } from 'vitest';
import type { KnownMessage } from '../../src/claude/stream-json.js';
import { activityFiles, renderParts, renderSteers, toolSummary } from '../../src/discord/render/activity.js';
import { excerpt, threadName } from '../../src/discord/operations/thread.js';
import { TurnParts } from '../../src/sessions/turn-parts.js';

const line = (m: unknown) => m as KnownMessage;
const textStart = line({ type: 'stream_event', parent_tool_use_id: null, event: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } });
const delta = (text: string) => line({ type: 'stream_event', parent_tool_use_id: null, event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } });
const toolUse = (id: string, name: string, input: unknown, usage = { input_tokens: 10, output_tokens: 5 }) =>
  line({ type: 'assistant', parent_tool_use_id: null, message: { id: `msg_${id}`, usage, content: [{ type: 'tool_use', id, name, input }] } });
const toolResult = (id: string, content: unknown, isError = false) =>
  line({ type: 'user', parent_tool_use_id: null, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, is_error: isError }] } });

describe('TurnParts', () => {
  it('keeps text and tool calls in order, with results, the running tool and tokens per API message', () => {
    const parts = new TurnParts();
    for (const m of [textStart, delta('Let me '), delta('check.'), toolUse('t1', 'Bash', { command: 'npm test' })]) parts.feed(m);
    expect(parts.running?.name).toBe('Bash');
    parts.feed(toolResult('t1', [{ type: 'text', text: 'ok' }]));
    parts.feed(toolUse('t1', 'Bash', { command: 'npm test' }, { input_tokens: 10, output_tokens: 7 })); // same id again: ignored
    parts.feed(line({ type: 'stream_event', parent_tool_use_id: 't9', event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'sub-agent' } } }));
    for (const m of [textStart, delta('All green.')]) parts.feed(m);
    expect(parts.running).toBeNull();
    expect(parts.parts).toEqual([
      { kind: 'text', text: 'Let me check.' },
      { kind: 'tool', call: { id: 't1', name: 'Bash', input: { command: 'npm test' }, result: { text: 'ok', isError: false } } },
      { kind: 'text', text: 'All green.' },
    ]);
    expect(parts.tokens).toBe(17); // msg_t1's latest usage counts once
  });
});

describe('activity rendering', () => {
  const cwd = '/work/repo';

  it('summarises a tool call on one line, paths relative to the session directory', () => {
    expect(toolSummary({ id: 'a', name: 'Edit', input: { file_path: '/work/repo/src/x.ts' } }, cwd)).toBe('Edit: src/x.ts');
    expect(toolSummary({ id: 'b', name: 'Read', input: { file_path: '/etc/passwd' } }, cwd)).toBe('Read: /etc/passwd');
    expect(toolSummary({ id: 'c', name: 'Bash', input: { command: 'npm\n  test' } }, cwd)).toBe('Bash: npm test');
    expect(toolSummary({ id: 'd', name: 'Bash', input: { command: 'x'.repeat(300) } }, cwd)).toHaveLength(150);
  });

  it('attaches edits as diffs and long output as text; short output stays out', () => {
    const parts = new TurnParts();
    parts.feed(toolUse('e1', 'Edit', { file_path: '/work/repo/a.ts', old_string: 'let a = 1;', new_string: 'const a = 1;' }));
    parts.feed(toolResult('e1', 'ok'));
    parts.feed(toolUse('b1', 'Bash', { command: 'ls' }));
    parts.feed(toolResult('b1', 'one file'));
    parts.feed(toolUse('b2', 'Bash', { command: 'seq 100' }));
    parts.feed(toolResult('b2', Array.from({ length: 100 }, (_, k) => String(k)).join('\n'), true));
    const { files, byCall } = activityFiles(parts.parts, cwd);
    expect(files.map((f) => f.name)).toEqual(['1-a.ts.diff', '3-bash.txt']);
    expect(files[0]!.data.toString()).toBe('--- a/a.ts\n+++ b/a.ts\n@@\n-let a = 1;\n+const a = 1;\n');
    expect(renderParts(parts.parts, cwd, byCall).split('\n')).toEqual([
      '-# 🔧 Edit: a.ts · 📎 1-a.ts.diff', '-# 🔧 Bash: ls', '-# 🔧 Bash: seq 100 ✗ · 📎 3-bash.txt',
    ]);
  });

  it('quotes steered messages with what became of them', () => {
    expect(renderSteers([{ text: 'also\nthis', state: 'folded' }, { text: 'later', state: 'next-turn' }]))
      .toBe('> ↪️ also this · *taken into this turn*\n> ↪️ later · *answered next*\n');
  });

  it('names threads from the prompt, within Discord\'s 100 chars', () => {
    expect(threadName('fix the\nbuild\u0007 please')).toBe('fix the build please');
    expect(threadName('   ')).toBe('Claude session');
    expect(threadName('y'.repeat(500))).toHaveLength(90);
    expect(excerpt('abcdef', 4)).toBe('abc…');
  });
});

describe('renderSteers in a burst', () => {
  it('lists the last messages and counts the earlier ones by fate, so 50 stay within one message', () => {
    const steers = Array.from({ length: 50 }, (_, i) => ({ text: `message ${i} `.repeat(10), state: (i < 30 ? 'folded' : 'next-turn') as 'folded' | 'next-turn' }));
    const out = renderSteers(steers);
    expect(out.split('\n').filter(Boolean)).toHaveLength(6);
    expect(out).toContain('45 earlier messages: *30 taken into this turn · 15 answered next*');
    expect(out).toContain('message 49');
    expect(out.length).toBeLessThan(1000);
  });
});
