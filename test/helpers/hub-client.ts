/**
 * A test hub over {@link HubLink} (issue 12, stage 1; the real hub is stage 2): records every event it
 * is delivered (a redelivery would appear twice), acknowledging each once recorded, and offers the
 * lookups the runner suites need.
 */
import { jetstream } from '@nats-io/jetstream';
import { createLogger } from '../../src/core/logger.js';
import { HubLink } from '../../src/remote/hub-link.js';
import { command, encode, PROTOCOL_VERSION, type CommandBody, type Presence, type RunnerEvent } from '../../src/remote/protocol.js';
import type { Reply, RequestBody } from '../../src/remote/requests.js';
import { commandSubject, HUB_INBOX_PREFIX } from '../../src/remote/subjects.js';

export class HubClient {
  /** Every event delivered, in order of delivery. */
  readonly events: RunnerEvent[] = [];
  private waiters: Array<(e: RunnerEvent) => void> = [];

  private constructor(readonly link: HubLink) {}

  get nc() {
    return this.link.nc;
  }

  static async connect(url: string, user: string, password: string): Promise<HubClient> {
    const hub = new HubClient(await HubLink.connect({ url, user, password, name: 'test hub', inboxPrefix: HUB_INBOX_PREFIX, log: createLogger('silent') }));
    await hub.link.consume((e) => {
      hub.events.push(e);
      for (const w of [...hub.waiters]) w(e);
    });
    return hub;
  }

  send(runner: string, body: CommandBody): Promise<string> {
    return this.link.send(runner, body);
  }

  /**
   * Publishes command `id` again under another `Nats-Msg-Id`, as a redelivery looks to the runner
   * (JetStream delivers a message again when the runner's ack did not reach it).
   */
  async redeliver(runner: string, id: string, body: CommandBody): Promise<void> {
    const cmd = command.parse({ v: PROTOCOL_VERSION, id, at: Date.now(), body });
    await jetstream(this.nc).publish(commandSubject(runner), encode(cmd), { msgID: `${id}:again` });
  }

  request(runner: string, body: RequestBody): Promise<Reply> {
    return this.link.request(runner, body);
  }

  queued(runner: string): Promise<number> {
    return this.link.queued(runner);
  }

  presence(runner: string): Promise<Presence | null> {
    return this.link.presence(runner);
  }

  /** The next event (from now on) that `match` accepts. */
  next(match: (e: RunnerEvent) => boolean): Promise<RunnerEvent> {
    return new Promise((resolve) => {
      const w = (e: RunnerEvent) => {
        if (!match(e)) return;
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(e);
      };
      this.waiters.push(w);
    });
  }

  /** The events of one turn, of one type. */
  of<T extends RunnerEvent['body']['type']>(type: T, turnId?: string): Array<Extract<RunnerEvent['body'], { type: T }>> {
    return this.events.map((e) => e.body).filter((b): b is Extract<RunnerEvent['body'], { type: T }> =>
      b.type === type && (turnId === undefined || ('turnId' in b && b.turnId === turnId)));
  }

  /**
   * The answer's text as a hub rebuilds it from `text` events, each delta put at its position (the
   * length after it, minus its own): a repeat changes nothing, and an event delivered late fills
   * its place. Late delivery is JetStream's behaviour across a server restart: a message the server
   * had handed to the consumer when it stopped is delivered again only after the consumer's ack
   * wait (30 s), so events behind it come first (observed on nats-server 2.9 under CI load).
   * @returns the text, or `null` while some part of it has not been delivered
   */
  textOf(turnId: string): string | null {
    let chars: string[] = [];
    for (const t of this.of('text', turnId)) {
      if (t.full !== undefined) { chars = t.full.split(''); continue; } // positions count UTF-16 units
      const start = t.length - t.delta.length;
      for (let i = 0; i < t.delta.length; i++) chars[start + i] = t.delta[i]!;
    }
    for (let i = 0; i < chars.length; i++) if (chars[i] === undefined) return null;
    return chars.join('');
  }

  /** The ids of `text` events of the turn that disagree with its final text at their position (none: every delta is where it belongs). */
  textMismatches(turnId: string, final: string): string[] {
    return this.events.filter((e) => e.body.type === 'text' && e.body.turnId === turnId).filter((e) => {
      const t = e.body as Extract<RunnerEvent['body'], { type: 'text' }>;
      return t.full !== undefined ? !final.startsWith(t.full) : final.slice(t.length - t.delta.length, t.length) !== t.delta;
    }).map((e) => e.id);
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
