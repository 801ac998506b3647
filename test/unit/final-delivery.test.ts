/**
 * The final state of an answer always lands: TurnView against a fake target that fails the way
 * discord.js reports Discord's faults (the real error classes: `HTTPError` after its own 5xx retries,
 * `DiscordAPIError` for 4xx with Discord's JSON code, `RateLimitError`, undici's `fetch failed`),
 * with an injected sleep — no real waiting.
 */
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeBridgeSessionId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { classifyFault, deliver, DEFAULT_RETRY_POLICY } from '../../src/discord/render/delivery.js';
import { TurnView, type RenderedMessage, type ReplyTarget } from '../../src/discord/render/turn-view.js';
import { Turn } from '../../src/sessions/turn.js';

const request = { body: undefined, files: undefined };
const http500 = () => new HTTPError(500, 'Internal Server Error', 'PATCH', '/channels/1/messages/2', request);
const apiError = (status: number, code: number, message: string) => new DiscordAPIError({ message, code }, code, status, 'PATCH', '/x', request);
const rateLimited = () => new RateLimitError({ timeToReset: 2000, limit: 5, method: 'PATCH', hash: 'h', url: '/x', route: '/x', majorParameter: '1', global: false, retryAfter: 2000, sublimitTimeout: 0, scope: 'user' });
const network = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });

/** A target whose calls fail with the queued errors first, then succeed; it records what Discord took. */
function flakyTarget(failures: { edit?: Error[]; followUp?: Error[] } = {}) {
  const shown: Array<{ via: 'edit' | 'followUp'; m: RenderedMessage }> = [];
  const attempts = { edit: 0, followUp: 0 };
  const fail = (via: 'edit' | 'followUp') => {
    attempts[via]++;
    const err = failures[via]?.shift();
    if (err) throw err;
  };
  const target: ReplyTarget = {
    edit: async (m) => { fail('edit'); shown.push({ via: 'edit', m }); },
    followUp: async (m) => { fail('followUp'); shown.push({ via: 'followUp', m }); },
  };
  return { target, shown, attempts };
}

async function showFinal(target: ReplyTarget, text: string, o: { maxInlineChunks?: number } = {}) {
  const slept: number[] = [];
  const turn = new Turn({ id: 'turn-1', seq: 1, prompt: 'p', replyRef: null });
  turn.markStarted();
  const view = new TurnView(target, turn, makeBridgeSessionId(), {
    log: createLogger('silent'), statusDelayMs: 60_000, tickMs: 60_000, typingMs: 60_000, minEditIntervalMs: 0,
    sleep: async (ms) => void slept.push(ms), random: () => 0.999, ...o,
  });
  const shown = view.run();
  turn.end({ outcome: 'success', costUsd: 0, inputTokens: 1, outputTokens: 1, durationMs: 1, text });
  await shown;
  return slept;
}

describe('classifyFault (shapes from @discordjs/rest)', () => {
  it('retries 5xx, 429 and network errors; 10008 means the message is gone; other 4xx are final', () => {
    expect(classifyFault(http500())).toMatchObject({ kind: 'retry', status: 500 });
    expect(classifyFault(apiError(429, 0, 'You are being rate limited.'))).toMatchObject({ kind: 'retry', status: 429 });
    expect(classifyFault(rateLimited())).toEqual({ kind: 'retry', status: 429, minDelayMs: 2000 });
    expect(classifyFault(network())).toMatchObject({ kind: 'retry', status: null });
    expect(classifyFault(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }))).toMatchObject({ kind: 'retry' });
    expect(classifyFault(apiError(404, 10008, 'Unknown Message'))).toEqual({ kind: 'gone' });
    expect(classifyFault(apiError(400, 50035, 'Invalid Form Body'))).toEqual({ kind: 'permanent' });
    expect(classifyFault(apiError(403, 50013, 'Missing Permissions'))).toEqual({ kind: 'permanent' });
    expect(classifyFault(new TypeError('x is not a function'))).toEqual({ kind: 'permanent' });
  });
});

describe('deliver', () => {
  it('backs off exponentially with jitter, capped, and gives up after the deadline', async () => {
    let now = 0;
    const slept: number[] = [];
    const policy = { ...DEFAULT_RETRY_POLICY, random: () => 0, now: () => now, sleep: async (ms: number) => { slept.push(ms); now += ms; } };
    const err = http500();
    await expect(deliver('x', async () => { throw err; }, { policy: { ...policy, deadlineMs: 200_000 }, log: createLogger('silent') })).rejects.toBe(err);
    expect(slept.slice(0, 8)).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]); // ×0.5 jitter floor, 30 s cap
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(200_000);
  });

  it('waits at least what a RateLimitError says', async () => {
    const slept: number[] = [];
    const errors = [rateLimited()];
    await deliver('x', async () => { const e = errors.shift(); if (e) throw e; }, { policy: { ...DEFAULT_RETRY_POLICY, random: () => 0, sleep: async (ms) => void slept.push(ms) }, log: createLogger('silent') });
    expect(slept).toEqual([2000]);
  });
});

describe('TurnView: the final state always lands', () => {
  afterEach(() => void vi.useRealTimers());

  it.each([
    ['500s', () => [http500(), http500(), http500()]],
    ['429s', () => [apiError(429, 0, 'You are being rate limited.'), apiError(429, 0, 'You are being rate limited.')]],
    ['network errors', () => [network(), network(), network(), network()]],
  ])('retries the final edit through %s until Discord takes it', async (_what, errors) => {
    const queued = errors();
    const n = queued.length;
    const { target, shown, attempts } = flakyTarget({ edit: queued });
    const slept = await showFinal(target, 'the answer');
    expect(attempts.edit).toBe(n + 1);
    expect(slept).toHaveLength(n);
    expect(slept).toEqual([...slept].sort((a, b) => a - b)); // backing off
    expect(shown).toHaveLength(1);
    expect(shown[0]!.m.content).toContain('the answer');
  });

  it('posts a new message when the answer message was deleted (10008 Unknown Message)', async () => {
    const { target, shown } = flakyTarget({ edit: [apiError(404, 10008, 'Unknown Message')] });
    await showFinal(target, 'still delivered');
    expect(shown.map((s) => s.via)).toEqual(['followUp']);
    expect(shown[0]!.m.content).toContain('still delivered');
  });

  it('posts every chunk exactly once, in order, when a follow-up fails and is retried', async () => {
    const text = Array.from({ length: 90 }, (_, k) => `line ${k} ${'x'.repeat(40)}`).join('\n'); // 3 chunks
    const { target, shown, attempts } = flakyTarget({ followUp: [http500(), network()] });
    await showFinal(target, text);
    expect(shown.map((s) => s.via)).toEqual(['edit', 'followUp', 'followUp']);
    expect(attempts).toEqual({ edit: 1, followUp: 4 });
    const nonces = shown.slice(1).map((s) => s.m.nonce);
    expect(new Set(nonces).size).toBe(2); // one nonce per chunk, the same on every attempt of it
    expect(shown.map((s) => s.m.content).join('\n')).toContain('line 89');
    for (let k = 0; k < 90; k += 10) expect(shown.filter((s) => s.m.content.includes(`line ${k} `))).toHaveLength(1);
  });

  it('does not retry a permanent fault: it throws, so the turn is not marked delivered', async () => {
    const { target, attempts } = flakyTarget({ edit: [apiError(403, 50013, 'Missing Permissions')] });
    await expect(showFinal(target, 'x')).rejects.toMatchObject({ code: 50013 });
    expect(attempts.edit).toBe(1);
  });

  it('keeps streaming edits best-effort: a failed one is not retried', async () => {
    const { target, attempts } = flakyTarget({ edit: [http500()] });
    const turn = new Turn({ id: 't', seq: 1, prompt: 'p', replyRef: null });
    turn.markStarted();
    const slept: number[] = [];
    const view = new TurnView(target, turn, makeBridgeSessionId(), { log: createLogger('silent'), statusDelayMs: 0, coalesceMs: 0, minEditIntervalMs: 0, sleep: async (ms) => void slept.push(ms) });
    vi.useFakeTimers();
    const shown = view.run();
    await vi.advanceTimersByTimeAsync(10); // the status-line edit fires (and fails)
    expect(attempts.edit).toBe(1);
    vi.useRealTimers();
    turn.end({ outcome: 'success', costUsd: 0, inputTokens: 1, outputTokens: 1, durationMs: 1, text: 'done' });
    await shown;
    expect(attempts.edit).toBe(2); // one failed streaming edit, one final edit
    expect(slept).toEqual([]);
  });
});
