/**
 * `HubLink`: the hub's side of the runner protocol, without Discord — what stage 2's `claude-bridge
 * hub` builds on. It sets up the events stream and the presence bucket, sends commands (each
 * published with its id as `Nats-Msg-Id`, so a retried publish is stored once), asks runners by
 * request/reply, reads presence, and consumes events: each is acknowledged only once the handler
 * resolved, and delivered again (after `retryMs`) when the handler throws — so a hub that crashes
 * mid-handling loses nothing; handlers must be idempotent (event ids are stable, see turn-events.ts).
 */
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../core/logger.js';
import { connectNats, ensureCommandStream, ensureEventsStream, presenceBucket, type NatsOptions } from './jetstream.js';
import { command, decode, encode, event, isDecodeError, presence, PROTOCOL_VERSION, type CommandBody, type Presence, type RunnerEvent } from './protocol.js';
import { reply, type Reply, type RequestBody } from './requests.js';
import { commandStream, commandSubject, EVENTS_STREAM, HUB_CONSUMER, requestSubject, runnerOfEventSubject } from './subjects.js';

/** Deliveries of one event before the hub gives up on it. */
const MAX_DELIVERIES = 30;

export class HubLink {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private readonly queues = new Set<string>();

  private constructor(readonly nc: NatsConnection, private readonly kv: KV, private readonly log: Logger) {}

  /**
   * Connects and sets up the events stream (with the hub's consumer) and the presence bucket.
   * @throws BridgeError `CONFIG_INVALID` on refused credentials or an unreachable server; NATS errors on missing permissions
   */
  static async connect(o: NatsOptions & { log: Logger }): Promise<HubLink> {
    const nc = await connectNats(o);
    try {
      await ensureEventsStream(await jetstreamManager(nc));
      return new HubLink(nc, await presenceBucket(nc, { create: true }), o.log.child({ component: 'hub-link' }));
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Sends a command to `runner` (its queue set up first: a runner that never connected still gets it).
   * `id`: the command's id when the caller derived it from what caused it (a Discord interaction or
   * message), so that sending it again — after a hub restart — is stored once (JetStream's duplicate
   * window) and taken once (the runner's record of commands). @returns the command's id
   */
  async send(runner: string, body: CommandBody, id: string = randomUUID()): Promise<string> {
    if (!this.queues.has(runner)) {
      await ensureCommandStream(await jetstreamManager(this.nc), runner);
      this.queues.add(runner);
    }
    const cmd = command.parse({ v: PROTOCOL_VERSION, id, at: Date.now(), body });
    await jetstream(this.nc).publish(commandSubject(runner), encode(cmd), { msgID: id });
    return id;
  }

  /** Commands waiting in `runner`'s queue (not yet acknowledged by it). */
  async queued(runner: string): Promise<number> {
    return (await (await jetstreamManager(this.nc)).streams.info(commandStream(runner))).state.messages;
  }

  /**
   * Asks `runner` (request/reply).
   * @throws NATS's `TimeoutError` / `NoRespondersError` when the runner does not answer (offline)
   */
  async request(runner: string, body: RequestBody, timeoutMs = 20_000): Promise<Reply> {
    const m = await this.nc.request(`${requestSubject(runner)}.${body.type}`, JSON.stringify({ v: PROTOCOL_VERSION, body }), { timeout: timeoutMs });
    const r = decode(reply, m.data);
    if (isDecodeError(r)) throw new Error(`runner ${runner} sent a reply that is not protocol: ${r.error}`);
    return r;
  }

  /** `runner`'s presence entry; `null` when there is none (never seen, or gone for longer than the bucket's TTL). */
  async presence(runner: string): Promise<Presence | null> {
    const entry = await this.kv.get(runner);
    if (!entry || entry.operation !== 'PUT') return null;
    const p = decode(presence, entry.value);
    // When the server stored it, not the runner's own clock: a runner whose clock is off still shows as online.
    return isDecodeError(p) ? null : { ...p, lastSeen: entry.created.getTime() };
  }

  /** Every runner with a presence entry (online now, or gone for less than the bucket's TTL), by name. */
  async runners(): Promise<Presence[]> {
    const names: string[] = [];
    for await (const k of await this.kv.keys()) names.push(k);
    const all = await Promise.all(names.sort().map((n) => this.presence(n)));
    return all.filter((p): p is Presence => p !== null);
  }

  /**
   * Consumes events with `handle`, in stream order: each is acknowledged once `handle` resolved;
   * when it throws, the event is delivered again after `retryMs` (events behind it may come first
   * then: `text` events carry their position for that). With `concurrent`, the next event is
   * handed over as soon as `handle` returned (its synchronous part runs in stream order) and each
   * is acknowledged when its own promise settles — a turn's final delivery does not hold up the
   * other sessions; without, one at a time. An event that is not protocol, or whose `runner` is not
   * the runner of the subject it came on (a runner can publish only its own subject, but writes its
   * envelope itself), is logged and acknowledged, never handled. An event whose handler failed
   * `maxDeliveries` times (default 30) is given up (`term`, logged as an error).
   */
  async consume(handle: (e: RunnerEvent) => Promise<void> | void, o: { retryMs?: number; concurrent?: boolean; maxDeliveries?: number } = {}): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(EVENTS_STREAM, HUB_CONSUMER);
    const messages = await consumer.consume();
    this.messages = messages;
    const settle = async (m: JsMsg, e: RunnerEvent, handled: Promise<void> | void) => {
      try {
        await handled;
      } catch (err) {
        if (m.info.deliveryCount >= (o.maxDeliveries ?? MAX_DELIVERIES)) {
          // Something that cannot succeed (a channel gone, a turn never known): not retried forever, holding up others.
          this.log.error({ err, id: e.id, deliveries: m.info.deliveryCount }, 'an event could not be handled; given up on it');
          m.term();
          return;
        }
        this.log.warn({ err, id: e.id }, 'event not handled; it will be delivered again');
        m.nak(o.retryMs ?? 1_000);
        return;
      }
      await m.ackAck().catch((err: unknown) => this.log.warn({ err, id: e.id }, 'event ack not confirmed; it may come again'));
    };
    this.loop = (async () => {
      for await (const m of messages) {
        const e = decode(event, m.data);
        const from = runnerOfEventSubject(m.subject);
        if (isDecodeError(e) || e.runner !== from) {
          this.log.error({ seq: m.seq, subject: m.subject, reason: isDecodeError(e) ? e.error : `sent as runner ${e.runner}` }, 'an event that is not protocol was dropped');
          m.ack();
          continue;
        }
        let handled: Promise<void> | void;
        try {
          handled = handle(e);
        } catch (err) {
          handled = Promise.reject(err);
        }
        if (o.concurrent) void settle(m, e, handled);
        else await settle(m, e, handled);
      }
    })().catch((err: unknown) => this.log.error({ err }, 'the event loop ended'));
  }

  async close(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    await this.nc.close().catch(() => undefined);
  }
}
