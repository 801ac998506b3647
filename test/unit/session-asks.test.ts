/**
 * The human in the loop inside the session loop (fake backend, fake clock, in-memory SQLite): a
 * question's answers are collected, stored one by one and sent as one `control_response`; a plan
 * approved with edits carries the `setMode` update; an MCP form Discord cannot show is declined at
 * once; and time spent waiting for a person is not a stalled turn. The lines the fake CLI prints
 * copy what Claude Code 2.1.330 sent in the real-CLI experiments (docs/design.md).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/sessions/session.js';
import { seams, sessionIn, useSeams } from '../helpers/session-seams.js';

useSeams();

const keyOf = (requestId: string) => createHash('sha256').update(requestId).digest('hex').slice(0, 12);
const questions = [
  { question: 'Which color?', header: 'Color', options: [{ label: 'Red', description: '' }, { label: 'Blue', description: '' }], multiSelect: false },
  { question: 'Which size?', header: 'Size', options: [{ label: 'S', description: '' }, { label: 'M', description: '' }], multiSelect: false },
];
const canUse = (id: string, tool: string, input: object) =>
  ({ type: 'control_request', request_id: id, request: { subtype: 'can_use_tool', tool_name: tool, input, tool_use_id: 't1', requires_user_interaction: true } });
const responses = () => seams.backend.last.written.map((l) => JSON.parse(l)).filter((m) => m.type === 'control_response');
/** A session with someone to ask (with no transport listening, requests are denied at once). */
async function running(): Promise<Session> {
  seams.manager.on('permission', () => undefined);
  seams.manager.on('elicitation', () => undefined);
  return (await sessionIn('running')).s;
}
async function asked(s: Session, id: string, line: object): Promise<void> {
  seams.backend.last.print(line);
  for (let i = 0; i < 2000 && !s.waitingRequest(keyOf(id)) && !s.waitingElicitation(keyOf(id)); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('questions in the loop', () => {
  it('stores each answer as it comes, and sends them all at once with the last', async () => {
    const s = await running();
    await asked(s, 'q1', canUse('q1', 'AskUserQuestion', { questions }));
    expect(s.waitingRequest(keyOf('q1'))).toMatchObject({ kind: 'question', answers: [null, null] });
    expect(await s.answerQuestion(keyOf('q1'), 1, 'M', '300000000000000001')).toBe('recorded');
    expect(seams.store.listQuestionAnswers(s.id, 'q1')).toEqual([{ question: 1, answer: 'M', answeredBy: '300000000000000001' }]);
    expect(responses()).toEqual([]);
    expect(await s.answerQuestion(keyOf('q1'), 1, 'S', '300000000000000001')).toBe(false); // answered already
    expect(await s.answerQuestion(keyOf('q1'), 0, 'Blue', '300000000000000001')).toBe('complete');
    expect(responses()).toEqual([{ type: 'control_response', response: { subtype: 'success', request_id: 'q1', response: {
      behavior: 'allow', updatedInput: { questions, answers: { 'Which color?': 'Blue', 'Which size?': 'M' } },
    } } }]);
    expect(seams.store.listQuestionAnswers(s.id, 'q1')).toEqual([]); // settled: kept no longer
    expect(await s.answerQuestion(keyOf('q1'), 0, 'Red', '300000000000000001')).toBe(false);
  });

  it('a plan approved with edits sends the setMode update; kept planning sends the feedback', async () => {
    const s = await running();
    await asked(s, 'p1', canUse('p1', 'ExitPlanMode', {}));
    expect(s.waitingRequest(keyOf('p1'))).toMatchObject({ kind: 'plan', plan: null });
    expect(await s.decidePlan(keyOf('p1'), 'accept-edits', '', '300000000000000001')).toBe(true);
    await asked(s, 'p2', canUse('p2', 'ExitPlanMode', { plan: '1. do it' }));
    expect(s.waitingRequest(keyOf('p2'))).toMatchObject({ kind: 'plan', plan: '1. do it' });
    expect(await s.decidePlan(keyOf('p2'), 'keep-planning', 'smaller steps', '300000000000000001')).toBe(true);
    expect(responses().map((r) => r.response.response)).toEqual([
      { behavior: 'allow', updatedInput: {}, updatedPermissions: [{ type: 'setMode', mode: 'acceptEdits', destination: 'session' }] },
      { behavior: 'deny', message: 'The user wants to keep planning and did not approve the plan yet. Their feedback: smaller steps' },
    ]);
  });

  it('an MCP form Discord cannot show is declined at once; one it can waits for the owner', async () => {
    const s = await running();
    const settled: string[] = [];
    s.on('elicitationSettled', (req, o) => settled.push(`${req.serverName}:${o.action}:${o.by}`));
    const six = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, { type: 'string' }]));
    seams.backend.last.print({ type: 'control_request', request_id: 'e1', request: { subtype: 'elicitation', mcp_server_name: 'db', message: 'm', mode: 'form', requested_schema: { type: 'object', properties: six } } });
    for (let i = 0; i < 2000 && settled.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(settled).toEqual(['db:decline:refused']);
    await asked(s, 'e2', { type: 'control_request', request_id: 'e2', request: { subtype: 'elicitation', mcp_server_name: 'db', message: 'm', mode: 'url', url: 'https://example.com/x' } });
    expect(s.waitingElicitation(keyOf('e2'))).toMatchObject({ mode: 'url', url: 'https://example.com/x', refusal: null });
    expect(await s.answerElicitation(keyOf('e2'), 'accept', undefined, '300000000000000001')).toBe(true);
    expect(responses().map((r) => [r.response.request_id, r.response.response])).toEqual([['e1', { action: 'decline' }], ['e2', { action: 'accept' }]]);
  });

  it('time spent waiting for the owner is not a stalled turn; the stall clock starts again after the answer', async () => {
    const s = await running();
    await asked(s, 'q2', canUse('q2', 'AskUserQuestion', { questions: questions.slice(0, 1) }));
    seams.clock += 61_000;
    expect(await s.checkStall(60_000)).toBe(false);
    expect(await s.answerQuestion(keyOf('q2'), 0, 'Red', '300000000000000001')).toBe('complete');
    expect(await s.checkStall(60_000)).toBe(false);
    seams.clock += 61_000;
    expect(await s.checkStall(60_000)).toBe(true);
  });
});
