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
  /**
   * TLS: PEM files of the CA that signed the server's certificate (`NATS_TLS_CA`) and of this
   * client's certificate and key (`NATS_TLS_CERT` + `NATS_TLS_KEY`, for a server that verifies
   * clients). An empty object (a `tls://` URL) requires TLS verified against the system's CAs.
   * @default none: plain TCP, allowed only to a loopback address or with {@link NatsOptions.allowPlaintext}
   */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** How long the first connect may take, ms (nats.js `timeout`). @default 20 000 */
  connectTimeoutMs?: number;
  /** Allows plain TCP to a host that is not loopback (a private network, e.g. Docker's: `NATS_ALLOW_PLAINTEXT`). @default false */
  allowPlaintext?: boolean;
}

/** Whether `url`'s host is this machine: `localhost`, 127.0.0.0/8 or `::1`. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The TLS options `connect` gets, after checking the configuration: the files exist, a client
 * certificate comes with its key, and plain TCP goes only to loopback unless allowed. A `tls://`
 * URL asks for TLS (`@nats-io/transport-node` ignores the scheme; `tls: {}` makes it required).
 * @throws BridgeError `CONFIG_INVALID` naming the variable to fix
 */
export function natsTls(o: Pick<NatsOptions, 'url' | 'tls' | 'allowPlaintext'>): NatsOptions['tls'] {
  const tls = o.tls ?? (o.url.startsWith('tls://') ? {} : undefined);
  if (!tls) {
    if (!o.allowPlaintext && !isLoopbackUrl(o.url)) {
      throw new BridgeError('CONFIG_INVALID', {
        detail: `NATS_URL ${o.url} is another machine, and no TLS is set: passwords and sessions would cross the network in clear. `
          + 'Set NATS_TLS_CA to the CA file of the server\'s certificate (or use tls:// with a certificate from a public CA); '
          + 'on a private network only (e.g. Docker\'s), NATS_ALLOW_PLAINTEXT=true',
      });
    }
    return undefined;
  }
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
    throw new BridgeError('CONFIG_INVALID', { detail: 'NATS_TLS_CERT and NATS_TLS_KEY go together (this client\'s certificate and its private key): set both or neither' });
  }
  for (const [key, file] of [['NATS_TLS_CA', tls.caFile], ['NATS_TLS_CERT', tls.certFile], ['NATS_TLS_KEY', tls.keyFile]] as const) {
    if (file === undefined) continue;
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      throw new BridgeError('CONFIG_INVALID', { detail: `${key}: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` }, { cause: err });
    }
  }
  return tls;
}

/** @default JetStream's duplicate window of the streams: a republish within it is stored once, ms. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** A command not acknowledged this long after its delivery is delivered again, ms. */
export const COMMAND_ACK_WAIT_MS = 30_000;
const NS = 1_000_000;

/** Node's TLS verification failures (`tls.TLSSocket.authorizationError` codes): the server's certificate is not trusted. */
const UNTRUSTED = /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME|self[- ]signed|unable to verify|does not match certificate/i;

/** Why a connect failed, in the operator's terms (the raw error stays the BridgeError's cause, for the log). */
function connectFailure(err: Error, tls: NatsOptions['tls']): string {
  const text = `${err.message} ${(err.cause as Error | undefined)?.message ?? ''} ${(err as NodeJS.ErrnoException).code ?? ''} ${((err.cause as NodeJS.ErrnoException | undefined)?.code) ?? ''}`;
  if (/authoriz|authentic/i.test(text)) return 'the server refused the credentials (NATS_USER/NATS_PASSWORD or NATS_CREDS)';
  if (UNTRUSTED.test(text)) return `TLS: the server's certificate is not trusted (${err.message}); set NATS_TLS_CA to the CA file that signed it`;
  if (/does not support 'tls'/.test(text)) return 'TLS is configured here, but the server does not offer it (add a tls { } block to its configuration, or unset NATS_TLS_*)';
  // A server that verifies clients ends the handshake of one without a certificate; over TLS 1.3 the
  // client learns it only as a connection that never answers (observed: nats.js "timeout", nats-server
  // 2.9.10 logging "client didn't provide a certificate").
  if (tls && !tls.certFile && /timeout|certificate required|bad certificate/i.test(text)) {
    return `no answer over TLS (${err.message}); if the server verifies clients (tls { verify: true }), set NATS_TLS_CERT and NATS_TLS_KEY`;
  }
  return err.message;
}

/**
 * Connects (and keeps reconnecting forever once connected; the first connect is tried once).
 * Credentials go through an authenticator, never argv or a URL; TLS as {@link natsTls} decides.
 * @throws BridgeError `CONFIG_INVALID` on a configuration {@link natsTls} refuses, when the server
 *   refuses the credentials or this client's certificate, its certificate is not trusted, or it cannot be reached
 */
export async function connectNats(o: NatsOptions): Promise<NatsConnection> {
  const tls = natsTls(o);
  const authenticator = o.creds ? credsAuthenticator(fs.readFileSync(o.creds)) : undefined;
  try {
    return await connect({
      servers: o.url, name: o.name, user: o.creds ? undefined : o.user, pass: o.creds ? undefined : o.password, authenticator,
      inboxPrefix: o.inboxPrefix, maxReconnectAttempts: -1, reconnectTimeWait: 1_000, tls, timeout: o.connectTimeoutMs ?? 20_000,
    });
  } catch (err) {
    throw new BridgeError('CONFIG_INVALID', { detail: `NATS at ${o.url}: ${connectFailure(err as Error, tls)}` }, { cause: err });
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
