/**
 * Issue 11, item 4, end to end with the real CLI: Claude's todo list shows as one checklist message
 * per turn, edited in place as it changes — with the task tools (`TaskCreate`/`TaskUpdate`, offered
 * with `CLAUDE_CODE_ENABLE_TODO_TOOLS=true`) and with `TodoWrite` (`CLAUDE_CODE_ENABLE_TASKS=false`
 * as well) — and its tool calls do not show as tool lines. The stub's `STEPS:` script asks for the
 * calls; gates hold a step until the test has seen the list before it (test/fakes/stub-limits.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGate } from '../fakes/stub-limits.js';
import type { FakeUser, StoredMessage } from '../fakes/discord/server.js';
import { Harness } from '../helpers/harness.js';

describe('todo checklist', () => {
  let h: Harness;
  let alice: FakeUser;
  let bob: FakeUser;

  beforeAll(async () => {
    h = await Harness.create();
    alice = h.discord.addUser('alice');
    bob = h.discord.addUser('bob');
  });
  afterAll(async () => h?.close());

  const checklists = () => h.discord.channelMessages().filter((m) => m.content.startsWith('📋 **Todo**'));
  const edits = (m: StoredMessage) => h.discord.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/messages/${m.id}`)).length;
  const showing = (text: string, what: string) => h.discord.waitFor(() => checklists().find((m) => m.content.includes(text)), 45_000, what);

  it('task tools: one message, edited in place as tasks are created, started and completed', async () => {
    await h.startBot([alice, bob], { CLAUDE_CODE_ENABLE_TODO_TOOLS: 'true' });
    const steps = [
      ['TaskCreate', { subject: 'Write the tests', description: 'tests', activeForm: 'Writing the tests' }],
      ['TaskCreate', { subject: 'Fix the bug', description: 'fix' }],
      ['TaskUpdate', { taskId: '1', status: 'in_progress' }, 'tasks-start'],
      ['TaskUpdate', { taskId: '1', status: 'completed' }, 'tasks-done'],
    ];
    const i = h.ask(alice, `STEPS:${JSON.stringify(steps)}`);
    const first = await showing('0/2 done', 'the checklist with two tasks');
    expect(first.content).toBe('📋 **Todo** · 0/2 done\n☐ Write the tests\n☐ Fix the bug');
    openGate('tasks-start');
    await showing('⏳ **Writing the tests**', 'the task in progress');
    openGate('tasks-done');
    const answer = await h.final(i, 'steps done:');
    const lists = checklists();
    expect(lists.map((m) => m.id)).toEqual([first.id]); // one message per turn, edited in place
    await h.discord.waitFor(() => lists[0]!.content.includes('1/2 done'), 10_000, 'the last state');
    expect(lists[0]!.content).toBe('📋 **Todo** · 1/2 done\n✅ Write the tests\n☐ Fix the bug');
    expect(edits(first)).toBeGreaterThanOrEqual(2);
    expect(answer.content).not.toMatch(/🔧 Task(Create|Update)/); // the checklist stands for those calls
  });

  it('TodoWrite: the same checklist when the CLI keeps the list with TodoWrite', async () => {
    await h.bot!.stop();
    await h.startBot([alice, bob], { CLAUDE_CODE_ENABLE_TASKS: 'false', CLAUDE_CODE_ENABLE_TODO_TOOLS: 'true' });
    const todos = (a: string, b: string) => ({ todos: [
      { content: 'Plan the change', status: a, activeForm: 'Planning the change' },
      { content: 'Ship it', status: b, activeForm: 'Shipping it' },
    ] });
    const steps = [['TodoWrite', todos('in_progress', 'pending')], ['TodoWrite', todos('completed', 'completed'), 'write-done']];
    const before = checklists().length;
    const i = h.ask(bob, `STEPS:${JSON.stringify(steps)}`); // bob: a new session, so a process with this environment
    const first = await showing('⏳ **Planning the change**', 'the TodoWrite checklist');
    expect(first.content).toBe('📋 **Todo** · 0/2 done\n⏳ **Planning the change**\n☐ Ship it');
    openGate('write-done');
    await h.final(i, 'steps done:');
    await h.discord.waitFor(() => first.content.includes('2/2 done'), 10_000, 'the list done');
    expect(first.content).toBe('📋 **Todo** · 2/2 done\n✅ Plan the change\n✅ Ship it');
    expect(checklists()).toHaveLength(before + 1);
  });
});
