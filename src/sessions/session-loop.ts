/**
 * `SessionLoop`: the engine under a {@link Session}. One {@link Mailbox} handles every input
 * ({@link SessionInput}) one at a time; nothing else changes the session. It holds the inbox
 * (accepted messages not yet written), the running turn, the live process ({@link ProcessLink})
 * and the slot it holds, and checks each handled input against {@link TRANSITIONS}. Process
 * start, turn start and the end of a process live in `session-turns.ts`.
 */
import { EventEmitter } from 'eventemitter3';
import type { Logger } from '../core/logger.js';
import { appendHistory } from '../claude/history.js';
import type { ImageBlock } from '../claude/input.js';
import { transcriptPath } from '../claude/slug.js';
import type { SessionPatch, SessionRecord, SessionState } from '../store/types.js';
import { checkTransition, type SessionInput } from './machine.js';
import { Mailbox } from './mailbox.js';
import { ElicitationGate } from './elicitations.js';
import { PermissionGate, type PermissionRequest } from './permissions.js';
import { readPlan } from './questions.js';
import { ParkedTurns } from './parking.js';
import type { ProcessLink } from './process-link.js';
import { SteerBook, type Steer } from './steering.js';
import { TodoBoard } from './todos.js';
import { Turn, type RateLimitInfo, type TurnResult } from './turn.js';
import { BridgeError, type BridgeErrorCode } from '../core/errors.js';
import type { SessionDeps, SessionEvents } from './session-types.js';

export const EMPTY_STATS = { costUsd: 0, inputTokens: 0, outputTokens: 0, durationMs: 0 };

export abstract class SessionLoop extends EventEmitter<SessionEvents> {
  readonly log: Logger;
  protected readonly box: Mailbox<SessionInput, unknown>;
  protected link: ProcessLink | null = null;
  /** Generation of the newest process; inputs of older ones are stale. */
  protected gen = 0;
  protected current: Turn | null = null;
  /** Accepted messages waiting to be written, in order. */
  protected readonly inbox: Turn[] = [];
  /** Turns emitted and not yet delivered, by id. */
  protected readonly owed = new Map<string, Turn>();
  protected seq = 0;
  /** `requested`: asked the pool; `held`: granted, until the turn it was for has started. */
  protected slot: 'none' | 'requested' | 'held' = 'none';
  /** The next start is a deliberately new conversation (regenerate of a first prompt), not a lost one. */
  protected freshConversation = false;
  /** A model change made while a turn ran: applied before the next turn is written. */
  protected nextModel: { model: string | null } | null = null;
  /** A permission-mode change made while a turn ran: sent before the next turn is written. */
  protected nextPermissionMode: string | null = null;
  protected readonly gate: PermissionGate;
  protected readonly elicitations: ElicitationGate;
  /** The plan file Claude last wrote in plan mode (read when it asks to exit plan mode). */
  protected planFile: string | null = null;
  protected readonly steering = new SteerBook();
  /** Turns waiting for the plan's usage limit to reset. */
  protected readonly parking: ParkedTurns;
  /** The newest usage-limit report of this session's processes (`rate_limit_event`), if any. */
  protected lastRateLimit: RateLimitInfo | null = null;
  /** Claude's todo list, as the output tells it (shown with the turn that changes it). */
  protected readonly todos = new TodoBoard();
  /**
   * Messages steered into a turn that ended without taking them, oldest first: the CLI answers them
   * next by itself, in one or more turns; each turn starts when the CLI echoes one of them.
   */
  protected awaiting: Steer[] = [];

  constructor(protected rec: SessionRecord, protected readonly deps: SessionDeps) {
    super();
    this.log = deps.log.child({ session: rec.id });
    this.seq = deps.store.listTurns(rec.id).reduce((max, t) => Math.max(max, t.seq), 0);
    this.box = new Mailbox((input) => this.dispatch(input), this.log, () => this.deps.settled?.());
    this.parking = new ParkedTurns({
      store: deps.store, now: deps.now, log: this.log, due: (turnId) => void this.box.post({ type: 'unpark', turnId }),
    });
    this.gate = new PermissionGate({
      sessionId: rec.id, store: deps.store, now: deps.now, timeoutMs: deps.permissionTimeoutMs ?? 600_000, log: this.log,
      write: async (line) => { await this.link?.handle.write(line); },
      alwaysAllowed: () => JSON.parse(this.rec.alwaysAllow) as string[],
      setAlwaysAllowed: (tools) => this.patch({ alwaysAllow: JSON.stringify(tools) }),
      asked: (req) => this.emit('permission', req),
      settled: (req, outcome) => {
        this.link?.turnStarted(); // the stall clock starts again: the wait for a person is over
        if (outcome.by === 'timeout') this.current?.notice(timeoutNotice(req));
        this.emit('permissionSettled', req, outcome);
      },
      timedOut: (key) => void this.box.post({ type: 'permission', key, decision: 'timeout', userId: null }),
      planText: (input) => readPlan(input, this.planFile),
    });
    this.elicitations = new ElicitationGate({
      sessionId: rec.id, store: deps.store, now: deps.now, timeoutMs: deps.permissionTimeoutMs ?? 600_000, log: this.log,
      write: async (line) => { await this.link?.handle.write(line); },
      asked: (req) => this.emit('elicitation', req),
      settled: (req, outcome) => {
        this.link?.turnStarted(); // the stall clock starts again: the wait for a person is over
        if (outcome.by === 'timeout') this.current?.notice(`Nobody answered ${req.serverName}'s request in time, so it was cancelled.`);
        this.emit('elicitationSettled', req, outcome);
      },
      timedOut: (key) => void this.box.post({ type: 'elicitation', key, action: 'timeout', userId: null }),
    });
  }

  /** Where Claude Code keeps this session's conversation. */
  get transcriptFile(): string {
    return transcriptPath(this.deps.claudeConfigDir, this.rec.cwd, this.rec.claudeSessionId);
  }

  /** Posts an input to the loop; resolves with its handler's answer. */
  post(input: SessionInput): Promise<unknown> {
    return this.box.post(input);
  }

  protected abstract handle(input: SessionInput): Promise<unknown>;

  private async dispatch(input: SessionInput): Promise<unknown> {
    const before = this.rec.state;
    try {
      return await this.handle(input);
    } finally {
      const breach = checkTransition(before, input.type, this.rec.state);
      if (breach) this.log.error({ breach }, 'session transition outside the table');
    }
  }

  /** A turn whose answer is owed: tells the presenter (once). */
  protected show(turn: Turn): void {
    if (this.owed.has(turn.id)) return;
    this.owed.set(turn.id, turn);
    this.emit('turn', turn);
  }

  /**
   * Ends `turn` (once) and stores its result with its row, so that after a restart an answer not
   * yet shown is shown — never asked of Claude again. `outputOffset`: the process's output up to
   * there (its `result` line) is dealt with and is not read again after a restart.
   */
  protected endTurn(turn: Turn, result: Omit<TurnResult, 'text'> & { text?: string }, outputOffset: number | null = null, left: readonly Steer[] = []): void {
    const full = turn.end(result);
    if (!full) return;
    this.deps.store.setTurnAnswered(turn.id, encodeResult(full), outputOffset, left.map((s) => s.message.id));
    if (outputOffset !== null) this.rec = { ...this.rec, outputOffset }; // as stored
  }

  /** A Turn for a stored message row. */
  protected turnOf(row: { id: string; seq: number; prompt: string; replyRef: string | null; writeUuid?: string | null; images?: string | null }): Turn {
    const images = row.images ? (JSON.parse(row.images) as ImageBlock[]) : [];
    return new Turn({ id: row.id, seq: row.seq, prompt: row.prompt, replyRef: row.replyRef, writeUuid: row.writeUuid, images });
  }

  /** Appends a prompt to Claude Code's `history.jsonl`, so the terminal's history shows it. */
  protected recordHistory(prompt: string): void {
    const line = { display: prompt, timestamp: this.deps.now(), project: this.rec.cwd, sessionId: this.rec.claudeSessionId };
    appendHistory(this.deps.claudeConfigDir, line).catch((err) => this.log.warn({ err }, 'could not append to history.jsonl'));
  }

  protected setState(state: SessionState): void {
    const previous = this.rec.state;
    if (previous === state) return;
    this.patch({ state });
    this.emit('state', state, previous);
  }

  protected patch(p: SessionPatch): void {
    this.rec = { ...this.rec, ...p, updatedAt: this.deps.now() };
    this.deps.store.update(this.rec.id, p);
  }
}

/** The line added to the running turn's answer when a request timed out. */
function timeoutNotice(req: PermissionRequest): string {
  if (req.kind === 'question') return 'Nobody answered Claude\'s question in time; Claude was told so.';
  if (req.kind === 'plan') return 'Nobody answered whether to approve the plan in time, so it was not approved.';
  return `Nobody answered whether Claude may use ${req.toolName}, so it was denied.`;
}

/** A turn's result as stored with its row (its error as code + params: the safe text is rebuilt). */
export function encodeResult(r: TurnResult): string {
  const { error, ...rest } = r;
  return JSON.stringify({ ...rest, error: error ? { code: error.code, params: error.params } : null });
}

/** The inverse of {@link encodeResult}; `null` for a row without a readable result. */
export function decodeResult(json: string | null | undefined): TurnResult | null {
  if (!json) return null;
  try {
    const { error, ...rest } = JSON.parse(json) as Omit<TurnResult, 'error'> & { error: { code: BridgeErrorCode; params: Record<string, string | number> } | null };
    return { ...rest, ...(error ? { error: new (BridgeError as new (c: BridgeErrorCode, p: unknown) => BridgeError)(error.code, error.params) } : {}) };
  } catch {
    return null;
  }
}
