/**
 * `SessionRegistry`: the sessions in memory and their records — creating, loading and finding them,
 * wiring each to the slot pool and re-emitting its events — plus the store-backed bits the
 * transport needs (audit log, intents). {@link SessionManager} adds the lifecycle on top.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { BridgeError } from '../core/errors.js';
import { makeBridgeSessionId, makeClaudeSessionId, type BridgeSessionId, type Snowflake } from '../core/ids.js';
import { TranscriptIndex } from '../claude/transcript-index.js';
import type { AuditEntry, SessionRecord, SessionState } from '../store/types.js';
import type { ElicitationOutcome, ElicitationRequest } from './elicitations.js';
import type { PermissionOutcome, PermissionRequest } from './permissions.js';
import { Session } from './session.js';
import { SlotPool } from './slots.js';
import { SparePool } from './spares.js';
import type { SessionManagerOptions } from './session-types.js';
import type { Turn } from './turn.js';
import { Workspace } from './workspace.js';

export interface ManagerEvents {
  /** A turn whose answer is owed, to be shown (see the session's `turn` event). */
  turn: (session: Session, turn: Turn) => void;
  permission: (session: Session, req: PermissionRequest) => void;
  permissionSettled: (session: Session, req: PermissionRequest, outcome: PermissionOutcome) => void;
  elicitation: (session: Session, req: ElicitationRequest) => void;
  elicitationSettled: (session: Session, req: ElicitationRequest, outcome: ElicitationOutcome) => void;
  /** A loaded session's state changed (its process started, ended, was suspended…). */
  state: (session: Session, state: SessionState, previous: SessionState) => void;
}

export class SessionRegistry extends EventEmitter<ManagerEvents> {
  protected readonly sessions = new Map<BridgeSessionId, Session>();
  protected readonly slots: SlotPool;
  /** `claude` processes started ahead of need for new sessions. */
  protected readonly spares: SparePool;
  /** The Claude sessions stored for each working directory (cached summaries). */
  readonly transcripts: TranscriptIndex;
  /** The workspace root, and each channel's working directory. */
  readonly workspace: Workspace;
  protected readonly now: () => number;

  constructor(protected readonly opts: SessionManagerOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.transcripts = new TranscriptIndex(opts.claudeConfigDir);
    this.workspace = new Workspace(opts.workspaceRoot ?? opts.defaultCwd, opts.defaultCwd, opts.store, this.now);
    this.spares = new SparePool({
      count: Math.min(opts.spareProcesses ?? 0, opts.maxSessions), log: opts.log, now: this.now,
      hasRoom: () => this.slots.hasRoom, changed: () => this.slots.pump(),
      launch: {
        backend: opts.backend, claudeBin: opts.claudeBin, env: opts.env, claudeConfigDir: opts.claudeConfigDir,
        permissionMode: opts.permissionMode, mcpConfig: opts.mcpConfig, workspaceRoot: this.workspace.root,
        ...(opts.sendFiles ? { sendFiles: opts.sendFiles } : {}), // a spare's id becomes its session's: the outbox matches
      },
    });
    this.slots = new SlotPool({
      max: opts.maxSessions, perUser: opts.maxSessionsPerUser, maxQueue: opts.maxQueue,
      sessions: () => this.sessions.values(), spares: this.spares, log: opts.log,
    });
  }

  /**
   * A new session, current in its channel from now on. `from` seeds it: an existing Claude session to
   * continue (`claudeSessionId`), or one to fork (`forkFrom`, cut at `forkAt`), with its own settings.
   * `o.oneOff`: its directory is its own (a git worktree): no spare process is there or kept there.
   */
  createSession(
    ownerId: Snowflake,
    channelId: Snowflake,
    guildId: Snowflake | null = null,
    from: Partial<Pick<SessionRecord, 'claudeSessionId' | 'forkFrom' | 'forkAt' | 'parentSessionId' | 'cwd' | 'model'>> = {},
    o: { oneOff?: boolean } = {},
  ): Session {
    const t = this.now();
    const cwd = from.cwd ?? this.opts.defaultCwd;
    // A new conversation (nothing to resume or fork) takes a spare process of its directory, if one is ready.
    const spare = from.claudeSessionId || from.forkFrom || o.oneOff ? null : this.spares.claim(cwd);
    const record: SessionRecord = {
      id: spare?.id ?? makeBridgeSessionId(), ownerId, guildId, channelId, cwd,
      claudeSessionId: spare?.claudeSessionId ?? makeClaudeSessionId(), parentSessionId: null, forkFrom: null, forkAt: null, alwaysAllow: '[]', model: null, permissionMode: null,
      state: 'suspended', backend: null, outputOffset: 0, createdAt: t, updatedAt: t, lastActivityAt: t,
      messageCount: 0, turnCount: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, ...from,
    };
    this.opts.store.insert(record);
    this.opts.log.info({ session: record.id, claudeSessionId: record.claudeSessionId, ownerId, channelId, spare: spare !== null }, 'session created');
    const session = this.load(record);
    if (!o.oneOff) this.spares.used(cwd);
    return session;
  }

  /** The session living in this channel (a session's thread), whoever owns it; `null` if none. */
  getChannelSession(channelId: Snowflake): Session | null {
    const rec = this.opts.store.findInChannel(channelId);
    return rec ? this.load(rec) : null;
  }

  /**
   * Records a side effect about to happen (e.g. opening a thread for an ask), so that start-up can
   * finish or undo it; finished when a message is accepted with its id (`sendMessage` `intentId`),
   * or by {@link SessionManager.dropIntent}.
   * @returns the intent's id
   */
  recordIntent(kind: string, payload: unknown): string {
    const id = randomUUID();
    this.opts.store.addIntent({ id, kind, payload: JSON.stringify(payload), createdAt: this.now() });
    return id;
  }

  /** Replaces an intent's payload (a step of it is done: e.g. the message it posted, by id). */
  rewriteIntent(id: string, kind: string, payload: unknown, createdAt: number): void {
    this.opts.store.addIntent({ id, kind, payload: JSON.stringify(payload), createdAt });
  }

  /** Intents left unfinished (by a crash), oldest first, with their parsed payloads. */
  pendingIntents(): Array<{ id: string; kind: string; payload: unknown; createdAt: number }> {
    return this.opts.store.listIntents().map((i) => ({ ...i, payload: JSON.parse(i.payload) as unknown }));
  }

  /** Each channel's newest message taken into the inbox, for start-up to take what came after it. */
  messageCursors(): Array<{ channelId: string; messageId: string }> {
    return this.opts.store.listCursors();
  }

  /** A message was handled without becoming a turn (refused, empty): start-up need not see it again. */
  messageHandled(channelId: string, messageId: string): void {
    this.opts.store.advanceCursor(channelId, messageId);
  }

  dropIntent(id: string): void {
    this.opts.store.deleteIntent(id);
  }

  /** Writes one line of the audit log. Never throws: a failure is logged. */
  audit(entry: Omit<AuditEntry, 'at'>): void {
    try {
      this.opts.store.recordAudit({ ...entry, at: this.now() });
    } catch (err) {
      this.opts.log.error({ err, entry }, 'could not write the audit log');
    }
  }

  /** A session by id, from memory or the store; `null` when unknown. */
  getSession(id: BridgeSessionId): Session | null {
    const loaded = this.sessions.get(id);
    if (loaded) return loaded;
    const record = this.opts.store.get(id);
    return record ? this.load(record) : null;
  }

  /** The user's sessions, most recently active first. */
  getUserSessions(ownerId: Snowflake): SessionRecord[] {
    return this.opts.store.listByOwner(ownerId);
  }

  /** Writes the session's whole record (sessions also persist every change as it happens). */
  persistSession(session: Session): void {
    const { id: _id, createdAt: _created, ...rest } = session.record;
    this.opts.store.update(session.id, rest);
  }

  /** Claude Code's config home, where transcripts and history live. */
  get claudeConfigDir(): string {
    return this.opts.claudeConfigDir;
  }

  /** The working directory of new sessions (realpath). */
  get defaultCwd(): string {
    return this.opts.defaultCwd;
  }

  /** The user's current session in this channel, if any (none is created). */
  getCurrentSession(ownerId: Snowflake, channelId: Snowflake): Session | null {
    const current = this.opts.store.findCurrent(ownerId, channelId);
    return current ? this.load(current) : null;
  }

  /** Live processes right now (or being started). */
  liveCount(): number {
    return this.slots.liveCount();
  }

  /**
   * Checks, before anything is accepted, that a message to a session without a process could get
   * one: lets the transport refuse at once (privately) instead of accepting and then failing.
   * @throws BridgeError `QUEUE_FULL` when every slot is busy, none can be freed and the queue is full
   */
  assertRoomFor(session: Session | null): void {
    if (session?.isLive) return;
    if (this.slots.wouldRefuse) throw new BridgeError('QUEUE_FULL', { waiting: this.slots.waiting });
  }

  protected load(record: SessionRecord): Session {
    const loaded = this.sessions.get(record.id);
    if (loaded) return loaded;
    const session: Session = new Session(record, {
      backend: this.opts.backend, store: this.opts.store, claudeBin: this.opts.claudeBin, env: this.opts.env,
      permissionMode: this.opts.permissionMode, permissionTimeoutMs: this.opts.permissionTimeoutMs, mcpConfig: this.opts.mcpConfig,
      claudeConfigDir: this.opts.claudeConfigDir, workspaceRoot: this.workspace.root, log: this.opts.log, now: this.now,
      takeSpare: () => this.spares.take(session.record),
      ...(this.opts.sendFiles ? { sendFiles: this.opts.sendFiles } : {}),
      requestSlot: () => this.slots.request(session),
      releaseSlot: () => this.slots.release(session),
      cancelSlot: () => this.slots.cancel(session),
      settled: () => this.slots.pump(),
    });
    session.on('turn', (turn) => this.emit('turn', session, turn));
    session.on('permission', (req) => {
      // Nobody to ask (no transport listening): deny rather than leave Claude waiting.
      if (this.listenerCount('permission') === 0) void session.decidePermission(req.key, 'deny', 'nobody');
      else this.emit('permission', session, req);
    });
    session.on('permissionSettled', (req, outcome) => this.emit('permissionSettled', session, req, outcome));
    session.on('elicitation', (req) => {
      if (this.listenerCount('elicitation') === 0) void session.answerElicitation(req.key, 'cancel', undefined, 'nobody');
      else this.emit('elicitation', session, req);
    });
    session.on('elicitationSettled', (req, outcome) => this.emit('elicitationSettled', session, req, outcome));
    session.on('state', (state, previous) => this.emit('state', session, state, previous));
    this.sessions.set(record.id, session);
    return session;
  }
}
