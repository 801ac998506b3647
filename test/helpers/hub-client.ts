/**
 * The hub's side of the runner protocol, as a test client (issue 12, stage 1; the real hub is stage 2):
 * sets up the events stream, the presence bucket and a runner's command queue; sends commands (each
 * publish with its id as `Nats-Msg-Id`); and reads events from the hub's durable consumer, acknowledging
 * each only after it was recorded — as the hub is to do once Discord has it.
 */
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, ensureCommandStream, ensureEventsStream, presenceBucket } from '../../src/remote/jetstream.js';
import { command, decode, encode, event, isDecodeError, presence, PROTOCOL_VERSION, type CommandBody, type Presence, type RunnerEvent } from '../../src/remote/protocol.js';
import { reply, type Reply, type RequestBody } from '../../src/remote/requests.js';
import { commandStream, commandSubject, EVENTS_STREAM, HUB_CONSUMER, requestSubject } from '../../src/remote/subjects.js';

export class HubClient {
  /** Every event delivered, in order of delivery (a redelivery would appear twice). */
  readonly events: RunnerEvent[] = [];
  private messages: ConsumerMessages | null = null;
  private waiters: Array<(e: RunnerEvent) => void> = [];

  private constructor(readonly nc: NatsConnection, private readonly kv: KV) {}

  static async connect(url: string, user: string, password: string): Promise<HubClient> {
    const nc = await connectNats({ url, user, password, name: 'test hub' });
    await ensureEventsStream(await jetstreamManager(nc));
    const hub = new HubClient(nc, await presenceBucket(nc, { create: true }));
    const consumer = await jetstream(nc).consumers.get(EVENTS_STREAM, HUB_CONSUMER);
    hub.messages = await consumer.consume();
    void (async () => {
      for await (const m of hub.messages!) {
        const e = decode(event, m.data);
        if (isDecodeError(e)) throw new Error(`bad event: ${e.error}`);
        hub.events.push(e);
        m.ack();
        for (const w of [...hub.waiters]) w(e);
      }
    })();
    return hub;
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

  /** Sends a command to `runner` (its queue set up first); returns the command's id. */
  async send(runner: string, body: CommandBody): Promise<string> {
    await ensureCommandStream(await jetstreamManager(this.nc), runner);
    const id = randomUUID();
    const cmd = command.parse({ v: PROTOCOL_VERSION, id, at: Date.now(), body });
    await jetstream(this.nc).publish(commandSubject(runner), encode(cmd), { msgID: id });
    return id;
  }

  /**
   * Publishes command `id` again under another `Nats-Msg-Id`, as a redelivery looks to the runner
   * (JetStream delivers a message again when the runner's ack did not reach it).
   */
  async redeliver(runner: string, id: string, body: CommandBody): Promise<void> {
    const cmd = command.parse({ v: PROTOCOL_VERSION, id, at: Date.now(), body });
    await jetstream(this.nc).publish(commandSubject(runner), encode(cmd), { msgID: `${id}:again` });
  }

  /** A request to `runner` (core NATS request/reply), its reply checked against the protocol. */
  async request(runner: string, body: RequestBody): Promise<Reply> {
    const m = await this.nc.request(`${requestSubject(runner)}.${body.type}`, JSON.stringify({ v: PROTOCOL_VERSION, body }), { timeout: 20_000 });
    const r = decode(reply, m.data);
    if (isDecodeError(r)) throw new Error(`bad reply: ${r.error}`);
    return r;
  }

  /** Commands waiting in `runner`'s queue (not yet acknowledged by it). */
  async queued(runner: string): Promise<number> {
    return (await (await jetstreamManager(this.nc)).streams.info(commandStream(runner))).state.messages;
  }

  async presence(runner: string): Promise<Presence | null> {
    const entry = await this.kv.get(runner);
    if (!entry || entry.operation !== 'PUT') return null;
    const p = decode(presence, entry.value);
    return isDecodeError(p) ? null : p;
  }

  /** The events of one turn, of one type. */
  of<T extends RunnerEvent['body']['type']>(type: T, turnId?: string): Array<Extract<RunnerEvent['body'], { type: T }>> {
    return this.events.map((e) => e.body).filter((b): b is Extract<RunnerEvent['body'], { type: T }> =>
      b.type === type && (turnId === undefined || ('turnId' in b && b.turnId === turnId)));
  }

  /** The answer's text as a hub rebuilds it from `text` events (by length: a repeat changes nothing). */
  textOf(turnId: string): string {
    let text = '';
    for (const t of this.of('text', turnId)) {
      if (t.full !== undefined) text = t.full;
      else if (t.length - t.delta.length <= text.length) text = text.slice(0, t.length - t.delta.length) + t.delta;
      else throw new Error(`text gap: have ${text.length} chars, event starts at ${t.length - t.delta.length}`);
    }
    return text;
  }

  async close(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.nc.close().catch(() => undefined);
  }
}
