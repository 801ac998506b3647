/**
 * `SessionManager`: the registry of bridge sessions. Creates and finds them, restores them at
 * start-up (reattaching processes that outlived the bot, newest first within the limits), ends
 * orphaned processes, bounds live processes through a {@link SlotPool}, suspends idle sessions, and
 * ends stalled turns.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { BridgeError } from '../core/errors.js';
import { makeBridgeSessionId, makeClaudeSessionId, parseClaudeSessionId, type BridgeSessionId, type Snowflake } from '../core/ids.js';
import { historyBySession } from '../claude/history.js';
import { transcriptPath } from '../claude/slug.js';
import { TranscriptIndex } from '../claude/transcript-index.js';
import type { AuditEntry, SessionRecord } from '../store/types.js';
import { deleteTranscripts, listSessions, staleSessions, type SessionListing } from './catalog.js';
import type { PermissionOutcome, PermissionRequest } from './permissions.js';
import { endOrphans, restoreSessions, type RestoredTurn } from './restore.js';
import { Session } from './session.js';
import { SlotPool } from './slots.js';
import type { SessionManagerOptions } from './session-types.js';
import type { Turn } from './turn.js';
import { Workspace } from './workspace.js';

export type { RestoredTurn, SessionManagerOptions };

export interface ManagerEvents {
  /** A turn whose answer is owed, to be shown (see the session's `turn` event). */
  turn: (session: Session, turn: Turn) => void;
  permission: (session: Session, req: PermissionRequest) => void;
  permissionSettled: (session: Session, req: PermissionRequest, outcome: PermissionOutcome) => void;
}

export class SessionManager extends EventEmitter<ManagerEvents> {
  private readonly sessions = new Map<BridgeSessionId, Session>();
  private readonly slots: SlotPool;
  /** The Claude sessions stored for each working directory (cached summaries). */
  readonly transcripts: TranscriptIndex;
  /** The workspace root, and each channel's working directory. */
  readonly workspace: Workspace;
  private readonly now: () => number;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: SessionManagerOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.transcripts = new TranscriptIndex(opts.claudeConfigDir);
    this.workspace = new Workspace(opts.workspaceRoot ?? opts.defaultCwd, opts.defaultCwd, opts.store, this.now);
    this.slots = new SlotPool({
      max: opts.maxSessions, perUser: opts.maxSessionsPerUser, maxQueue: opts.maxQueue,
      sessions: () => this.sessions.values(), log: opts.log,
    });
  }

  /** Ends orphaned processes, restores sessions, starts the idle reaper and health checks. */
  async initialize(): Promise<RestoredTurn[]> {
    await endOrphans(this.opts.store, this.opts.backend, this.opts.log);
    const restored = await this.restoreSessions();
    const every = (ms: number, fn: () => unknown) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.min(30_000, Math.max(1_000, Math.floor(this.opts.idleTimeoutMs / 2))), () => void this.reapIdle());
    every(this.opts.healthIntervalMs, () => this.checkHealth());
    return restored;
  }

  /**
   * Picks up every session that had a process or owes an answer ({@link restoreSessions}): live
   * processes reattached newest first within the limits, owed turns queued again.
   */
  async restoreSessions(): Promise<RestoredTurn[]> {
    return restoreSessions({
      store: this.opts.store, maxSessions: this.opts.maxSessions, maxSessionsPerUser: this.opts.maxSessionsPerUser,
      log: this.opts.log, now: this.now, load: (rec) => this.load(rec), forget: (id) => this.sessions.delete(id),
    });
  }

  /**
   * A new session, current in its channel from now on. `from` seeds it: an existing Claude session to
   * continue (`claudeSessionId`), or one to fork (`forkFrom`, cut at `forkAt`), with its own settings.
   */
  createSession(
    ownerId: Snowflake,
    channelId: Snowflake,
    guildId: Snowflake | null = null,
    from: Partial<Pick<SessionRecord, 'claudeSessionId' | 'forkFrom' | 'forkAt' | 'parentSessionId' | 'cwd' | 'model'>> = {},
  ): Session {
    const t = this.now();
    const record: SessionRecord = {
      id: makeBridgeSessionId(), ownerId, guildId, channelId, cwd: this.opts.defaultCwd,
      claudeSessionId: makeClaudeSessionId(), parentSessionId: null, forkFrom: null, forkAt: null, alwaysAllow: '[]', model: null,
      state: 'suspended', backend: null, outputOffset: 0, createdAt: t, updatedAt: t, lastActivityAt: t,
      messageCount: 0, turnCount: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, ...from,
    };
    this.opts.store.insert(record);
    this.opts.log.info({ session: record.id, claudeSessionId: record.claudeSessionId, ownerId, channelId }, 'session created');
    return this.load(record);
  }

  /**
   * The user's current session in this channel. If there is none: with `autoResume` (unless
   * `fresh`), one on the directory's newest Claude session nobody else holds; else a new one, in the
   * channel's directory (or `parentId`'s, for a thread).
   */
  async getOrCreateSession(
    ownerId: Snowflake, channelId: Snowflake, guildId: Snowflake | null = null, where: { parentId?: Snowflake | null; fresh?: boolean } = {},
  ): Promise<Session> {
    const existing = this.opts.store.findCurrent(ownerId, channelId);
    if (existing) return this.load(existing);
    const cwd = this.workspace.cwdFor(channelId, where.parentId ?? null);
    if (this.opts.autoResume && !where.fresh) {
      const newest = (await this.transcripts.list(cwd))
        .find((t) => t.prompts > 0 && this.opts.store.findByClaudeId(t.sessionId) === null);
      if (newest) return this.createSession(ownerId, channelId, guildId, { claudeSessionId: newest.sessionId, cwd });
    }
    return this.createSession(ownerId, channelId, guildId, { cwd });
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

  /** Intents left unfinished (by a crash), oldest first, with their parsed payloads. */
  pendingIntents(): Array<{ id: string; kind: string; payload: unknown; createdAt: number }> {
    return this.opts.store.listIntents().map((i) => ({ ...i, payload: JSON.parse(i.payload) as unknown }));
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

  /** The user's sessions and the terminal sessions of the working directory (`cwd`), newest first. */
  async listSessions(ownerId: Snowflake, cwd = this.opts.defaultCwd): Promise<SessionListing[]> {
    const [transcripts, history] = await Promise.all([this.transcripts.list(cwd), historyBySession(this.opts.claudeConfigDir, cwd)]);
    return listSessions({ store: this.opts.store, mine: this.getUserSessions(ownerId), cwd, transcripts, history });
  }

  /**
   * Makes a Claude session the user's current one in this channel: their own bridge session (moved
   * here) or one started in a terminal in the working directory.
   * @throws BridgeError `INVALID_ID` (not a UUID), `NOT_YOURS`, `TRANSCRIPT_NOT_FOUND`
   */
  async resumeSession(ownerId: Snowflake, channelId: Snowflake, guildId: Snowflake | null, claudeId: string, cwd = this.opts.defaultCwd): Promise<Session> {
    const id = parseClaudeSessionId(claudeId);
    const bound = this.opts.store.findByClaudeId(id);
    if (bound && bound.ownerId !== ownerId) throw new BridgeError('NOT_YOURS');
    if (bound) {
      const session = this.load(bound);
      await session.moveTo(channelId, guildId);
      return session;
    }
    const file = path.join(this.transcripts.projectDir(cwd), `${id}.jsonl`);
    if (!(await this.transcripts.info(file, id))) throw new BridgeError('TRANSCRIPT_NOT_FOUND');
    return this.createSession(ownerId, channelId, guildId, { claudeSessionId: id, cwd });
  }

  /** A new session with `source`'s history (a fork), current in `channelId` from now on. */
  branchSession(source: Session, channelId: Snowflake, guildId: Snowflake | null): Session {
    const r = source.record;
    const forkFrom = fs.existsSync(source.transcriptFile) ? r.claudeSessionId : null;
    return this.createSession(r.ownerId, channelId, guildId, { parentSessionId: r.id, forkFrom, cwd: r.cwd, model: r.model });
  }

  /**
   * Removes the user's sessions untouched for `days` (never one that runs or owes an answer).
   * @returns how many were removed, and their transcripts (paths, total bytes) for the caller to
   * delete after asking ({@link deleteTranscripts})
   */
  async cleanSessions(ownerId: Snowflake, days: number): Promise<{ removed: number; transcripts: string[]; bytes: number }> {
    const stale = staleSessions(this.opts.store, ownerId, this.now() - days * 86_400_000, (id) => this.sessions.get(id)?.isBusy ?? false);
    const transcripts: string[] = [];
    let bytes = 0;
    for (const r of stale) {
      this.sessions.delete(r.id);
      this.opts.store.delete(r.id);
      const file = transcriptPath(this.opts.claudeConfigDir, r.cwd, r.claudeSessionId);
      const size = await fs.promises.stat(file).then((st) => st.size, () => null);
      if (size !== null) { transcripts.push(file); bytes += size; }
    }
    this.opts.log.info({ ownerId, removed: stale.length }, 'cleaned stale sessions');
    return { removed: stale.length, transcripts, bytes };
  }

  /** Deletes transcripts (only under the config home's `projects/`). */
  deleteTranscripts(files: readonly string[]): Promise<{ count: number; bytes: number }> {
    return deleteTranscripts(this.opts.claudeConfigDir, files);
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

  /** @throws BridgeError `SESSION_NOT_FOUND` */
  sendMessage(id: BridgeSessionId, text: string, opts: { replyRef?: string } = {}): Turn {
    const session = this.getSession(id);
    if (!session) throw new BridgeError('SESSION_NOT_FOUND');
    return session.sendMessage(text, opts);
  }

  /** Ends the session's process and marks it stopped; `deleteRecord` also removes its record. */
  async clearSession(id: BridgeSessionId, opts: { deleteRecord?: boolean } = {}): Promise<void> {
    const session = this.getSession(id);
    if (!session) throw new BridgeError('SESSION_NOT_FOUND');
    await session.stop();
    if (opts.deleteRecord) {
      this.sessions.delete(id);
      this.opts.store.delete(id);
    }
  }

  /**
   * Emergency stop: stops every session in memory — running turns interrupted, waiting messages
   * ended, processes ended (records stay, resumable with a new message).
   * @returns how many sessions had a process or work
   */
  async clearAllSessions(): Promise<number> {
    const busy = [...this.sessions.values()].filter((s) => s.isLive || s.isBusy);
    await Promise.all(busy.map((s) => s.stop()));
    return busy.length;
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

  /** Asks live sessions idle for longer than the timeout to suspend (each re-checks in its loop). */
  async reapIdle(): Promise<void> {
    const cutoff = this.now() - this.opts.idleTimeoutMs;
    for (const s of this.sessions.values()) {
      if (s.isLive && s.state === 'idle' && s.record.lastActivityAt < cutoff) {
        await s.suspend('idle', cutoff).catch((err) => this.opts.log.error({ err, session: s.id }, 'suspend failed'));
      }
    }
  }

  /**
   * Ends turns stalled for `turnStallMs`. Dead processes need no poll here: each backend reports
   * its process's exit as it happens, and the turn in flight is ended with a plain-words error.
   */
  checkHealth(): void {
    for (const s of this.sessions.values()) if (s.currentTurn) void s.checkStall(this.opts.turnStallMs);
  }

  /** Stops the timers, then leaves processes running (`keepProcesses`) or ends them. */
  async shutdown(opts: { keepProcesses: boolean }): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all([...this.sessions.values()].map((s) => (opts.keepProcesses ? s.detach() : s.suspend('operator'))));
    for (const s of this.sessions.values()) this.persistSession(s); // the whole record as the loop left it
  }

  private load(record: SessionRecord): Session {
    const loaded = this.sessions.get(record.id);
    if (loaded) return loaded;
    const session: Session = new Session(record, {
      backend: this.opts.backend, store: this.opts.store, claudeBin: this.opts.claudeBin, env: this.opts.env,
      permissionMode: this.opts.permissionMode, permissionTimeoutMs: this.opts.permissionTimeoutMs,
      claudeConfigDir: this.opts.claudeConfigDir, workspaceRoot: this.workspace.root, log: this.opts.log, now: this.now,
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
    this.sessions.set(record.id, session);
    return session;
  }
}
