/**
 * The hub's outbox of commands (issue 12): each command is recorded with its body (`hub_commands`)
 * before it is published under an id derived from what caused it, so one NATS did not take — the
 * hub died first, NATS was away — is published at the next start, or every 5 s until NATS takes
 * it, under the same id; JetStream (10 min duplicate window) and the runner's record of commands
 * take it once. A caller may wait for a command's outcome (`accepted` / `refused` events).
 */
import { createHash } from 'node:crypto';
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { HubLink } from '../remote/hub-link.js';
import type { CommandBody } from '../remote/protocol.js';
import type { HubStore } from '../store/hub-repo.js';
import type { Outcome } from './events.js';

/** How long `/claude project`, `model` and `mode` wait for the runner to take the change before saying it is queued, ms. */
const WAIT_MS = 15_000;
/** Unpublished commands older than this are not published any more at start-up, ms. */
const REPUBLISH_WITHIN_MS = 24 * 3_600_000;
/** Between attempts to publish what NATS did not take, ms. */
const REPUBLISH_EVERY_MS = 5_000;

/** A UUID (version 5 layout) derived from a Discord id: the same interaction or message always gives the same command id. */
export function commandIdFor(source: string): string {
  const h = createHash('sha256').update(`cdb-command:${source}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Who sent a command where: its row in `hub_commands`. */
export interface CommandRecord { id: string; runner: string; ownerId: string | null; channelId: string | null; replyRef: string | null }

export class CommandOutbox {
  private readonly waiting = new Map<string, (r: Outcome) => void>();
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: { link: Pick<HubLink, 'send'>; store: HubStore; log: Logger; now: () => number }) {}

  /** Records a command with its body, then publishes it. @returns whether NATS has it now */
  async record(c: CommandRecord, body: CommandBody): Promise<boolean> {
    this.o.store.addCommand({ ...c, type: body.type, at: this.o.now(), body: JSON.stringify(body) });
    return this.publish(c.runner, body, c.id);
  }

  /**
   * Records and sends a command and waits up to 15 s for its outcome.
   * @returns `true` taken, `false` not yet (it stays queued)
   * @throws BridgeError `REMOTE` with the runner's reason on a refusal
   */
  async sendAndWait(c: CommandRecord, body: CommandBody): Promise<boolean> {
    const answered = new Promise<Outcome>((resolve) => this.waiting.set(c.id, resolve));
    try {
      if (!(await this.record(c, body))) return false;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), WAIT_MS); });
      const r = await Promise.race([answered, late]);
      clearTimeout(timer);
      if (r && !r.ok) throw new BridgeError('REMOTE', { message: r.message });
      return r !== null;
    } finally {
      this.waiting.delete(c.id);
    }
  }

  /** A command's outcome came; `true` when someone waited for it (then nobody else is told). */
  outcome(id: string, r: Outcome): boolean {
    const w = this.waiting.get(id);
    w?.(r);
    return w !== undefined;
  }

  /** Publishes the recorded commands NATS has not taken yet, oldest first; on a failure, tries again later. */
  async republish(): Promise<void> {
    for (const c of this.o.store.unpublished(this.o.now() - REPUBLISH_WITHIN_MS)) {
      if (!(await this.publish(c.runner, JSON.parse(c.body) as CommandBody, c.id))) return;
      this.o.log.info({ command: c.id, runner: c.runner }, 'a command kept while it could not be published is published now');
    }
  }

  /** Stops retrying. */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
  }

  /** Publishes a recorded command. @returns `false` when NATS did not take it (tried again every 5 s) */
  private async publish(runner: string, body: CommandBody, id: string): Promise<boolean> {
    try {
      await this.o.link.send(runner, body, id);
    } catch (err) {
      this.o.log.warn({ err, command: id, runner }, 'NATS did not take a command; it is kept and published when it can be');
      if (!this.retry && !this.closed) this.retry = setTimeout(() => { this.retry = null; void this.republish(); }, REPUBLISH_EVERY_MS);
      return false;
    }
    this.o.store.markPublished(id, this.o.now());
    return true;
  }
}
