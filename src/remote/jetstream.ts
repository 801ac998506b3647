/**
 * Connecting to NATS and setting up the JetStream streams, consumers and KV bucket of "several
 * machines" (names in `subjects.ts`). Facts checked against Debian's nats-server 2.9.10 and
 * `@nats-io/*` 3.4: a work-queue stream removes a message once a consumer acknowledges it and
 * keeps it while nobody does (a command to an offline runner waits); a publish with `msgID`
 * (`Nats-Msg-Id`) repeated within the stream's `duplicate_window` is stored once and answered with
 * `duplicate: true`; a KV bucket's `ttl` is its stream's `max_age`.
 */
import fs from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { BridgeError } from '../core/errors.js';
import { ALL_EVENTS, commandStream, commandSubject, EVENTS_STREAM, HUB_CONSUMER, PRESENCE_BUCKET, RUNNER_CONSUMER } from './subjects.js';

/** How to reach NATS (`NATS_URL`, `NATS_USER` + `NATS_PASSWORD` or `NATS_CREDS`). */
export interface NatsOptions {
  url: string;
  user?: string;
  password?: string;
  /** Path of a creds file (JWT + nkey seed), instead of user and password. */
  creds?: string;
  /** The connection's name, as the server's monitoring shows it. */
  name: string;
  /** Reply inboxes under this prefix (a runner's permissions allow only its own). @default `_INBOX` */
  inboxPrefix?: string;
}

/** @default JetStream's duplicate window of the streams: a republish within it is stored once, ms. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** A command not acknowledged this long after its delivery is delivered again, ms. */
export const COMMAND_ACK_WAIT_MS = 30_000;
const NS = 1_000_000;

/**
 * Connects (and keeps reconnecting forever once connected; the first connect is tried once).
 * Credentials go through an authenticator, never argv or a URL.
 * @throws BridgeError `CONFIG_INVALID` when the server refuses the credentials or cannot be reached
 */
export async function connectNats(o: NatsOptions): Promise<NatsConnection> {
  const authenticator = o.creds ? credsAuthenticator(fs.readFileSync(o.creds)) : undefined;
  try {
    return await connect({
      servers: o.url, name: o.name, user: o.creds ? undefined : o.user, pass: o.creds ? undefined : o.password, authenticator,
      inboxPrefix: o.inboxPrefix, maxReconnectAttempts: -1, reconnectTimeWait: 1_000,
    });
  } catch (err) {
    const reason = /authoriz|authentic/i.test(String((err as Error).message)) ? 'the server refused the credentials (NATS_USER/NATS_PASSWORD or NATS_CREDS)' : (err as Error).message;
    throw new BridgeError('CONFIG_INVALID', { detail: `NATS at ${o.url}: ${reason}` }, { cause: err });
  }
}

/**
 * Runner `<n>`'s command stream (work queue on `cdb.runner.<n>.cmd`) and its durable pull consumer:
 * explicit acks, one command in flight at a time (commands of one runner are handled in order).
 * Idempotent; the hub calls it before its first command to a runner, the runner at start.
 */
export async function ensureCommandStream(jsm: JetStreamManager, runner: string): Promise<void> {
  const name = commandStream(runner);
  await jsm.streams.info(name).catch(async () => jsm.streams.add({
    name, subjects: [commandSubject(runner)], retention: RetentionPolicy.Workqueue, storage: StorageType.File,
    discard: DiscardPolicy.Old, duplicate_window: DUPLICATE_WINDOW_MS * NS,
  }));
  await jsm.consumers.info(name, RUNNER_CONSUMER).catch(async () => jsm.consumers.add(name, {
    durable_name: RUNNER_CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: COMMAND_ACK_WAIT_MS * NS, max_ack_pending: 1,
    deliver_policy: DeliverPolicy.All,
  }));
}

/**
 * The events stream of every runner (`cdb.runner.*.evt`; interest retention: an event is kept until
 * the hub's durable consumer, created with it, acknowledges it) and that consumer. Hub side.
 */
export async function ensureEventsStream(jsm: JetStreamManager): Promise<void> {
  await jsm.streams.info(EVENTS_STREAM).catch(async () => jsm.streams.add({
    name: EVENTS_STREAM, subjects: [ALL_EVENTS], retention: RetentionPolicy.Interest, storage: StorageType.File,
    discard: DiscardPolicy.Old, duplicate_window: DUPLICATE_WINDOW_MS * NS,
  }));
  await jsm.consumers.info(EVENTS_STREAM, HUB_CONSUMER).catch(async () => jsm.consumers.add(EVENTS_STREAM, {
    durable_name: HUB_CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: 30 * 1_000 * NS, deliver_policy: DeliverPolicy.All,
  }));
}

/** Presence entries live this long after a runner's last heartbeat, ms. */
export const PRESENCE_TTL_MS = 30_000;

/** The presence bucket (created when missing; hub side, or a runner allowed to). */
export async function presenceBucket(nc: NatsConnection, o: { create: boolean }): Promise<KV> {
  const kvm = new Kvm(nc);
  return o.create ? kvm.create(PRESENCE_BUCKET, { ttl: PRESENCE_TTL_MS, history: 1 }) : kvm.open(PRESENCE_BUCKET);
}
