/**
 * `SlotPool`: who may run a live `claude` process. At most `max` live processes in all and
 * `perUser` per owner; to make room it suspends the least recently used idle session (the owner's
 * own first when the per-user cap is the limit). When no room can be made, requests wait in one FIFO
 * queue of at most `maxQueue`, each told its position as it moves. Decisions run one at a time.
 */
import PQueue from 'p-queue';
import { BridgeError } from '../core/errors.js';
import type { BridgeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Session } from './session.js';

interface Waiter {
  session: Session;
  position: number;
  onQueued: (position: number) => void;
  resolve: () => void;
}

export interface SlotPoolOptions {
  max: number;
  perUser: number;
  maxQueue: number;
  /** The sessions in memory (the only ones that can hold a process). */
  sessions: () => Iterable<Session>;
  log: Logger;
}

export class SlotPool {
  private readonly lock = new PQueue({ concurrency: 1 });
  private readonly reserved = new Set<BridgeSessionId>();
  private readonly waiters: Waiter[] = [];

  constructor(private readonly o: SlotPoolOptions) {}

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves when `session` may start a process. @throws BridgeError `QUEUE_FULL` */
  async acquire(session: Session, onQueued: (position: number) => void): Promise<void> {
    const taken = await this.lock.add(() => this.take(session));
    if (taken) return;
    if (this.waiters.length >= this.o.maxQueue) throw new BridgeError('QUEUE_FULL', { waiting: this.waiters.length });
    await new Promise<void>((resolve) => {
      this.waiters.push({ session, position: 0, onQueued, resolve });
      this.announce();
    });
  }

  /** The start attempt is over (the session is live now, or failed). */
  release(session: Session): void {
    this.reserved.delete(session.id);
    this.pump();
  }

  /** Something may have freed room (a session went idle, suspended, stopped or failed). */
  pump(): void {
    if (this.waiters.length === 0) return;
    void this.lock.add(async () => {
      for (const w of [...this.waiters]) {
        if (!(await this.take(w.session))) continue;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
      this.announce();
    });
  }

  /** Live processes now, or being started. */
  liveCount(): number {
    return this.live().length;
  }

  private live(except?: Session): Session[] {
    return [...this.o.sessions()].filter((s) => s !== except && (s.isLive || this.reserved.has(s.id)));
  }

  private async take(session: Session): Promise<boolean> {
    const sameOwner = (s: Session) => s.record.ownerId === session.record.ownerId;
    if (!(await this.makeRoom(() => this.live(session), this.o.max))) return false;
    if (!(await this.makeRoom(() => this.live(session).filter(sameOwner), this.o.perUser))) return false;
    this.reserved.add(session.id);
    return true;
  }

  private async makeRoom(holders: () => Session[], cap: number): Promise<boolean> {
    while (holders().length >= cap) {
      const idle = holders()
        .filter((s) => s.state === 'idle' && !this.reserved.has(s.id))
        .sort((a, b) => a.record.lastActivityAt - b.record.lastActivityAt)[0];
      if (!idle) return false;
      this.o.log.info({ session: idle.id }, 'suspending the least recently used idle session to make room');
      await idle.suspend();
    }
    return true;
  }

  private announce(): void {
    this.waiters.forEach((w, i) => {
      if (w.position === i + 1) return;
      w.position = i + 1;
      w.onQueued(i + 1);
    });
  }
}
