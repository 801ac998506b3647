/**
 * `EventOutbox`: a runner's events, published to JetStream one at a time and in order, each with its
 * id as `Nats-Msg-Id`. A publish counts once the stream stored it (its PubAck, or `duplicate: true`
 * when an earlier attempt of the same id got there first); until then it is retried with backoff —
 * through a NATS outage or a hub that has not created the events stream yet — and nothing behind it
 * overtakes it.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from '../core/logger.js';
import { encode, fitPayload, PROTOCOL_VERSION, type EventBody } from './protocol.js';
import { eventSubject } from './subjects.js';

export interface EventOutboxOptions {
  js: JetStreamClient;
  runner: string;
  log: Logger;
  /** @default Date.now */
  now?: () => number;
  /** First retry delay, doubled up to 5 s, ms. @default 250 */
  retryMs?: number;
  /** The server's max payload (its INFO `max_payload`), bytes; longer events are cut ({@link fitPayload}). @default 1 MiB */
  maxPayload?: number;
}

export class EventOutbox {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly now: () => number;
  /** Events not yet stored by JetStream. */
  pending = 0;

  constructor(private readonly o: EventOutboxOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * Queues one event. Resolves once JetStream stored it (or the outbox was closed before it could:
   * then `false`, and a restart of the runner publishes what it still owes again).
   */
  publish(id: string, body: EventBody): Promise<boolean> {
    this.pending++;
    // Headroom under max_payload for the message's headers (Nats-Msg-Id) and subject.
    const ev = fitPayload({ v: PROTOCOL_VERSION, id, runner: this.o.runner, at: this.now(), body }, (this.o.maxPayload ?? 1024 * 1024) - 1024);
    if (ev.cut) this.o.log.warn({ id, type: body.type }, 'event over the NATS max payload: long text in it was cut');
    const data = encode(ev);
    const sent = this.tail.then(() => this.send(id, body.type, data)).finally(() => this.pending--);
    this.tail = sent.then(() => undefined);
    return sent;
  }

  /** Stops retrying; events not yet stored are given up (their publish resolves `false`). */
  close(): void {
    this.closed = true;
  }

  private async send(id: string, type: string, data: Uint8Array): Promise<boolean> {
    let delay = this.o.retryMs ?? 250;
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        const ack = await this.o.js.publish(eventSubject(this.o.runner), data, { msgID: id, timeout: 10_000 });
        if (ack.duplicate) this.o.log.debug({ id, type }, 'event was stored already');
        return true;
      } catch (err) {
        if (attempt === 1 || attempt % 20 === 0) this.o.log.warn({ err, id, type, attempt }, 'could not publish an event; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
    return false;
  }
}
