/**
 * The wire protocol between the hub and runners, as zod schemas: commands (hub → runner, on
 * `cdb.runner.<n>.cmd`) and events (runner → hub, on `cdb.runner.<n>.evt`). Both are JSON, one per
 * NATS message, and carry a version `v` and a stable id that is also the message's `Nats-Msg-Id`
 * (JetStream drops a second publish with the same id within the stream's duplicate window).
 *
 * Ids:
 * - a command's id is chosen by the hub (a UUID), once, before its first publish;
 * - an event's id is derived so that a runner that restarts and replays a turn's output produces the
 *   same ids: `<turnId>:<kind>` for what happens once per turn (`turn`, `started`, `result`),
 *   `<turnId>:<kind>:<n>` with a per-turn, per-kind sequence for the rest, `<commandId>:<kind>` for
 *   a command's acceptance or refusal, and a fresh UUID for live facts that are never replayed.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

const snowflake = z.string().regex(/^\d{17,20}$/);
const sessionId = z.string().regex(/^[0-9a-f]{12}$/);
const text = z.string().max(200_000);

/** Where a message comes from: the Discord owner and place, as in the all-in-one bridge (DESIGN.md §2). */
const place = z.object({
  ownerId: snowflake,
  channelId: snowflake,
  guildId: snowflake.nullable().default(null),
  /** The thread's parent channel, whose directory a new session in a thread takes. */
  parentId: snowflake.nullable().default(null),
});

export const commandBody = z.discriminatedUnion('type', [
  /** A user message: the user's current session in that place (created when there is none) answers it as a turn. */
  place.extend({ type: z.literal('send'), text: text.min(1), replyRef: z.string().max(4_000).nullable().default(null) }),
  /** A message into the running turn (steering), else the next turn. */
  place.extend({ type: z.literal('steer'), text: text.min(1), replyRef: z.string().max(4_000).nullable().default(null) }),
  /** With `turnId`, only that turn is interrupted: a Stop that waited in the queue never hits a later turn. */
  z.object({ type: z.literal('interrupt'), sessionId, turnId: z.string().min(1).max(100).optional() }),
  z.object({ type: z.literal('stop'), sessionId }),
  z.object({ type: z.literal('suspend'), sessionId }),
  /** Sets the directory new sessions in `channelId` (and its threads) work in: `dir` inside the runner's workspace, a relative one from its root. */
  z.object({ type: z.literal('project'), channelId: snowflake, dir: z.string().min(1).max(4_096), userId: snowflake }),
  /** The session's model (`null`: the default) and/or permission mode, from its next turn (`/claude model`, `/claude mode`). */
  z.object({
    type: z.literal('settings'), sessionId,
    model: z.string().regex(/^[a-z0-9][a-z0-9.\-[\]]{1,80}$/).nullable().optional(),
    permissionMode: z.enum(['default', 'acceptEdits', 'bypassPermissions', 'plan', 'dontAsk', 'auto']).optional(),
  }),
  /**
   * An answer to a `permission` event (`key`), by the Discord user who pressed the button — or a
   * denial by `nobody`: the hub could not show the prompt at all (its channel gone), and Claude must
   * not wait for what nobody sees (as the all-in-one denies what it cannot post).
   */
  z.object({
    type: z.literal('permission'), sessionId, key: z.string().min(1).max(200), decision: z.enum(['allow', 'deny', 'always']), userId: z.union([snowflake, z.literal('nobody')]),
  }).refine((b) => b.userId !== 'nobody' || b.decision === 'deny', { message: 'only a denial can be by nobody', path: ['userId'] }),
  /** An answer to question `index` (0-based) of a `permission` event of kind `question`: an option's label, labels joined with ", ", or the user's own words. */
  z.object({
    type: z.literal('answer'), sessionId, key: z.string().min(1).max(200), index: z.number().int().min(0).max(99), answer: z.string().min(1).max(4_000), userId: snowflake,
  }),
  /** The decision on a `permission` event of kind `plan`: approve, approve and accept edits, or keep planning with `feedback` for Claude. */
  z.object({
    type: z.literal('plan'), sessionId, key: z.string().min(1).max(200), choice: z.enum(['approve', 'edits', 'keep']), feedback: z.string().max(4_000).default(''), userId: snowflake,
  }),
]);

export const command = z.object({
  v: z.literal(PROTOCOL_VERSION),
  id: z.uuid(),
  /** When the hub sent it, epoch ms. */
  at: z.number().int().nonnegative(),
  body: commandBody,
});
export type Command = z.infer<typeof command>;
export type CommandBody = z.input<typeof commandBody>;

const turnRef = { sessionId, turnId: z.string().min(1) };

/** One of Claude's questions (`AskUserQuestion`), as the runner parsed it (`sessions/questions.ts` `Question`). */
const question = z.object({
  question: z.string(),
  header: z.string(),
  options: z.array(z.object({ label: z.string(), description: z.string() })),
  multiSelect: z.boolean(),
});

export const eventBody = z.discriminatedUnion('type', [
  /** The command was stored by the runner (acceptance, DESIGN.md §2); a message command became `turnId`. */
  z.object({ type: z.literal('accepted'), commandId: z.uuid(), sessionId: sessionId.nullable(), turnId: z.string().nullable() }),
  /** The command was refused; `message` is safe to show the user (a `BridgeError` text), `code` its code. */
  z.object({ type: z.literal('refused'), commandId: z.string(), code: z.string(), message: z.string() }),
  /** A turn whose answer is owed (new, a follow-up Claude Code started itself, or picked up after a restart). */
  z.object({ type: z.literal('turn'), ...turnRef, seq: z.number().int(), prompt: text, replyRef: z.string().nullable(), ownerId: snowflake, channelId: snowflake, followUpOf: z.string().nullable() }),
  /** Waiting for a process slot on the runner; `position` 1 is next. */
  z.object({ type: z.literal('queued'), ...turnRef, position: z.number().int().positive() }),
  z.object({ type: z.literal('started'), ...turnRef }),
  /**
   * The answer's text grew: it is now `length` characters, ending with `delta`; `full`, when set,
   * replaces the whole text (it changed other than by appending). Applying one twice is harmless.
   */
  z.object({ type: z.literal('text'), ...turnRef, length: z.number().int().nonnegative(), delta: z.string(), full: z.string().optional() }),
  /** Tool calls or the token count changed: the turn's tool calls so far, and its output tokens. */
  z.object({
    type: z.literal('activity'), ...turnRef, tokens: z.number().int().nonnegative(),
    tools: z.array(z.object({ id: z.string(), name: z.string(), done: z.boolean() })),
  }),
  z.object({ type: z.literal('notice'), ...turnRef, text }),
  /** Claude's todo list as it stands (a snapshot: a later one supersedes), shown as the turn's checklist. */
  z.object({
    type: z.literal('todos'), ...turnRef,
    items: z.array(z.object({ id: z.string().max(200), subject: z.string().max(2_000), status: z.enum(['pending', 'in_progress', 'completed']), activeForm: z.string().max(2_000).optional() })).max(200),
  }),
  /**
   * Claude Code waits to retry a failed API request (`system/api_retry`): attempt of max, the delay
   * from `at` (epoch ms on the runner), the HTTP status (`null`: no response) and the SDK's error
   * kind; `retry: null` when the answer flows again.
   */
  z.object({
    type: z.literal('retry'), ...turnRef,
    retry: z.object({ attempt: z.number().int(), maxRetries: z.number().int(), delayMs: z.number(), status: z.number().int().nullable(), error: z.string().max(100), at: z.number() }).nullable(),
  }),
  /**
   * Claude Code asks to use a tool (answer with a `permission` command), asks questions (kind
   * `question`, with `questions` and the `answers` given so far: answer each with an `answer`
   * command) or asks to leave plan mode (kind `plan`, with the plan's text read on the runner from
   * Claude's plans directory: decide with a `plan` command). The optional fields are absent from a
   * runner that predates them; the hub then asks as for a tool.
   */
  z.object({
    type: z.literal('permission'), sessionId, key: z.string(), turnId: z.string().nullable(), kind: z.enum(['tool', 'question', 'plan']), tool: z.string(), input: z.record(z.string(), z.unknown()),
    questions: z.array(question).optional(),
    answers: z.array(z.object({ answer: z.string(), userId: z.string() }).nullable()).optional(),
    plan: z.string().nullable().optional(),
  }),
  z.object({ type: z.literal('permissionSettled'), sessionId, key: z.string(), decision: z.enum(['allow', 'deny']), by: z.string(), userId: z.string().nullable() }),
  /** The session's state changed; `suspended`, `stopped` and `failed` mean its process is gone (an exit). */
  z.object({ type: z.literal('state'), sessionId, state: z.enum(['starting', 'idle', 'running', 'suspended', 'stopped', 'failed']), previous: z.string() }),
  /** The turn ended: the runner forgets it once this event is stored by JetStream (the stream is its outbox). */
  z.object({
    type: z.literal('result'), ...turnRef, outcome: z.enum(['success', 'error', 'interrupted', 'process-exited']), text,
    costUsd: z.number(), inputTokens: z.number().int(), outputTokens: z.number().int(), durationMs: z.number(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
]);

export const event = z.object({
  v: z.literal(PROTOCOL_VERSION),
  /** Also the message's `Nats-Msg-Id`. */
  id: z.string().min(1).max(200),
  runner: z.string(),
  at: z.number().int().nonnegative(),
  body: eventBody,
  /** Set when long strings of `body` were cut to fit NATS's max payload ({@link fitPayload}). */
  cut: z.literal(true).optional(),
});
export type RunnerEvent = z.infer<typeof event>;
export type EventBody = z.infer<typeof eventBody>;

/** A runner's entry in the presence bucket, rewritten every heartbeat. */
export const presence = z.object({
  name: z.string(),
  online: z.boolean(),
  /** Live `claude` processes now, and the runner's `MAX_SESSIONS`. */
  live: z.number().int().nonnegative(),
  max: z.number().int().positive(),
  /** The bridge's package version on the runner. */
  version: z.string(),
  startedAt: z.number().int(),
  /** The heartbeat's time, epoch ms. */
  lastSeen: z.number().int(),
});
export type Presence = z.infer<typeof presence>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encode(value: Command | RunnerEvent | Presence): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Parses one message's payload with `schema`.
 * @returns the value, or `{ error }` with a one-line reason (bad JSON, or zod's first issue and its path)
 */
export function decode<T>(schema: z.ZodType<T>, data: Uint8Array): T | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  return { error: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}

export function isDecodeError<T>(v: T | { error: string }): v is { error: string } {
  return typeof v === 'object' && v !== null && 'error' in v && Object.keys(v).length === 1;
}

/**
 * `ev`, or — when its JSON is over `maxBytes` (the server's `max_payload`, 1 MiB by default) — a
 * copy with every long string cut (`…[cut: <n> chars in all]`), the limit halved until it fits, and
 * `cut: true`. Deterministic, so a replayed event is cut the same way. A message over the payload
 * limit is refused by the server on every attempt: without this one huge answer or tool input
 * would hold up every event behind it.
 */
export function fitPayload(ev: RunnerEvent, maxBytes: number): RunnerEvent {
  if (encode(ev).length <= maxBytes) return ev;
  for (let limit = 256_000; ; limit = Math.floor(limit / 2)) {
    const cut = { ...cutStrings(ev, limit), cut: true as const };
    if (encode(cut).length <= maxBytes || limit < 64) return cut;
  }
}

function cutStrings<T>(value: T, limit: number): T {
  if (typeof value === 'string') return (value.length > limit ? `${value.slice(0, limit)}…[cut: ${value.length} chars in all]` : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => cutStrings(v, limit)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutStrings(v, limit)])) as T;
  return value;
}
