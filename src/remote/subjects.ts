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
 */
import { BridgeError } from '../core/errors.js';

/** A runner name: a NATS subject token and part of a stream name (no `.`, `*`, `>`, whitespace). */
export const RUNNER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Checks a runner name (`--name` or `RUNNER_NAME`).
 * @throws BridgeError `CONFIG_INVALID` when it is not 1–32 of `a-z 0-9 _ -`, starting with a letter or digit
 */
export function parseRunnerName(name: string): string {
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
/** Every runner's events: the subjects of {@link EVENTS_STREAM}. */
export const ALL_EVENTS = 'cdb.runner.*.evt';
/** The reply-inbox prefix of a runner's connection (its permissions allow only this one). */
export const runnerInboxPrefix = (runner: string) => `_INBOX_${runner}`;

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
