/** TurnView against a recording target: what it shows of a turn, and in what order (on a fake clock). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeBridgeSessionId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { TurnView, type RenderedMessage, type ReplyTarget } from '../../src/discord/render/turn-view.js';
import { Turn } from '../../src/sessions/turn.js';

function recorder() {
  const edits: Array<RenderedMessage & { at: number }> = [];
  const target: ReplyTarget = { edit: async (m) => void edits.push({ ...m, at: Date.now() }), followUp: async () => undefined };
  return { edits, target };
}
const done = { outcome: 'success' as const, costUsd: 0.001, inputTokens: 10, outputTokens: 5, durationMs: 100 };

describe('TurnView', () => {
  afterEach(() => void vi.useRealTimers());

  it('shows the status line of a turn that started before the view existed, edits spaced on its clock', async () => {
    vi.useFakeTimers(); // Date.now and timers are the fake clock's: the spacing below is exact, not wall time
    const turn = new Turn({ id: 't1', seq: 1, prompt: 'p', replyRef: null });
    turn.markStarted(); // e.g. the answer message was posted after the prompt was written
    const { edits, target } = recorder();
    const view = new TurnView(target, turn, makeBridgeSessionId(), { log: createLogger('silent'), statusDelayMs: 20, coalesceMs: 5, minEditIntervalMs: 30, tickMs: 10 });
    const shown = view.run();
    await vi.advanceTimersByTimeAsync(80);
    turn.end({ ...done, text: 'answer' });
    await vi.advanceTimersByTimeAsync(100);
    await shown;
    expect(edits.length).toBeGreaterThan(1);
    expect(edits[0]!.content).toMatch(/⏱️ \d+ s · 💭 thinking/);
    expect(edits.some((e) => e.content.includes('waiting for the previous message'))).toBe(false);
    expect(edits.at(-1)!.content).toContain('answer');
    for (let k = 1; k < edits.length; k++) expect(edits[k]!.at - edits[k - 1]!.at).toBeGreaterThanOrEqual(30);
  });

  it('says a turn waits behind the previous one until it starts', async () => {
    vi.useFakeTimers();
    const turn = new Turn({ id: 't2', seq: 2, prompt: 'p', replyRef: null });
    const { edits, target } = recorder();
    const view = new TurnView(target, turn, makeBridgeSessionId(), { log: createLogger('silent'), statusDelayMs: 20, coalesceMs: 5, minEditIntervalMs: 30 });
    const shown = view.run();
    await vi.advanceTimersByTimeAsync(60);
    expect(edits[0]!.content).toContain('waiting for the previous message');
    turn.end({ ...done, text: 'later' });
    await vi.advanceTimersByTimeAsync(100);
    await shown;
    expect(edits.at(-1)!.content).toContain('later');
  });

  it('a checklist Discord keeps refusing is given up: the answer still gets its edits and lands', async () => {
    vi.useFakeTimers();
    const turn = new Turn({ id: 't3', seq: 3, prompt: 'p', replyRef: null });
    turn.markStarted();
    const { edits, target } = recorder();
    let posts = 0;
    target.post = async () => { posts++; throw new Error('Missing Permissions'); };
    const view = new TurnView(target, turn, makeBridgeSessionId(), {
      log: createLogger('silent'), statusDelayMs: 5, coalesceMs: 5, minEditIntervalMs: 30, tickMs: 10, retryDelaysMs: [1], deliveryDeadlineMs: 50,
    });
    const shown = view.run();
    turn.setTodos([{ id: '1', subject: 'a', status: 'pending' }]);
    await vi.advanceTimersByTimeAsync(5000); // the status line's clock ticks every second
    turn.end({ ...done, text: 'the answer' });
    await vi.advanceTimersByTimeAsync(200);
    await shown;
    expect(posts).toBe(3);
    expect(edits.filter((e) => e.content.includes('⏱️')).length).toBeGreaterThan(3); // the status line kept its budget
    expect(edits.at(-1)!.content).toContain('the answer');
  });

  it('a turn parked by a usage limit shows when it will be answered, with Cancel, and no typing', async () => {
    vi.useFakeTimers();
    const turn = new Turn({ id: '5f0e8a0e-0000-4000-8000-000000000001', seq: 4, prompt: 'p', replyRef: null });
    turn.markStarted();
    const { edits, target } = recorder();
    let typing = 0;
    target.typing = async () => void typing++;
    const view = new TurnView(target, turn, makeBridgeSessionId(), { log: createLogger('silent'), statusDelayMs: 5, coalesceMs: 5, minEditIntervalMs: 10, typingMs: 10 });
    const shown = view.run();
    turn.park(Date.UTC(2030, 0, 1, 14, 5));
    const before = typing;
    await vi.advanceTimersByTimeAsync(100);
    const s = Date.UTC(2030, 0, 1, 14, 5) / 1000;
    expect(edits.at(-1)!.content).toBe(`⏸️ Usage limit reached; this will be answered at <t:${s}:t> (<t:${s}:R>).`);
    expect(JSON.stringify(edits.at(-1)!.components)).toContain('cdb:unpark:');
    expect(typing).toBe(before);
    turn.park(null);
    turn.end({ ...done, text: 'after the reset' });
    await vi.advanceTimersByTimeAsync(100);
    await shown;
    expect(edits.at(-1)!.content).toContain('after the reset');
  });
});
