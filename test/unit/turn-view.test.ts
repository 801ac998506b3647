/** TurnView against a recording target: what it shows of a turn, and when. */
import { describe, expect, it } from 'vitest';
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
  it('shows the status line of a turn that started before the view existed', async () => {
    const turn = new Turn({ id: 't1', seq: 1, prompt: 'p', replyRef: null });
    turn.markStarted(); // e.g. the answer message was posted after the prompt was written
    const { edits, target } = recorder();
    const view = new TurnView(target, turn, makeBridgeSessionId(), { log: createLogger('silent'), statusDelayMs: 20, coalesceMs: 5, minEditIntervalMs: 30 });
    const shown = view.run();
    await new Promise((r) => setTimeout(r, 80));
    turn.end({ ...done, text: 'answer' });
    await shown;
    expect(edits[0]!.content).toMatch(/⏱️ \d+ s · 💭 thinking/);
    expect(edits.some((e) => e.content.includes('waiting for the previous message'))).toBe(false);
    expect(edits.at(-1)!.content).toContain('answer');
    for (let k = 1; k < edits.length; k++) expect(edits[k]!.at - edits[k - 1]!.at).toBeGreaterThanOrEqual(29);
  });

  it('says a turn waits behind the previous one until it starts', async () => {
    const turn = new Turn({ id: 't2', seq: 2, prompt: 'p', replyRef: null });
    const { edits, target } = recorder();
    const view = new TurnView(target, turn, makeBridgeSessionId(), { log: createLogger('silent'), statusDelayMs: 20, coalesceMs: 5, minEditIntervalMs: 30 });
    const shown = view.run();
    await new Promise((r) => setTimeout(r, 60));
    expect(edits[0]!.content).toContain('waiting for the previous message');
    turn.end({ ...done, text: 'later' });
    await shown;
  });
});
