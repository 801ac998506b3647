/**
 * The hub's own store (`claude-bridge hub`, issue 12): which runner each channel is bound to,
 * which runner each session lives on, the commands it sent, the turns it shows (and whether Discord
 * has their final state), and the permission prompts it posted. Conversations themselves live on
 * the runners; nothing here is needed to answer, only to show answers once and in the right place.
 */
import type { Db } from './db.js';

export interface HubPlace { channelId: string; runner: string; dir: string | null; boundBy: string | null; at: number }
export interface HubSession { sessionId: string; runner: string; ownerId: string; channelId: string; lastAt: number }
export interface HubCommand {
  id: string; runner: string; type: string; ownerId: string | null; channelId: string | null; replyRef: string | null;
  at: number; outcome: 'accepted' | 'refused' | null; sessionId: string | null; turnId: string | null;
}
export interface HubTurn {
  turnId: string; sessionId: string; runner: string; ownerId: string; channelId: string; replyRef: string | null;
  followUp: boolean; createdAt: number; shownAt: number | null;
}
/**
 * A prompt the hub posted: a tool's permission (one message, `messageId`), or Claude's questions or
 * plan (`kind`; `ask`: the `permission` event's body as JSON; one message per part, {@link HubPromptPart}).
 */
export interface HubPrompt {
  sessionId: string; key: string; tool: string; channelId: string; messageId: string | null; settledAt: number | null;
  kind?: 'tool' | 'question' | 'plan'; ask?: string | null;
}
/** One message of a question or plan prompt: `part` is the question's index (0 for a plan). */
export interface HubPromptPart { part: number; messageId: string; answeredAt: number | null }

/** One line of the hub's audit log: who did what where, and how it went (as the all-in-one's `audit_log`, plus the runner). */
export interface HubAuditEntry {
  at: number;
  userId: string | null;
  kind: 'command' | 'button' | 'message';
  action: string;
  sessionId: string | null;
  channelId: string | null;
  runner: string | null;
  result: 'ok' | 'refused' | 'error';
  /** The refusal's code or the error's reference. */
  detail: string | null;
}

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

export class SqliteHubStore {
  constructor(private readonly db: Db) {}

  place(channelId: string): HubPlace | null {
    const r = this.db.prepare('SELECT * FROM hub_places WHERE channel_id = ?').get(channelId) as Row | undefined;
    return r ? { channelId: String(r.channel_id), runner: String(r.runner), dir: str(r.dir), boundBy: str(r.bound_by), at: Number(r.at) } : null;
  }

  /** Binds `channelId` to `runner` (`dir`: its directory there; `boundBy`: who, `null` when the hub chose the runner). */
  setPlace(p: HubPlace): void {
    this.db.prepare(`INSERT INTO hub_places (channel_id, runner, dir, bound_by, at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (channel_id) DO UPDATE SET runner = excluded.runner, dir = excluded.dir, bound_by = excluded.bound_by, at = excluded.at`)
      .run(p.channelId, p.runner, p.dir, p.boundBy, p.at);
  }

  /**
   * Places `channelId` on `runner` for the hub (`bound_by` NULL) unless an admin has bound it
   * meanwhile (a `/claude project` racing the hub's choice wins). @returns the channel's place now
   */
  placeUnlessBound(p: Omit<HubPlace, 'dir' | 'boundBy'>): HubPlace {
    this.db.prepare(`INSERT INTO hub_places (channel_id, runner, dir, bound_by, at) VALUES (?, ?, NULL, NULL, ?)
      ON CONFLICT (channel_id) DO UPDATE SET runner = excluded.runner, dir = NULL, at = excluded.at WHERE hub_places.bound_by IS NULL`)
      .run(p.channelId, p.runner, p.at);
    return this.place(p.channelId)!;
  }

  session(sessionId: string): HubSession | null {
    const r = this.db.prepare('SELECT * FROM hub_sessions WHERE session_id = ?').get(sessionId) as Row | undefined;
    return r ? sessionOf(r) : null;
  }

  /** The owner's newest session in a channel. */
  currentSession(ownerId: string, channelId: string): HubSession | null {
    const r = this.db.prepare('SELECT * FROM hub_sessions WHERE owner_id = ? AND channel_id = ? ORDER BY last_at DESC LIMIT 1').get(ownerId, channelId) as Row | undefined;
    return r ? sessionOf(r) : null;
  }

  /**
   * Records where a session lives, or refreshes its time. A session never moves: `false` (nothing
   * written) when the session is known with another runner, owner or channel.
   */
  noteSession(s: HubSession): boolean {
    const known = this.session(s.sessionId);
    if (known && (known.runner !== s.runner || known.ownerId !== s.ownerId || known.channelId !== s.channelId)) return false;
    this.db.prepare(`INSERT INTO hub_sessions (session_id, runner, owner_id, channel_id, last_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (session_id) DO UPDATE SET last_at = max(last_at, excluded.last_at)`)
      .run(s.sessionId, s.runner, s.ownerId, s.channelId, s.lastAt);
    return true;
  }

  /** Whether the hub sent `runner` a message of `ownerId` in `channelId` (a session there may be that runner's). */
  sentTo(runner: string, ownerId: string, channelId: string): boolean {
    return this.db.prepare("SELECT 1 FROM hub_commands WHERE channel_id = ? AND owner_id = ? AND runner = ? AND type IN ('send', 'steer') LIMIT 1")
      .get(channelId, ownerId, runner) !== undefined;
  }

  /**
   * The reply ref to use for a turn whose event names `replyRef`: the one the hub gave `runner` with
   * a command (with the reply's message id once known), else `null` — a runner cannot point the hub
   * at another message.
   */
  issuedReplyRef(runner: string, replyRef: string): string | null {
    const r = this.db.prepare('SELECT coalesce(posted_ref, reply_ref) AS ref FROM hub_commands WHERE reply_ref = ? AND runner = ? LIMIT 1').get(replyRef, runner) as Row | undefined;
    return r ? String(r.ref) : null;
  }

  /** The reply named by `replyRef` now has a message (`posted`): its command and its turns not yet shown use that. */
  postReplyRef(replyRef: string, posted: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE hub_commands SET posted_ref = ? WHERE reply_ref = ?').run(posted, replyRef);
      this.db.prepare('UPDATE hub_turns SET reply_ref = ? WHERE reply_ref = ? AND shown_at IS NULL').run(posted, replyRef);
    })();
  }

  /** Who asked first in a channel, and which runner it went to (a thread whose session the runner has not reported yet). */
  channelAsker(channelId: string): { ownerId: string; runner: string } | null {
    const r = this.db.prepare("SELECT owner_id, runner FROM hub_commands WHERE channel_id = ? AND type IN ('send', 'steer') ORDER BY at LIMIT 1").get(channelId) as Row | undefined;
    return r ? { ownerId: String(r.owner_id), runner: String(r.runner) } : null;
  }

  /** Whether the hub has ever dealt with `runner` (a place, a session or an accepted command). */
  knowsRunner(runner: string): boolean {
    return this.db.prepare(`SELECT 1 FROM hub_places WHERE runner = ? UNION ALL SELECT 1 FROM hub_sessions WHERE runner = ?
      UNION ALL SELECT 1 FROM hub_commands WHERE runner = ? AND outcome IS NOT NULL LIMIT 1`).get(runner, runner, runner) !== undefined;
  }

  deletePlace(channelId: string): void {
    this.db.prepare('DELETE FROM hub_places WHERE channel_id = ?').run(channelId);
  }

  /** The newest session in a channel (a session's thread), whoever owns it. */
  channelSession(channelId: string): HubSession | null {
    const r = this.db.prepare('SELECT * FROM hub_sessions WHERE channel_id = ? ORDER BY last_at DESC LIMIT 1').get(channelId) as Row | undefined;
    return r ? sessionOf(r) : null;
  }

  /**
   * The newest message taken in each channel (messages after it came while the hub was away), for
   * channels the hub sent a command from since `since` (ms since the epoch; every message taken in a
   * thread is one): start-up reads each, two REST calls per thread, so long-quiet threads are left.
   */
  cursors(since: number): Array<{ channelId: string; messageId: string }> {
    return (this.db.prepare(`SELECT c.channel_id, c.message_id FROM hub_cursors c
      WHERE EXISTS (SELECT 1 FROM hub_commands m WHERE m.channel_id = c.channel_id AND m.at >= ?)`).all(since) as Row[])
      .map((r) => ({ channelId: String(r.channel_id), messageId: String(r.message_id) }));
  }

  /** Moves a channel's cursor forward to `messageId` (snowflakes grow with time; never backward). */
  moveCursor(channelId: string, messageId: string): void {
    const known = this.db.prepare('SELECT message_id FROM hub_cursors WHERE channel_id = ?').get(channelId) as Row | undefined;
    if (known && BigInt(String(known.message_id)) >= BigInt(messageId)) return;
    this.db.prepare('INSERT INTO hub_cursors (channel_id, message_id) VALUES (?, ?) ON CONFLICT (channel_id) DO UPDATE SET message_id = excluded.message_id').run(channelId, messageId);
  }

  /** When the newest command was recorded (ms since the epoch), `null` when there is none: the last time the hub worked. */
  lastCommandAt(): number | null {
    const r = this.db.prepare('SELECT max(at) AS at FROM hub_commands').get() as Row;
    return r.at === null ? null : Number(r.at);
  }

  /** Records a command before it is published; `body`: its JSON, kept until published (a hub that dies meanwhile publishes it at start). */
  addCommand(c: Omit<HubCommand, 'outcome' | 'sessionId' | 'turnId'> & { body?: string }): void {
    this.db.prepare(`INSERT OR IGNORE INTO hub_commands (id, runner, type, owner_id, channel_id, reply_ref, at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(c.id, c.runner, c.type, c.ownerId, c.channelId, c.replyRef, c.at, c.body ?? null);
  }

  /** JetStream has the command (its PubAck came): its body is no longer needed. */
  markPublished(id: string, at: number): void {
    this.db.prepare('UPDATE hub_commands SET published_at = ?, body = NULL WHERE id = ?').run(at, id);
  }

  /** Commands recorded since `since` and not published yet, oldest first. */
  unpublished(since: number): Array<{ id: string; runner: string; body: string }> {
    return (this.db.prepare('SELECT id, runner, body FROM hub_commands WHERE published_at IS NULL AND body IS NOT NULL AND at >= ? ORDER BY at').all(since) as Row[])
      .map((r) => ({ id: String(r.id), runner: String(r.runner), body: String(r.body) }));
  }

  command(id: string): HubCommand | null {
    const r = this.db.prepare('SELECT * FROM hub_commands WHERE id = ?').get(id) as Row | undefined;
    if (!r) return null;
    return {
      id: String(r.id), runner: String(r.runner), type: String(r.type), ownerId: str(r.owner_id), channelId: str(r.channel_id), replyRef: str(r.reply_ref),
      at: Number(r.at), outcome: str(r.outcome) as HubCommand['outcome'], sessionId: str(r.session_id), turnId: str(r.turn_id),
    };
  }

  /** Records a command's outcome, as it came at `at` (ms since the epoch). */
  settleCommand(id: string, outcome: 'accepted' | 'refused', sessionId: string | null, turnId: string | null, at: number): void {
    this.db.prepare('UPDATE hub_commands SET outcome = ?, session_id = ?, turn_id = ?, settled_at = ? WHERE id = ?').run(outcome, sessionId, turnId, at, id);
  }

  /** Records a turn to show (once: a second call keeps the first row). */
  addTurn(t: Omit<HubTurn, 'shownAt'>): void {
    this.db.prepare(`INSERT OR IGNORE INTO hub_turns (turn_id, session_id, runner, owner_id, channel_id, reply_ref, follow_up, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(t.turnId, t.sessionId, t.runner, t.ownerId, t.channelId, t.replyRef, t.followUp ? 1 : 0, t.createdAt);
  }

  turn(turnId: string): HubTurn | null {
    const r = this.db.prepare('SELECT * FROM hub_turns WHERE turn_id = ?').get(turnId) as Row | undefined;
    if (!r) return null;
    return {
      turnId: String(r.turn_id), sessionId: String(r.session_id), runner: String(r.runner), ownerId: String(r.owner_id), channelId: String(r.channel_id),
      replyRef: str(r.reply_ref), followUp: r.follow_up === 1, createdAt: Number(r.created_at), shownAt: r.shown_at === null ? null : Number(r.shown_at),
    };
  }

  /** Where the turn's answer is shown, once its message exists. */
  setTurnReplyRef(turnId: string, replyRef: string): void {
    this.db.prepare('UPDATE hub_turns SET reply_ref = ? WHERE turn_id = ?').run(replyRef, turnId);
  }

  /** Discord has the turn's final state. */
  markShown(turnId: string, at: number): void {
    this.db.prepare('UPDATE hub_turns SET shown_at = ? WHERE turn_id = ? AND shown_at IS NULL').run(at, turnId);
  }

  prompt(sessionId: string, key: string): HubPrompt | null {
    const r = this.db.prepare('SELECT * FROM hub_prompts WHERE session_id = ? AND key = ?').get(sessionId, key) as Row | undefined;
    return r ? {
      sessionId: String(r.session_id), key: String(r.key), tool: String(r.tool), channelId: String(r.channel_id), messageId: str(r.message_id),
      settledAt: r.settled_at === null ? null : Number(r.settled_at), kind: String(r.kind) as HubPrompt['kind'], ask: str(r.ask),
    } : null;
  }

  /** Records a prompt, or fills in what a later call knows (its message, when it was settled); `kind` and `ask` are kept from the first. */
  setPrompt(p: HubPrompt): void {
    this.db.prepare(`INSERT INTO hub_prompts (session_id, key, tool, channel_id, message_id, settled_at, kind, ask) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (session_id, key) DO UPDATE SET message_id = coalesce(excluded.message_id, message_id), settled_at = coalesce(excluded.settled_at, settled_at)`)
      .run(p.sessionId, p.key, p.tool, p.channelId, p.messageId, p.settledAt, p.kind ?? 'tool', p.ask ?? null);
  }

  /** The messages of a question or plan prompt, by part. */
  promptParts(sessionId: string, key: string): HubPromptPart[] {
    return (this.db.prepare('SELECT part, message_id, answered_at FROM hub_prompt_parts WHERE session_id = ? AND key = ? ORDER BY part').all(sessionId, key) as Row[])
      .map((r) => ({ part: Number(r.part), messageId: String(r.message_id), answeredAt: r.answered_at === null ? null : Number(r.answered_at) }));
  }

  /** A part's message was posted (a second call for the same part keeps the first message). */
  addPromptPart(sessionId: string, key: string, part: number, messageId: string): void {
    this.db.prepare('INSERT OR IGNORE INTO hub_prompt_parts (session_id, key, part, message_id) VALUES (?, ?, ?, ?)').run(sessionId, key, part, messageId);
  }

  /** A part was answered from this hub. @returns `false` when it was answered before (another click got there first) */
  answerPromptPart(sessionId: string, key: string, part: number, at: number): boolean {
    return this.db.prepare('UPDATE hub_prompt_parts SET answered_at = ? WHERE session_id = ? AND key = ? AND part = ? AND answered_at IS NULL').run(at, sessionId, key, part).changes === 1;
  }

  /**
   * Forgets what showing answers no longer needs: turns shown before `before`, and commands whose
   * outcome came before it (one still waiting in an offline runner's queue is kept: its session's
   * events are trusted because of it). The audit log is kept.
   * @param before ms since the epoch
   * @returns how many rows of each were deleted
   */
  prune(before: number): { turns: number; commands: number } {
    return this.db.transaction(() => ({
      turns: this.db.prepare('DELETE FROM hub_turns WHERE shown_at IS NOT NULL AND shown_at < ?').run(before).changes,
      commands: this.db.prepare('DELETE FROM hub_commands WHERE outcome IS NOT NULL AND coalesce(settled_at, at) < ?').run(before).changes,
    }))();
  }

  audit(e: HubAuditEntry): void {
    this.db.prepare('INSERT INTO hub_audit (at, user_id, kind, action, session_id, channel_id, runner, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.at, e.userId, e.kind, e.action, e.sessionId, e.channelId, e.runner, e.result, e.detail);
  }

  close(): void {
    this.db.close();
  }
}

function sessionOf(r: Row): HubSession {
  return { sessionId: String(r.session_id), runner: String(r.runner), ownerId: String(r.owner_id), channelId: String(r.channel_id), lastAt: Number(r.last_at) };
}

/** What the hub's service reads and writes of its store (implemented by {@link SqliteHubStore}). */
export type HubStore = Omit<SqliteHubStore, 'close'>;
