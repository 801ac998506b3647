/**
 * Names on the NATS side of "several machines" (DESIGN.md §7): runner names, subjects, JetStream
 * stream and consumer names, the presence bucket, and the permissions that confine a runner to its
 * own subjects. Pure: nothing here connects.
 *
 * | what | name |
 * | --- | --- |
 * | commands hub → runner `<n>` | subject `cdb.runner.<n>.cmd`, work-queue stream `CDB_CMD_<n>`, durable consumer `runner` |
 * | events runner `<n>` → hub | subject `cdb.runner.<n>.evt`, stream `CDB_EVT` (all runners), durable consumer `hub` |
 * | request/reply hub → runner `<n>` | `cdb.runner.<n>.req.<type>` (`requests.ts`) |
 * | presence | KV bucket `cdb_runners`, key `<n>` |
 * | a runner's reply inboxes | `_INBOX_<n>.>` (the connection's `inboxPrefix`) |
 * | the hub's reply inboxes | `_INBOX_hub.>` ({@link HUB_INBOX_PREFIX}) |
 */
import { BridgeError } from '../core/errors.js';

/** A runner name: a NATS subject token and part of a stream name (no `.`, `*`, `>`, whitespace). */
export const RUNNER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Checks a runner name (`--name` or `RUNNER_NAME`).
 * @throws BridgeError `CONFIG_INVALID` when it is not 1–32 of `a-z 0-9 _ -`, starting with a letter or digit
 */
export function parseRunnerName(name: string): string {
  if (name === 'hub') {
    throw new BridgeError('CONFIG_INVALID', { detail: 'runner name "hub": taken by the hub itself (its reply inboxes); pick another' });
  }
  if (!RUNNER_NAME.test(name)) {
    throw new BridgeError('CONFIG_INVALID', { detail: `runner name "${name}": use 1–32 of a-z, 0-9, _ and -, starting with a letter or digit` });
  }
  return name;
}

export const EVENTS_STREAM = 'CDB_EVT';
/** The hub's durable consumer of {@link EVENTS_STREAM}. */
export const HUB_CONSUMER = 'hub';
/** Each runner's durable consumer of its command stream. */
export const RUNNER_CONSUMER = 'runner';
export const PRESENCE_BUCKET = 'cdb_runners';

export const commandSubject = (runner: string) => `cdb.runner.${runner}.cmd`;
export const eventSubject = (runner: string) => `cdb.runner.${runner}.evt`;
export const requestSubject = (runner: string) => `cdb.runner.${runner}.req`;
export const commandStream = (runner: string) => `CDB_CMD_${runner}`;
/** The runner whose events subject this is (`cdb.runner.<n>.evt` → `<n>`), else `null`. */
export function runnerOfEventSubject(subject: string): string | null {
  const m = /^cdb\.runner\.([^.]+)\.evt$/.exec(subject);
  return m ? m[1]! : null;
}
/** Every runner's events: the subjects of {@link EVENTS_STREAM}. */
export const ALL_EVENTS = 'cdb.runner.*.evt';
/** The reply-inbox prefix of a runner's connection (its permissions allow only this one). */
export const runnerInboxPrefix = (runner: string) => `_INBOX_${runner}`;
/**
 * The reply-inbox prefix of the hub's connection (its permissions allow only this one). A runner
 * named `hub` is refused ({@link parseRunnerName}): its inboxes would be the hub's.
 */
export const HUB_INBOX_PREFIX = '_INBOX_hub';

/** nats-server `permissions` of one user (nats-server docs, "Authorization": publish/subscribe allow lists). */
export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
  /** May publish to the reply subject of a request it received (nats-server `allow_responses`). */
  allow_responses?: boolean;
}

/**
 * What runner `<n>` may do, and nothing more: publish its own events; create, read and pull from
 * its own command stream and acknowledge its messages; write its own presence key; receive replies
 * on its own inbox prefix. JetStream API subjects as served by nats-server 2.9 (`$JS.API.*`,
 * `$JS.ACK.<stream>.<consumer>.…`, KV puts on `$KV.<bucket>.<key>`: nats-server docs, "JetStream
 * wire API reference"). Another runner's events, commands or presence are out of reach.
 */
export function runnerPermissions(runner: string): NatsPermissions {
  const stream = commandStream(parseRunnerName(runner));
  return {
    publish: {
      allow: [
        eventSubject(runner),
        '$JS.API.INFO',
        `$JS.API.STREAM.INFO.${stream}`,
        `$JS.API.STREAM.CREATE.${stream}`,
        `$JS.API.CONSUMER.INFO.${stream}.${RUNNER_CONSUMER}`,
        `$JS.API.CONSUMER.CREATE.${stream}.>`,
        `$JS.API.CONSUMER.CREATE.${stream}`,
        `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${RUNNER_CONSUMER}`,
        `$JS.API.CONSUMER.MSG.NEXT.${stream}.${RUNNER_CONSUMER}`,
        `$JS.ACK.${stream}.${RUNNER_CONSUMER}.>`,
        `$JS.API.STREAM.INFO.KV_${PRESENCE_BUCKET}`,
        `$KV.${PRESENCE_BUCKET}.${runner}`,
      ],
    },
    subscribe: { allow: [`${runnerInboxPrefix(runner)}.>`, `${requestSubject(runner)}.>`] },
    allow_responses: true,
  };
}

/**
 * What the hub may do, and nothing more: set up the events stream and its durable consumer `hub`,
 * pull from it and acknowledge (ack, nak, term) its messages; set up each runner's command stream
 * and consumer, read their state (`HubLink.queued`) and publish commands; create and read the
 * presence bucket (get a key, list the keys); ask runners by request/reply, with replies on
 * {@link HUB_INBOX_PREFIX}. It cannot publish runner events, write presence keys, pull a runner's
 * commands, or delete or change a stream.
 *
 * NATS wildcards match whole tokens only (nats-server docs, "Subject-Based Messaging"), so the
 * runners' stream names (`CDB_CMD_<n>`) cannot be matched by prefix: stream info and create are
 * allowed for any stream of the account (it holds only the bridge's). Subjects as sent by
 * `@nats-io/jetstream` / `@nats-io/kv` 3.x and checked against nats-server 2.9.10: a named
 * consumer is created on `$JS.API.CONSUMER.CREATE.<stream>.<name>` (`.<filter>` appended when it has one; the client uses
 * `…DURABLE.CREATE…` only before nats-server 2.9, which is not supported), a KV `get` is a direct get
 * (`$JS.API.DIRECT.GET.KV_<bucket>.…`) or `STREAM.MSG.GET`, and `keys()` creates an ordered push
 * consumer on the bucket's stream delivering to an inbox, with flow-control replies on
 * `$JS.FC.KV_<bucket>.>`. Every entry is needed: take one out and the suite
 * (test/integration/nats-permissions.test.ts) fails.
 */
export function hubPermissions(): NatsPermissions {
  const kv = `KV_${PRESENCE_BUCKET}`;
  return {
    publish: {
      allow: [
        'cdb.runner.*.cmd',
        'cdb.runner.*.req.>',
        '$JS.API.INFO',
        '$JS.API.STREAM.INFO.*',
        '$JS.API.STREAM.CREATE.*',
        `$JS.API.CONSUMER.INFO.${EVENTS_STREAM}.${HUB_CONSUMER}`,
        `$JS.API.CONSUMER.CREATE.${EVENTS_STREAM}.${HUB_CONSUMER}`,
        `$JS.API.CONSUMER.MSG.NEXT.${EVENTS_STREAM}.${HUB_CONSUMER}`,
        `$JS.ACK.${EVENTS_STREAM}.${HUB_CONSUMER}.>`,
        `$JS.API.CONSUMER.INFO.*.${RUNNER_CONSUMER}`,
        `$JS.API.CONSUMER.CREATE.*.${RUNNER_CONSUMER}`,
        `$JS.API.DIRECT.GET.${kv}.>`,
        `$JS.API.STREAM.MSG.GET.${kv}`,
        `$JS.API.CONSUMER.CREATE.${kv}.>`,
        `$JS.API.CONSUMER.INFO.${kv}.*`,
        `$JS.FC.${kv}.>`,
      ],
    },
    subscribe: { allow: [`${HUB_INBOX_PREFIX}.>`] },
  };
}
