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
});
