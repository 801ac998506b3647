/**
 * A runner's presence: its entry in the `cdb_runners` KV bucket (online, sessions live/max,
 * version, last seen), rewritten every heartbeat. The bucket's TTL removes an entry a runner stopped
 * rewriting (it died), so an entry older than the TTL never claims a dead runner is online.
 */
import type { KV } from '@nats-io/kv';
import type { Logger } from '../core/logger.js';
import { decode, encode, isDecodeError, presence, type Presence } from './protocol.js';

export interface PresenceOptions {
  /** Opens the bucket; retried at each heartbeat until it works (the hub creates the bucket). */
  bucket: () => Promise<KV>;
  name: string;
  version: string;
  max: number;
  /** Live processes now. */
  live: () => number;
  log: Logger;
  /** Time between heartbeats, ms; keep it well under the bucket's TTL. @default 10 000 */
  intervalMs?: number;
  now?: () => number;
}

export class PresenceHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt: number;
  private readonly now: () => number;
  private kv: KV | null = null;
  private stopped = false;

  constructor(private readonly o: PresenceOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
  }

  /**
   * Writes the entry now and then every interval; failures (no bucket yet, NATS away) are logged and
   * retried — every second while the bucket cannot be opened (a runner started before its hub first
   * ran shows up within a second of the hub creating the bucket), else at the next interval.
   */
  async start(): Promise<void> {
    const tick = async () => {
      await this.beat(true).catch((err) => this.o.log.warn({ err }, 'presence heartbeat failed'));
      if (this.stopped) return;
      this.timer = setTimeout(() => void tick(), this.kv ? this.o.intervalMs ?? 10_000 : 1_000);
      this.timer.unref();
    };
    await tick();
  }

  /** Stops beating and marks the runner offline (best effort: the TTL ends the entry anyway). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.beat(false).catch((err) => this.o.log.warn({ err }, 'could not mark the runner offline'));
  }

  private async beat(online: boolean): Promise<void> {
    const entry: Presence = {
      name: this.o.name, online, live: this.o.live(), max: this.o.max, version: this.o.version, startedAt: this.startedAt, lastSeen: this.now(),
    };
    this.kv ??= await this.o.bucket();
    await this.kv.put(this.o.name, encode(entry));
  }
}

/**
 * Every runner's presence entry in the bucket, by name (keys listed, then each read). Entries that
 * are not protocol are skipped; a runner gone longer than the bucket's TTL has no entry. Hub side,
 * and `doctor`.
 */
export async function readPresence(kv: KV): Promise<Presence[]> {
  const names: string[] = [];
  for await (const k of await kv.keys()) names.push(k);
  const entries: Presence[] = [];
  for (const name of names.sort()) {
    const e = await kv.get(name);
    if (!e || e.operation !== 'PUT') continue;
    const p = decode(presence, e.value);
    if (!isDecodeError(p)) entries.push(p);
  }
  return entries;
}
