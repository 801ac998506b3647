/**
 * The runner's presenter: what the Discord presenter does in the all-in-one bridge (subscribe to
 * every owed turn and permission request of the SessionManager, show it, then mark the turn
 * delivered), done by publishing events to the {@link EventOutbox} instead. A turn is delivered —
 * forgotten by its session — once its `result` event is stored by JetStream: the stream is the
 * runner's outbox from there on.
 *
 * Event ids are derived from the turn id and the event's place in the turn, so a runner restarted
 * after `kill -9` that replays a turn from its stored output offset publishes the same ids again,
 * which JetStream drops as duplicates (within its duplicate window): `<turn>:turn`, `:started`,
 * `:result` once per turn; `:text:<length after it>` for appended text (the text up to a length is
 * the same in every replay), `:text:<length>:<hash>` for a text that changed otherwise,
 * `:notice:<hash>`, and `:activity:<n>` / `:queued:<n>` / `:todos:<n>` / `:retry:<n>` (snapshots: a
 * later one supersedes);
 * session `state` changes get fresh ids.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import type { SessionManager } from '../sessions/manager.js';
import type { Session } from '../sessions/session.js';
import type { ApiRetry, Turn, TurnResult } from '../sessions/turn.js';
import type { TodoItem } from '../sessions/todos.js';
import type { EventOutbox } from './outbox.js';
import type { EventBody } from './protocol.js';

/** Subscribes to `manager`; call before `manager.initialize()` so restored turns are published too. */
export function forwardSessionEvents(manager: SessionManager, outbox: EventOutbox, log: Logger): void {
  manager.on('turn', (session, turn) => forwardTurn(session, turn, outbox, log));
  manager.on('permission', (session, req) => void outbox.publish(`${session.id}:perm:${req.key}`, {
    type: 'permission', sessionId: session.id, key: req.key, turnId: req.turnId, kind: req.kind, tool: req.toolName, input: req.input,
    // What the hub shows for a question or a plan: the questions and the answers given before a restart, the plan's text.
    ...(req.kind === 'question' ? { questions: req.questions, answers: req.answers } : {}),
    ...(req.kind === 'plan' ? { plan: req.plan ?? null } : {}),
  }));
  // A live fact, never replayed as such: a fresh id (a restart's own transitions are new facts).
  manager.on('state', (session, state, previous) => void outbox.publish(`${session.id}:state:${randomUUID()}`, {
    type: 'state', sessionId: session.id, state, previous,
  }));
  manager.on('permissionSettled', (session, req, outcome) => void outbox.publish(`${session.id}:perm:${req.key}:settled`, {
    type: 'permissionSettled', sessionId: session.id, key: req.key, decision: outcome.decision, by: outcome.by, userId: outcome.userId,
  }));
}

function forwardTurn(session: Session, turn: Turn, outbox: EventOutbox, log: Logger): void {
  const ref = { sessionId: session.id, turnId: turn.id };
  const seq = { activity: 0, queued: 0, todos: 0, retry: 0 };
  const send = (kind: string, body: EventBody, n?: number | string) => outbox.publish(n === undefined ? `${turn.id}:${kind}` : `${turn.id}:${kind}:${n}`, body);
  const rec = session.record;
  void send('turn', {
    type: 'turn', ...ref, seq: turn.seq, prompt: turn.prompt, replyRef: turn.replyRef, ownerId: rec.ownerId, channelId: rec.channelId,
    followUpOf: turn.followUpOf?.id ?? null,
  });
  let shown = '';
  // Text and token counts are coalesced: at most one event per STREAM_EVENT_MS each (the first at
  // once, the last at the turn's end), since every event wakes the runner, NATS and the hub while
  // claude works on the same machine. A replay may coalesce differently: text events carry their
  // position (one seen already is ignored), activity events are snapshots.
  const text = coalesce((t: string) => {
    if (t === shown) return;
    const appended = t.startsWith(shown);
    const body = { type: 'text' as const, ...ref, length: t.length, delta: appended ? t.slice(shown.length) : '', ...(appended ? {} : { full: t }) };
    void send('text', body, appended ? t.length : `${t.length}:${hash(t)}`);
    shown = t;
  });
  const onText = (t: string) => text.push(t);
  let tools = '';
  const activity = coalesce(() => void send('activity', {
    type: 'activity', ...ref, tokens: turn.parts.tokens,
    tools: turn.parts.parts.flatMap((p) => (p.kind === 'tool' ? [{ id: p.call.id, name: p.call.name, done: p.call.result !== undefined }] : [])),
  }, ++seq.activity));
  const onActivity = () => {
    const now = turn.parts.parts.map((p) => (p.kind === 'tool' ? `${p.call.id}:${p.call.result !== undefined}` : '')).join(',');
    if (now !== tools) { // a tool started or ended: at once
      tools = now;
      activity.push(undefined);
      activity.flush();
    } else activity.push(undefined); // only the token count: coalesced
  };
  for (const n of turn.notices) void send('notice', { type: 'notice', ...ref, text: n }, hash(n));
  if (turn.isStarted) void send('started', { type: 'started', ...ref });
  if (turn.text) onText(turn.text);
  const onQueued = (position: number) => void send('queued', { type: 'queued', ...ref, position }, ++seq.queued);
  const onStarted = () => void send('started', { type: 'started', ...ref });
  const onNotice = (text: string) => void send('notice', { type: 'notice', ...ref, text }, hash(text));
  const onTodos = (items: readonly TodoItem[]) => void send('todos', { type: 'todos', ...ref, items: items.slice(0, 200).map((i) => ({ ...i })) }, ++seq.todos);
  const onRetry = (retry: ApiRetry | null) => void send('retry', { type: 'retry', ...ref, retry: retry ? { ...retry, error: String(retry.error) } : null }, ++seq.retry);
  turn.on('queued', onQueued).on('started', onStarted).on('notice', onNotice).on('text', onText).on('activity', onActivity).on('todos', onTodos).on('retry', onRetry);
  void turn.done.then(async (r) => {
    activity.cancel(); // the result carries the tokens
    text.push(r.text);
    text.flush();
    turn.off('queued', onQueued).off('started', onStarted).off('notice', onNotice).off('text', onText).off('activity', onActivity).off('todos', onTodos).off('retry', onRetry);
    const stored = await send('result', resultBody(ref, r));
    if (stored) await session.delivered(turn);
  }).catch((err: unknown) => log.error({ err, session: session.id, turn: turn.id }, 'could not forward a turn result'));
}

function resultBody(ref: { sessionId: string; turnId: string }, r: TurnResult): EventBody {
  return {
    type: 'result', ...ref, outcome: r.outcome, text: r.text, costUsd: r.costUsd, inputTokens: r.inputTokens, outputTokens: r.outputTokens,
    durationMs: r.durationMs, ...(r.error ? { error: { code: r.error.code, message: r.error.userMessage } } : {}),
  };
}

/** FNV-1a of a string, 32 bits, base 36: a short, stable tag for an event id. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** Between two coalesced streaming events of a turn (text, token counts), ms. */
const STREAM_EVENT_MS = 100;

/**
 * Calls `emit` with the newest value pushed: at once when nothing was emitted in the last
 * {@link STREAM_EVENT_MS}, else once that time is up (leading and trailing edge). `flush` emits a
 * pending value now; `cancel` drops it.
 */
function coalesce<T>(emit: (v: T) => void): { push(v: T): void; flush(): void; cancel(): void } {
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  let pending: { v: T } | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!pending) return;
    const { v } = pending;
    pending = null;
    last = Date.now();
    emit(v);
  };
  return {
    push(v: T) {
      pending = { v };
      if (timer) return;
      const wait = last + STREAM_EVENT_MS - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    flush,
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
