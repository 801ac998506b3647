/**
 * Claude's todo list from the stream-json output (src/sessions/todos.ts), with the shapes Claude Code
 * 2.1.330 prints (observed against the stub: a task id in `tool_use_result.task.id` and in the result
 * text "Task #1 created successfully: …"), and its Discord text (src/discord/render/limits.ts); and
 * which refusals are usage limits (src/sessions/output.ts).
 */
import { describe, expect, it } from 'vitest';
import type { KnownMessage } from '../../src/claude/stream-json.js';
import { TodoBoard } from '../../src/sessions/todos.js';
import { usageLimitReset } from '../../src/sessions/output.js';
import { checklist, limitWarning } from '../../src/discord/render/limits.js';

let n = 0;
const call = (name: string, input: object, parent: string | null = null) => ({
  type: 'assistant', parent_tool_use_id: parent, session_id: 's', uuid: `a${++n}`,
  message: { role: 'assistant', content: [{ type: 'tool_use', id: `t${n}`, name, input }] },
}) as unknown as KnownMessage;
const result = (text: string, structured?: object, isError = false) => ({
  type: 'user', parent_tool_use_id: null, session_id: 's', uuid: `u${n}`, ...(structured ? { tool_use_result: structured } : {}),
  message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${n}`, content: text, is_error: isError }] },
}) as unknown as KnownMessage;

describe('TodoBoard', () => {
  it('follows the task tools: created (id from tool_use_result or the text), updated, deleted', () => {
    const b = new TodoBoard();
    expect(b.feed(call('TaskCreate', { subject: 'Write tests', description: 'd', activeForm: 'Writing tests' }))).toBe(false);
    expect(b.feed(result('Task #1 created successfully: Write tests', { task: { id: '1', subject: 'Write tests' } }))).toBe(true);
    b.feed(call('TaskCreate', { subject: 'Fix bug', description: 'd' }));
    b.feed(result('Task #2 created successfully: Fix bug')); // no structured result: the text says the id
    b.feed(call('TaskUpdate', { taskId: '1', status: 'in_progress' }));
    b.feed(result('Updated task #1 status'));
    expect(b.list).toEqual([
      { id: '1', subject: 'Write tests', status: 'in_progress', activeForm: 'Writing tests' },
      { id: '2', subject: 'Fix bug', status: 'pending' },
    ]);
    b.feed(call('TaskUpdate', { taskId: '2', status: 'deleted' }));
    b.feed(result('Updated task #2 deleted'));
    expect(b.list.map((i) => i.id)).toEqual(['1']);
  });
  it('ignores failed calls and a sub-agent\'s calls; TaskList sets the whole list', () => {
    const b = new TodoBoard();
    b.feed(call('TaskCreate', { subject: 'x', description: 'd' }));
    expect(b.feed(result('<tool_use_error>boom</tool_use_error>', undefined, true))).toBe(false);
    expect(b.feed(call('TodoWrite', { todos: [{ content: 'inner', status: 'pending', activeForm: 'i' }] }, 'toolu_agent'))).toBe(false);
    expect(b.list).toEqual([]);
    b.feed(call('TaskList', {}));
    b.feed(result('…', { tasks: [{ id: '4', subject: 'From before', status: 'completed', blockedBy: [] }] }));
    expect(b.list).toEqual([{ id: '4', subject: 'From before', status: 'completed' }]);
  });
  it('TodoWrite replaces the list each time', () => {
    const b = new TodoBoard();
    expect(b.feed(call('TodoWrite', { todos: [{ content: 'Plan', status: 'completed', activeForm: 'Planning' }, { content: 'Ship', status: 'in_progress', activeForm: 'Shipping' }] }))).toBe(true);
    expect(checklist(b.list)).toBe('📋 **Todo** · 1/2 done\n✅ Plan\n⏳ **Shipping**');
  });
});

describe('limit warning', () => {
  const now = 1_800_000_000_000;
  it('shows an allowed_warning whose window has not reset, with its share and reset time', () => {
    expect(limitWarning({ status: 'allowed_warning', utilization: 0.92, rateLimitType: 'seven_day', resetsAt: now / 1000 + 60 }, now))
      .toBe(`⚠️ 92% of the weekly limit used · resets <t:${now / 1000 + 60}:R>`);
  });
  it('says nothing when allowed, or once the window reset', () => {
    expect(limitWarning({ status: 'allowed', resetsAt: now / 1000 + 60 }, now)).toBeNull();
    expect(limitWarning({ status: 'allowed_warning', resetsAt: now / 1000 - 1 }, now)).toBeNull();
  });
});

describe('usage-limit refusals', () => {
  const base = { type: 'result', subtype: 'success', is_error: true, result: "You've hit your 5-hour limit", total_cost_usd: 0, usage: {}, duration_ms: 1 };
  const rejected = { status: 'rejected', resetsAt: 1_800_000_000 };
  it('a result naming usage_limit_reached waits until the limit\'s reset (epoch ms)', () => {
    expect(usageLimitReset({ ...base, api_error: 'usage_limit_reached', api_error_status: 429 } as never, rejected)).toBe(1_800_000_000_000);
  });
  it('a plain 429 is not a usage limit, even after an earlier rejection; no reset time, no wait', () => {
    expect(usageLimitReset({ ...base, api_error: 'rate_limit', api_error_status: 429 } as never, rejected)).toBeNull();
    expect(usageLimitReset({ ...base, api_error: 'usage_limit_reached', api_error_status: 429 } as never, { status: 'rejected' })).toBeNull();
    expect(usageLimitReset({ ...base, is_error: false } as never, rejected)).toBeNull();
  });
});
