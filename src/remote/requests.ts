/**
 * Request/reply between hub and runner (core NATS, not JetStream: a listing is asked for while
 * someone waits, and asked again if it fails). The hub requests on `cdb.runner.<n>.req.<type>`; the
 * runner answers on the request's reply subject (its permissions allow only that: `allow_responses`).
 * Requests: `ping`, `sessions` (what `/claude sessions` lists) and `export` (a session's export, in
 * chunks, `exports.ts`).
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import { BridgeError, makeErrorRef, userFacingMessage } from '../core/errors.js';
import { parseSnowflake } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SessionManager } from '../sessions/manager.js';
import { resolveInWorkspace } from '../sessions/workspace.js';
import { decode, isDecodeError, PROTOCOL_VERSION } from './protocol.js';
import { requestSubject } from './subjects.js';
import { RunnerExports } from './exports.js';

/** Most sessions one `sessions` reply lists (newest first); `more` says how many were left out. */
export const MAX_LISTED = 100;

export const requestBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  /** The owner's sessions and the terminal sessions of `dir` (inside the runner's workspace; `null`: its CLAUDE_WORKDIR). */
  z.object({ type: z.literal('sessions'), ownerId: z.string().regex(/^\d{17,20}$/), dir: z.string().max(4_096).nullable().default(null) }),
  /** One chunk of a session's export (`exports.ts`): `offset` 0 makes it anew, later ones read on. */
  z.object({
    type: z.literal('export'), sessionId: z.string().regex(/^[0-9a-f]{12}$/), ownerId: z.string().regex(/^\d{17,20}$/),
    format: z.enum(['markdown', 'json', 'jsonl']), offset: z.number().int().nonnegative(),
  }),
]);
export const request = z.object({ v: z.literal(PROTOCOL_VERSION), body: requestBody });
export type RequestBody = z.input<typeof requestBody>;

const listing = z.object({
  kind: z.enum(['bridge', 'terminal']), claudeSessionId: z.string(), bridgeId: z.string().nullable(), title: z.string(),
  prompts: z.number(), lastActivityMs: z.number(), notResumable: z.string().nullable(),
});
export const reply = z.discriminatedUnion('ok', [
  z.object({
    v: z.literal(PROTOCOL_VERSION), ok: z.literal(true),
    body: z.discriminatedUnion('type', [
      z.object({ type: z.literal('pong'), runner: z.string(), live: z.number() }),
      z.object({ type: z.literal('sessions'), cwd: z.string(), sessions: z.array(listing), more: z.number().int().nonnegative() }),
      z.object({
        type: z.literal('export'), name: z.string(), size: z.number().int().nonnegative(), offset: z.number().int().nonnegative(),
        data: z.string(), done: z.boolean(), brokenLines: z.number().int().nonnegative(),
      }),
    ]),
  }),
  /** `message` is safe to show the user. */
  z.object({ v: z.literal(PROTOCOL_VERSION), ok: z.literal(false), code: z.string(), message: z.string() }),
]);
export type Reply = z.infer<typeof reply>;

const encoder = new TextEncoder();

/**
 * Answers requests for runner `name` until the returned subscription is closed (`drain`/`unsubscribe`).
 * A bad request gets an `ok: false` reply with a safe message; the detail goes to the log.
 */
export function serveRequests(nc: NatsConnection, name: string, manager: SessionManager, log: Logger, exports = new RunnerExports(manager)): Subscription {
  return nc.subscribe(`${requestSubject(name)}.>`, {
    callback: (err, msg) => {
      if (err) return log.warn({ err }, 'request subscription error');
      void answer(msg.data, name, manager, exports, log).then((r) => msg.respond(encoder.encode(JSON.stringify(r))));
    },
  });
}

async function answer(data: Uint8Array, name: string, manager: SessionManager, exports: RunnerExports, log: Logger): Promise<Reply> {
  const req = decode(request, data);
  if (isDecodeError(req)) {
    log.warn({ reason: req.error }, 'a request that is not valid protocol');
    return { v: PROTOCOL_VERSION, ok: false, code: 'BAD_REQUEST', message: 'The runner did not understand that request.' };
  }
  try {
    const b = req.body;
    if (b.type === 'ping') return { v: PROTOCOL_VERSION, ok: true, body: { type: 'pong', runner: name, live: manager.liveCount() } };
    if (b.type === 'export') return { v: PROTOCOL_VERSION, ok: true, body: { type: 'export', ...(await exports.chunk(b.sessionId, b.ownerId, b.format, b.offset)) } };
    const cwd = b.dir === null ? manager.defaultCwd : resolveInWorkspace(manager.workspace.root, b.dir);
    const all = await manager.listSessions(parseSnowflake(b.ownerId), cwd);
    return { v: PROTOCOL_VERSION, ok: true, body: { type: 'sessions', cwd, sessions: all.slice(0, MAX_LISTED), more: Math.max(0, all.length - MAX_LISTED) } };
  } catch (err) {
    const ref = makeErrorRef();
    if (!(err instanceof BridgeError)) log.error({ err, ref }, 'request failed');
    return { v: PROTOCOL_VERSION, ok: false, code: err instanceof BridgeError ? err.code : 'INTERNAL', message: userFacingMessage(err, ref) };
  }
}
