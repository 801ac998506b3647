/**
 * `SlotPool`: who may run a live `claude` process. At most `max` live processes in all and
 * `perUser` per owner. A session asks with {@link SlotPool.request} and is answered through its
 * mailbox: `slotGranted`, `slotQueued` (its place in one FIFO queue of at most `maxQueue`, told again
 * as it moves) or `slotRefused`. To make room the pool asks the least recently used evictable
 * session (idle, nothing waiting for it, no slot granted to it) to suspend itself; the session
 * re-checks that inside its own loop, so a message that just arrived keeps it alive. A granted slot
 * stays reserved until the session has started the turn it was for. Decisions run one at a time.
 */
import PQueue from 'p-queue';
import type { BridgeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SessionInput } from './machine.js';

/** What the pool needs of a session. */
export interface SlotHolder {
  readonly id: BridgeSessionId;
  readonly record: { readonly ownerId: string; readonly lastActivityAt: number };
  /** Has a process, or is starting one. */
  readonly isLive: boolean;
  /** May be asked to suspend to make room. */
  readonly evictable: boolean;
  post(input: SessionInput): Promise<unknown>;
}

/** Spare processes ({@link SparePool}): they count within `max` and are ended first to make room. */
export interface SpareHolder {
  /** Spares holding or starting a process, except one already claimed by session `except`. */
  count(except?: BridgeSessionId): number;
  /** Ends one unclaimed spare; `false` when there is none. */
  dropOne(): Promise<boolean>;
  readonly idle: number;
}

export interface SlotPoolOptions {
  max: number;
  perUser: number;
  maxQueue: number;
  /** The sessions in memory (the only ones that can hold a process). */
  sessions: () => Iterable<SlotHolder>;
  spares?: SpareHolder;
  log: Logger;
}

export class SlotPool {
  private readonly lock = new PQueue({ concurrency: 1 });
  private readonly reserved = new Set<BridgeSessionId>();
  private readonly waiters: Array<{ session: SlotHolder; position: number }> = [];

  constructor(private readonly o: SlotPoolOptions) {}

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Whether a request now would be refused (all slots busy, none can be freed, queue full). */
  get wouldRefuse(): boolean {
    return this.waiters.length >= this.o.maxQueue && this.liveCount() >= this.o.max && !this.live().some((s) => s.evictable)
      && (this.o.spares?.idle ?? 0) === 0;
  }

  /** Asks for a slot for `session`; the answer is posted to its mailbox. Never throws. */
  request(session: SlotHolder): void {
    void this.lock.add(async () => {
      if (this.waiters.some((w) => w.session === session) || this.reserved.has(session.id)) return;
      if (this.waiters.length === 0 && (await this.take(session))) return this.grant(session);
      if (this.waiters.length >= this.o.maxQueue) {
        this.o.log.warn({ session: session.id, waiting: this.waiters.length }, 'slot queue full; refused');
        return void session.post({ type: 'slotRefused', waiting: this.waiters.length });
      }
      this.waiters.push({ session, position: 0 });
      this.announce();
    });
  }

  /** The granted slot is in use (or no longer wanted): its reservation ends. */
  release(session: SlotHolder): void {
    this.reserved.delete(session.id);
    this.pump();
  }

  /** Withdraws a waiting request. */
  cancel(session: SlotHolder): void {
    void this.lock.add(() => {
      const i = this.waiters.findIndex((w) => w.session === session);
      if (i >= 0) this.waiters.splice(i, 1);
      this.reserved.delete(session.id);
      this.announce();
    });
    this.pump();
  }

  /** Something may have freed room (a session went idle, suspended, stopped or failed). */
  pump(): void {
    if (this.waiters.length === 0) return;
    void this.lock.add(async () => {
      while (this.waiters.length > 0 && (await this.take(this.waiters[0]!.session))) this.grant(this.waiters.shift()!.session);
      this.announce();
    });
  }

  /** Live processes now, or being started, or reserved for a start; spares included. */
  liveCount(): number {
    return this.live().length + (this.o.spares?.count() ?? 0);
  }

  /** Whether one more process fits now without ending anything, and nobody waits for a slot. */
  get hasRoom(): boolean {
    return this.waiters.length === 0 && this.liveCount() < this.o.max;
  }

  private grant(session: SlotHolder): void {
    this.reserved.add(session.id);
    void session.post({ type: 'slotGranted' });
  }

  private live(except?: SlotHolder): SlotHolder[] {
    return [...this.o.sessions()].filter((s) => s !== except && (s.isLive || this.reserved.has(s.id)));
  }

  private async take(session: SlotHolder): Promise<boolean> {
    const sameOwner = (s: SlotHolder) => s.record.ownerId === session.record.ownerId;
    const spares = this.o.spares;
    // Spares go first: one is ended (never a session) while they fill the room this request needs.
    while (spares && this.live(session).length + spares.count(session.id) >= this.o.max && (await spares.dropOne())) { /* next */ }
    if (!(await this.makeRoom(() => this.live(session), this.o.max - (spares?.count(session.id) ?? 0)))) return false;
    return this.makeRoom(() => this.live(session).filter(sameOwner), this.o.perUser);
  }

  /** Asks evictable holders, least recently used first, to suspend until fewer than `cap` remain. */
  private async makeRoom(holders: () => SlotHolder[], cap: number): Promise<boolean> {
    const refused = new Set<SlotHolder>();
    while (holders().length >= cap) {
      const victim = holders()
        .filter((s) => s.evictable && !this.reserved.has(s.id) && !refused.has(s))
        .sort((a, b) => a.record.lastActivityAt - b.record.lastActivityAt)[0];
      if (!victim) return false;
      this.o.log.info({ session: victim.id }, 'asking the least recently used idle session to suspend, to make room');
      if (!(await victim.post({ type: 'suspend', reason: 'evict' }))) refused.add(victim);
    }
    return true;
  }

  private announce(): void {
    this.waiters.forEach((w, i) => {
      if (w.position === i + 1) return;
      w.position = i + 1;
      void w.session.post({ type: 'slotQueued', position: i + 1 });
    });
  }
}
