/**
 * Delivering a turn's final state: each step (one edit, one message) is retried with capped,
 * jittered exponential backoff on the faults Discord recovers from — 5xx, 429 and network errors —
 * until Discord takes it or `deadlineMs` passes. What reaches us from discord.js (checked in
 * `@discordjs/rest` 2.x, `dist/index.js`):
 * - 5xx: `@discordjs/rest` itself retries `retries` times (default 3, back to back), then throws
 *   `HTTPError` (`name: 'HTTPError'`, `.status`; the body is not read);
 * - 4xx: `DiscordAPIError` (`.status`, `.code` = Discord's JSON error code, `.rawError`);
 * - 429: waited out inside the REST queue, unless `rejectOnRateLimit` is set: then `RateLimitError`
 *   (`name: 'RateLimitError[<route>]'`, `.retryAfter`, ms);
 * - network: undici's `TypeError('fetch failed')` with a `cause` (`ECONNREFUSED`, `ECONNRESET`, …),
 *   `AbortError` after the REST `timeout`; `ECONNRESET`/`AbortError` are retried by the REST client first.
 */
import type { Logger } from '../../core/logger.js';

/** Discord JSON error code 10008 "Unknown Message" (API docs, "JSON Error Codes"): the message was deleted. */
export const UNKNOWN_MESSAGE = 10008;

/** How a failed Discord call should be treated. */
export type Fault =
  | { kind: 'retry'; status: number | null; minDelayMs: number }
  | { kind: 'gone' }
  | { kind: 'permanent' };

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED']);
const NETWORK_NAMES = new Set(['AbortError', 'TimeoutError', 'ConnectTimeoutError', 'SocketError', 'HeadersTimeoutError', 'BodyTimeoutError']);

/** Classifies an error thrown by a discord.js REST call (see the file header for the shapes). */
export function classifyFault(err: unknown): Fault {
  if (typeof err !== 'object' || err === null) return { kind: 'permanent' };
  const e = err as { status?: unknown; code?: unknown; name?: unknown; retryAfter?: unknown; rawError?: { retry_after?: unknown }; cause?: unknown; message?: unknown };
  if (typeof e.retryAfter === 'number' && String(e.name).startsWith('RateLimitError')) return { kind: 'retry', status: 429, minDelayMs: e.retryAfter };
  if (typeof e.status === 'number') {
    if (e.code === UNKNOWN_MESSAGE) return { kind: 'gone' };
    if (e.status === 429) {
      const after = typeof e.rawError?.retry_after === 'number' ? e.rawError.retry_after * 1000 : 0;
      return { kind: 'retry', status: 429, minDelayMs: after };
    }
    if (e.status >= 500) return { kind: 'retry', status: e.status, minDelayMs: 0 };
    return { kind: 'permanent' };
  }
  if (isNetworkError(e)) return { kind: 'retry', status: null, minDelayMs: 0 };
  return { kind: 'permanent' };
}

function isNetworkError(e: { code?: unknown; name?: unknown; message?: unknown; cause?: unknown }, depth = 0): boolean {
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || e.code.startsWith('UND_ERR'))) return true;
  if (typeof e.name === 'string' && NETWORK_NAMES.has(e.name)) return true;
  if (e.message === 'fetch failed' || e.message === 'other side closed') return true;
  const cause = e.cause;
  return depth < 3 && typeof cause === 'object' && cause !== null && isNetworkError(cause as typeof e, depth + 1);
}

export interface RetryPolicy {
  /**
   * Waits between attempts, ms: attempt n waits `retryDelaysMs[min(n, length-1)]`, scaled by a
   * jitter factor in [0.5, 1). @default [1000, 2000, 4000, 8000, 16000, 30000]
   */
  retryDelaysMs: readonly number[];
  /** Gives up on a step after this long, ms. @default 86_400_000 (24 h) */
  deadlineMs: number;
  /** @default setTimeout-based */
  sleep: (ms: number) => Promise<void>;
  /** [0, 1) @default Math.random */
  random: () => number;
  /** @default Date.now */
  now: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retryDelaysMs: [1000, 2000, 4000, 8000, 16_000, 30_000],
  deadlineMs: 24 * 3600_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: Math.random,
  now: Date.now,
};

/**
 * Runs `step` until it succeeds, retrying retryable faults (each logged at warn) with backoff.
 * `onGone` runs instead when Discord says the message is gone (10008), itself retried the same way.
 * @throws the step's error on a permanent fault, or the last error once `deadlineMs` has passed.
 */
export async function deliver(
  what: string,
  step: () => Promise<void>,
  o: { policy: RetryPolicy; log: Logger; onGone?: () => Promise<void> },
): Promise<void> {
  const { policy, log } = o;
  const startedAt = policy.now();
  let run = step;
  for (let attempt = 0; ; attempt++) {
    try {
      await run();
      if (attempt > 0) log.info({ what, attempts: attempt + 1 }, 'delivered after retries');
      return;
    } catch (err) {
      const fault = classifyFault(err);
      if (fault.kind === 'gone' && o.onGone && run !== o.onGone) {
        log.warn({ what }, 'the answer message is gone (10008 Unknown Message): posting a new one');
        run = o.onGone;
        attempt = -1;
        continue;
      }
      if (fault.kind !== 'retry') throw err;
      const delays = policy.retryDelaysMs;
      const base = delays[Math.min(attempt, delays.length - 1)] ?? 1000;
      const wait = Math.max(fault.minDelayMs, Math.round(base * (0.5 + policy.random() / 2)));
      if (policy.now() + wait - startedAt > policy.deadlineMs) {
        log.error({ err, what, attempts: attempt + 1 }, 'giving up delivering to Discord');
        throw err;
      }
      log.warn({ err, what, attempt: attempt + 1, status: fault.status, retryInMs: wait }, 'Discord did not take it; retrying');
      await policy.sleep(wait);
    }
  }
}
