/**
 * `SessionManager`: the product's entry to sessions. On top of the {@link SessionRegistry} it
 * restores sessions at start-up (reattaching processes that outlived the bot, newest first within
 * the limits), ends orphaned processes, finds or creates a user's session for a place, resumes,
 * branches and cleans conversations, stops sessions for operators, asks idle sessions to suspend,
 * and ends stalled turns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BridgeError } from '../core/errors.js';
import { parseClaudeSessionId, type BridgeSessionId, type Snowflake } from '../core/ids.js';
import { historyBySession } from '../claude/history.js';
import { transcriptPath } from '../claude/slug.js';
import { deleteTranscripts, listSessions, staleSessions, type SessionListing } from './catalog.js';
import { SessionRegistry, type ManagerEvents } from './registry.js';
import { endOrphans, restoreSessions, type RestoredTurn } from './restore.js';
import type { Session } from './session.js';
import type { SessionManagerOptions } from './session-types.js';
import type { Turn } from './turn.js';

export type { ManagerEvents, RestoredTurn, SessionManagerOptions };

export class SessionManager extends SessionRegistry {
  private timers: NodeJS.Timeout[] = [];

  /** Ends orphaned processes, restores sessions, starts the idle reaper and health checks. */
  async initialize(): Promise<RestoredTurn[]> {
    await endOrphans(this.opts.store, this.opts.backend, this.opts.log);
    const restored = await this.restoreSessions();
    this.spares.used(this.opts.defaultCwd);
    const every = (ms: number, fn: () => unknown) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.min(30_000, Math.max(1_000, Math.floor(this.opts.idleTimeoutMs / 2))), () => { void this.reapIdle(); this.spares.refill(); });
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
    for (const s of this.sessions.values()) if (s.isLive && s.isBusy) void s.checkStall(this.opts.turnStallMs);
  }

  /** Stops the timers, then leaves processes running (`keepProcesses`) or ends them. */
  async shutdown(opts: { keepProcesses: boolean }): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.spares.close(); // spares are never kept: a restart starts new ones
    await Promise.all([...this.sessions.values()].map((s) => (opts.keepProcesses ? s.detach() : s.suspend('operator'))));
    for (const s of this.sessions.values()) this.persistSession(s); // the whole record as the loop left it
  }}
