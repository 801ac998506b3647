/**
 * `RemoteTurn` (issue 12): a runner's turn rebuilt on the hub from its events. Text events carry the
 * length after them (src/remote/protocol.ts), so a replayed one changes nothing, a replaced text
 * (`full`) wins, and a gap — events handled by a hub that died — is marked until the result, which
 * carries the whole text.
 */
import { describe, expect, it } from 'vitest';
import { RemoteTurn } from '../../src/hub/remote-turn.js';
import type { EventBody } from '../../src/remote/protocol.js';

const ref = { sessionId: '0123456789ab', turnId: 't1' };
const text = (length: number, delta: string, full?: string): EventBody => ({ type: 'text', ...ref, length, delta, ...(full !== undefined ? { full } : {}) });
const result = (t: string): EventBody => ({ type: 'result', ...ref, outcome: 'success', text: t, costUsd: 0.01, inputTokens: 3, outputTokens: 4, durationMs: 50 });

describe('RemoteTurn', () => {
  it('appends deltas in order, ignores a replayed one, and starts on its first text', () => {
    const turn = new RemoteTurn('t1', ref.sessionId);
    const seen: string[] = [];
    turn.on('text', (t) => seen.push(t));
    expect(turn.apply(text(5, 'hello'))).toBe(true);
    expect(turn.isStarted).toBe(true);
    expect(turn.apply(text(11, ' world'))).toBe(true);
    expect(turn.apply(text(5, 'hello'))).toBe(false); // delivered again
    expect(turn.text).toBe('hello world');
    expect(seen).toEqual(['hello', 'hello world']);
  });

  it('takes a replaced text whole, and marks a gap until the result fills it', async () => {
    const turn = new RemoteTurn('t1', ref.sessionId);
    turn.apply(text(3, 'abc'));
    turn.apply(text(2, '', 'xy'));
    expect(turn.text).toBe('xy');
    turn.apply(text(10, 'tail')); // 4 chars missing before it
    expect(turn.text).toBe('xy…tail');
    turn.apply(text(13, ' on')); // follows on from the runner's length, not the marked text's
    expect(turn.text).toBe('xy…tail on');
    turn.apply(result('xy and tail'));
    expect(turn.text).toBe('xy and tail');
    expect(await turn.done).toMatchObject({ outcome: 'success', text: 'xy and tail', costUsd: 0.01 });
    expect(turn.apply(text(20, 'late'))).toBe(false); // nothing after the end
  });

  it('keeps the todo list and an API retry as the renderers read them; the end clears the retry', async () => {
    const turn = new RemoteTurn('t1', ref.sessionId);
    const seen: string[] = [];
    turn.on('todos', () => seen.push('todos')).on('retry', () => seen.push('retry'));
    turn.apply({ type: 'todos', ...ref, items: [{ id: '1', subject: 'Write the tests', status: 'in_progress', activeForm: 'Writing' }] });
    expect(turn.todos).toEqual([{ id: '1', subject: 'Write the tests', status: 'in_progress', activeForm: 'Writing' }]);
    turn.apply({ type: 'retry', ...ref, retry: { attempt: 2, maxRetries: 10, delayMs: 4000, status: 529, error: 'overloaded', at: 1 } });
    expect(turn.retry).toMatchObject({ attempt: 2, status: 529, error: 'overloaded' });
    expect(turn.retry!.at).toBeGreaterThan(1); // dated on arrival, not by the runner's clock
    turn.apply(result('ok'));
    expect(turn.retry).toBeNull();
    expect(seen).toEqual(['todos', 'retry']);
  });

  it('shows tool calls and tokens from activity; a failed result carries the runner\'s safe message', async () => {
    const turn = new RemoteTurn('t1', ref.sessionId);
    turn.apply({ type: 'activity', ...ref, tokens: 42, tools: [{ id: 'u1', name: 'Bash', done: true }, { id: 'u2', name: 'Read', done: false }] });
    expect(turn.parts.tokens).toBe(42);
    expect(turn.parts.running?.name).toBe('Read');
    expect(turn.parts.parts.map((p) => (p.kind === 'tool' ? p.call.name : p.text))).toEqual(['Bash', 'Read']);
    turn.apply({ ...result(''), outcome: 'error', error: { code: 'PROCESS_EXITED', message: 'Claude Code stopped unexpectedly (exit 1).' } } as EventBody);
    const r = await turn.done;
    expect(r.error?.userMessage).toBe('Claude Code stopped unexpectedly (exit 1).');
    expect(turn.parts.running).toBeNull();
  });
});
