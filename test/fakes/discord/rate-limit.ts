/**
 * Per-route buckets with Discord's headers (API docs, "Rate Limits"): `X-RateLimit-Limit`,
 * `-Remaining`, `-Reset` (epoch s), `-Reset-After` (s), `-Bucket`; over the limit → 429 with
 * `retry_after` (s) and `Retry-After`. Message edits: 5 per 5 s per channel/webhook, as observed.
 */
interface Bucket {
  hash: string;
  limit: number;
  windowMs: number;
  count: number;
  resetAt: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  retryAfterS: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly forced = new Map<string, number>();
  /** How many requests were answered 429, by route key. */
  readonly limited = new Map<string, number>();

  /** Answers the next `times` requests whose route key starts with `prefix` with 429. */
  force(prefix: string, times: number): void {
    this.forced.set(prefix, times);
  }

  check(key: string, limit: number, windowMs: number, now = Date.now()): RateDecision {
    let b = this.buckets.get(key);
    if (!b || now >= b.resetAt) {
      b = { hash: Buffer.from(key).toString('base64url').slice(0, 16), limit, windowMs, count: 0, resetAt: now + windowMs };
      this.buckets.set(key, b);
    }
    const forcedPrefix = [...this.forced.keys()].find((p) => key.startsWith(p) && (this.forced.get(p) ?? 0) > 0);
    const over = b.count >= b.limit || forcedPrefix !== undefined;
    if (forcedPrefix !== undefined) this.forced.set(forcedPrefix, (this.forced.get(forcedPrefix) ?? 1) - 1);
    if (!over) b.count++;
    const resetAfter = Math.max(0, (b.resetAt - now) / 1000);
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(Math.max(0, b.limit - b.count)),
      'x-ratelimit-reset': (b.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': b.hash,
    };
    if (over) {
      this.limited.set(key, (this.limited.get(key) ?? 0) + 1);
      headers['retry-after'] = Math.ceil(resetAfter || 1).toString();
      headers['x-ratelimit-scope'] = 'user';
    }
    return { allowed: !over, headers, retryAfterS: resetAfter || 1 };
  }
}
