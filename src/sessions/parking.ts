/**
 * Turns refused because the plan's usage limit is reached, waiting for it to reset. Each is stored
 * parked (`parked_until`, in the transaction that moves the output offset past its `result`), and a
 * timer posts `unpark` to the session's mailbox at that time; start-up re-arms the timers from the
 * stored rows, so a parked turn runs once at its time whether or not the bot restarted meanwhile.
 * Run only from the session's loop.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import type { SessionStore } from '../store/types.js';
import type { Turn } from './turn.js';

/** `setTimeout` takes at most 2^31-1 ms (~24.8 days); a longer wait is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ParkingOptions {
  store: Pick<SessionStore, 'parkTurn' | 'unparkTurn'>;
  now: () => number;
  log: Logger;
  /** Posts `unpark` for this turn to the session's mailbox (its time has come). */
  due: (turnId: string) => void;
}

export class ParkedTurns {
  private readonly held = new Map<string, { turn: Turn; timer: NodeJS.Timeout }>();

  constructor(private readonly o: ParkingOptions) {}

  get size(): number {
    return this.held.size;
  }

  /**
   * Parks `turn` until `until` (epoch ms): stored (with the output offset past its `result` line),
   * shown (`parked` event), timed. It is sent again with a fresh uuid. `left`: rows of messages
   * steered into it that it did not take (they no longer belong to it).
   */
  park(turn: Turn, until: number, outputOffset: number | null, left: readonly string[] = []): void {
    turn.writeUuid = randomUUID();
    this.o.store.parkTurn(turn.id, until, turn.writeUuid, outputOffset, left);
    this.o.log.info({ turn: turn.id, until: new Date(until).toISOString() }, 'usage limit reached: turn parked until the limit resets');
    this.hold(turn, until);
  }

  /** Holds a turn already stored as parked (start-up): shown and timed again. */
  hold(turn: Turn, until: number): void {
    this.release(turn.id);
    turn.park(until);
    this.held.set(turn.id, { turn, timer: this.arm(turn.id, until) });
  }

  /**
   * The parked turn `turnId`, no longer parked (stored so) — its time came, or it is cancelled;
   * `null` when it is not parked (already run or cancelled). `early`: take it before its time.
   */
  take(turnId: string, o: { early?: boolean } = {}): Turn | null {
    const entry = this.held.get(turnId);
    if (!entry) return null;
    const until = entry.turn.parkedUntil ?? 0;
    if (!o.early && this.o.now() < until) {
      // A wait longer than one timer, or a clock that jumped: not yet.
      entry.timer = this.arm(turnId, until);
      return null;
    }
    this.release(turnId);
    this.o.store.unparkTurn(turnId);
    return entry.turn;
  }

  /** Every parked turn, oldest first, taken (the session is stopped). */
  takeAll(): Turn[] {
    const turns = [...this.held.values()].map((e) => e.turn).sort((a, b) => a.seq - b.seq);
    for (const t of turns) this.take(t.id, { early: true });
    return turns;
  }

  /** Stops the timers without touching the store (bot shutdown: start-up re-arms them). */
  detach(): void {
    for (const { timer } of this.held.values()) clearTimeout(timer);
    this.held.clear();
  }

  private release(turnId: string): void {
    const entry = this.held.get(turnId);
    if (entry) clearTimeout(entry.timer);
    this.held.delete(turnId);
  }

  private arm(turnId: string, until: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.o.due(turnId), Math.min(MAX_TIMER_MS, Math.max(0, until - this.o.now())));
    timer.unref();
    return timer;
  }
}
