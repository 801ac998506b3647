/** `SqliteSessionStore`: the {@link SessionStore} on better-sqlite3 (prepared statements, snake_case columns). */
import type { BridgeSessionId, Snowflake } from '../core/ids.js';
import type { Db } from './db.js';
import type { AuditEntry, IntentRecord, SessionPatch, SessionRecord, SessionStore, TurnRecord } from './types.js';

const COLUMNS: Record<keyof SessionRecord, string> = {
  id: 'id', ownerId: 'owner_id', guildId: 'guild_id', channelId: 'channel_id', cwd: 'cwd',
  claudeSessionId: 'claude_session_id', parentSessionId: 'parent_session_id', forkFrom: 'fork_from', forkAt: 'fork_at',
  alwaysAllow: 'always_allow',
  model: 'model', permissionMode: 'permission_mode', state: 'state',
  backend: 'backend', outputOffset: 'output_offset', createdAt: 'created_at', updatedAt: 'updated_at',
  lastActivityAt: 'last_activity_at', messageCount: 'message_count', turnCount: 'turn_count',
  inputTokens: 'input_tokens', outputTokens: 'output_tokens', costUsd: 'cost_usd',
};
const KEYS = Object.keys(COLUMNS) as Array<keyof SessionRecord>;
const SELECT = `SELECT ${KEYS.map((k) => `${COLUMNS[k]} AS ${k}`).join(', ')} FROM sessions`;
const TURN_SELECT = `SELECT id, session_id AS sessionId, seq, prompt, images, reply_ref AS replyRef, state, created_at AS createdAt,
  steer_uuid AS steerUuid, steered_into AS steeredInto, result, parked_until AS parkedUntil, write_uuid AS writeUuid FROM turns`;

export class SqliteSessionStore implements SessionStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly currentStmt;
  private readonly byOwnerStmt;
  private readonly liveStmt;
  private readonly turnsStmt;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    this.insertStmt = db.prepare(
      `INSERT INTO sessions (${KEYS.map((k) => COLUMNS[k]).join(', ')}) VALUES (${KEYS.map((k) => `@${k}`).join(', ')})`,
    );
    this.getStmt = db.prepare(`${SELECT} WHERE id = ?`);
    this.currentStmt = db.prepare(
      `${SELECT} WHERE owner_id = ? AND channel_id = ? AND state != 'stopped' ORDER BY last_activity_at DESC LIMIT 1`,
    );
    this.byOwnerStmt = db.prepare(`${SELECT} WHERE owner_id = ? ORDER BY last_activity_at DESC`);
    this.liveStmt = db.prepare(
      `${SELECT} WHERE backend IS NOT NULL OR id IN (SELECT session_id FROM turns) ORDER BY last_activity_at DESC`,
    );
    this.turnsStmt = db.prepare(`${TURN_SELECT} WHERE session_id = ? ORDER BY seq`);
  }

  insert(record: SessionRecord): void {
    this.insertStmt.run(record);
  }

  update(id: BridgeSessionId, patch: SessionPatch): void {
    const keys = (Object.keys(patch) as Array<keyof SessionPatch>).filter((k) => k in COLUMNS && patch[k] !== undefined);
    const sets = [...keys.map((k) => `${COLUMNS[k]} = @${k}`), 'updated_at = @__now'];
    const params: Record<string, unknown> = { __now: this.now(), __id: id };
    for (const k of keys) params[k] = patch[k];
    this.db.prepare(`UPDATE sessions SET ${sets.join(', ')} WHERE id = @__id`).run(params);
  }

  get(id: BridgeSessionId): SessionRecord | null {
    return (this.getStmt.get(id) as SessionRecord | undefined) ?? null;
  }

  findCurrent(ownerId: Snowflake, channelId: Snowflake): SessionRecord | null {
    return (this.currentStmt.get(ownerId, channelId) as SessionRecord | undefined) ?? null;
  }

  listByOwner(ownerId: Snowflake): SessionRecord[] {
    return this.byOwnerStmt.all(ownerId) as SessionRecord[];
  }

  findByClaudeId(claudeSessionId: string): SessionRecord | null {
    return (this.db.prepare(`${SELECT} WHERE claude_session_id = ?`).get(claudeSessionId) as SessionRecord | undefined) ?? null;
  }

  listRestorable(): SessionRecord[] {
    return this.liveStmt.all() as SessionRecord[];
  }

  recordPermission(d: { sessionId: BridgeSessionId; requestId: string; tool: string; decision: 'allow' | 'deny'; decidedBy: string | null; decidedAt: number }): void {
    this.db.prepare(`INSERT OR IGNORE INTO permission_decisions (session_id, request_id, tool, decision, decided_by, decided_at)
      VALUES (@sessionId, @requestId, @tool, @decision, @decidedBy, @decidedAt)`).run(d);
  }

  recordQuestionAnswer(a: { sessionId: BridgeSessionId; requestId: string; question: number; answer: string; answeredBy: string }): void {
    this.db.prepare(`INSERT OR IGNORE INTO question_answers (session_id, request_id, question, answer, answered_by)
      VALUES (@sessionId, @requestId, @question, @answer, @answeredBy)`).run(a);
  }

  deleteQuestionAnswers(sessionId: BridgeSessionId, requestId: string): void {
    this.db.prepare('DELETE FROM question_answers WHERE session_id = ? AND request_id = ?').run(sessionId, requestId);
  }

  listQuestionAnswers(sessionId: BridgeSessionId, requestId: string): Array<{ question: number; answer: string; answeredBy: string }> {
    return this.db.prepare(`SELECT question, answer, answered_by AS answeredBy FROM question_answers
      WHERE session_id = ? AND request_id = ? ORDER BY question`).all(sessionId, requestId) as Array<{ question: number; answer: string; answeredBy: string }>;
  }

  isPermissionDecided(sessionId: BridgeSessionId, requestId: string): boolean {
    return this.db.prepare('SELECT 1 FROM permission_decisions WHERE session_id = ? AND request_id = ?').get(sessionId, requestId) !== undefined;
  }

  listAll(): SessionRecord[] {
    return this.db.prepare(`${SELECT} ORDER BY last_activity_at DESC`).all() as SessionRecord[];
  }

  boundClaudeIds(): Set<string> {
    return new Set((this.db.prepare('SELECT claude_session_id AS id FROM sessions').all() as Array<{ id: string }>).map((r) => r.id));
  }

  listIds(): Set<string> {
    return new Set((this.db.prepare('SELECT id FROM sessions').all() as Array<{ id: string }>).map((r) => r.id));
  }

  delete(id: BridgeSessionId): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }

  addTurn(t: TurnRecord, o: { absorb?: readonly string[]; intentId?: string; cursor?: { channelId: string; messageId: string }; commandId?: string } = {}): void {
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO turns (id, session_id, seq, prompt, images, reply_ref, state, created_at, steer_uuid, steered_into)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(t.id, t.sessionId, t.seq, t.prompt, t.images ?? null, t.replyRef, t.state, t.createdAt, t.steerUuid ?? null, t.steeredInto ?? null);
      for (const id of o.absorb ?? []) this.db.prepare('DELETE FROM turns WHERE id = ?').run(id);
      if (o.intentId) this.db.prepare('DELETE FROM intents WHERE id = ?').run(o.intentId);
      if (o.cursor) this.advanceCursor(o.cursor.channelId, o.cursor.messageId);
      if (o.commandId) {
        this.db.prepare('INSERT INTO remote_commands (id, session_id, turn_id, at) VALUES (?, ?, ?, ?)').run(o.commandId, t.sessionId, t.id, t.createdAt);
      }
    })();
  }

  findCommand(id: string): { sessionId: string | null; turnId: string | null } | null {
    const row = this.db.prepare('SELECT session_id AS sessionId, turn_id AS turnId FROM remote_commands WHERE id = ?').get(id) as
      { sessionId: string | null; turnId: string | null } | undefined;
    return row ?? null;
  }

  recordCommand(id: string, sessionId: string | null, at: number): void {
    this.db.prepare('INSERT OR IGNORE INTO remote_commands (id, session_id, turn_id, at) VALUES (?, ?, NULL, ?)').run(id, sessionId, at);
  }

  pruneCommands(before: number): number {
    return this.db.prepare('DELETE FROM remote_commands WHERE at < ?').run(before).changes;
  }

  advanceCursor(channelId: string, messageId: string): void {
    this.db.prepare(`INSERT INTO channel_cursors (channel_id, last_message_id) VALUES (?, ?)
      ON CONFLICT (channel_id) DO UPDATE SET last_message_id = MAX(last_message_id, excluded.last_message_id)`).run(channelId, BigInt(messageId));
  }

  listCursors(): Array<{ channelId: string; messageId: string }> {
    return (this.db.prepare('SELECT channel_id AS channelId, CAST(last_message_id AS TEXT) AS messageId FROM channel_cursors').all() as Array<{ channelId: string; messageId: string }>);
  }

  markSteered(id: string, uuid: string, intoId: string): void {
    this.db.prepare('UPDATE turns SET steer_uuid = ?, steered_into = ? WHERE id = ?').run(uuid, intoId, id);
  }

  unsteer(id: string): void {
    this.db.prepare('UPDATE turns SET steer_uuid = NULL, steered_into = NULL WHERE id = ?').run(id);
  }

  setTurnAnswered(id: string, result: string, outputOffset: number | null, left: readonly string[] = []): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE turns SET state = 'answered', result = ? WHERE id = ?").run(result, id);
      for (const l of left) this.db.prepare('UPDATE turns SET steered_into = NULL WHERE id = ?').run(l);
      if (outputOffset !== null) {
        this.db.prepare('UPDATE sessions SET output_offset = ?, updated_at = ? WHERE id = (SELECT session_id FROM turns WHERE id = ?)')
          .run(outputOffset, this.now(), id);
      }
    })();
  }

  parkTurn(id: string, until: number, writeUuid: string, outputOffset: number | null, left: readonly string[] = []): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE turns SET state = 'queued', parked_until = ?, write_uuid = ? WHERE id = ?").run(until, writeUuid, id);
      for (const l of left) this.db.prepare('UPDATE turns SET steered_into = NULL WHERE id = ?').run(l);
      if (outputOffset !== null) {
        this.db.prepare('UPDATE sessions SET output_offset = ?, updated_at = ? WHERE id = (SELECT session_id FROM turns WHERE id = ?)')
          .run(outputOffset, this.now(), id);
      }
    })();
  }

  unparkTurn(id: string): void {
    this.db.prepare('UPDATE turns SET parked_until = NULL WHERE id = ?').run(id);
  }

  setTurnState(id: string, state: 'queued' | 'running', writeUuid?: string): void {
    if (writeUuid) this.db.prepare('UPDATE turns SET state = ?, write_uuid = ? WHERE id = ?').run(state, writeUuid, id);
    else this.db.prepare('UPDATE turns SET state = ? WHERE id = ?').run(state, id);
  }

  setTurnReplyRef(id: string, replyRef: string): void {
    this.db.prepare('UPDATE turns SET reply_ref = ? WHERE id = ?').run(replyRef, id);
  }

  listTurns(sessionId: BridgeSessionId): TurnRecord[] {
    return this.turnsStmt.all(sessionId) as TurnRecord[];
  }

  completeTurn(sessionId: BridgeSessionId, turnId: string): void {
    this.db.prepare('DELETE FROM turns WHERE session_id = ? AND (id = ? OR steered_into = ?)').run(sessionId, turnId, turnId);
  }

  addIntent(i: IntentRecord): void {
    this.db.prepare('INSERT OR REPLACE INTO intents (id, kind, payload, created_at) VALUES (?, ?, ?, ?)').run(i.id, i.kind, i.payload, i.createdAt);
  }

  listIntents(): IntentRecord[] {
    return this.db.prepare('SELECT id, kind, payload, created_at AS createdAt FROM intents ORDER BY created_at').all() as IntentRecord[];
  }

  deleteIntent(id: string): void {
    this.db.prepare('DELETE FROM intents WHERE id = ?').run(id);
  }

  findInChannel(channelId: Snowflake): SessionRecord | null {
    const sql = `${SELECT} WHERE channel_id = ? AND state != 'stopped' ORDER BY last_activity_at DESC LIMIT 1`;
    return (this.db.prepare(sql).get(channelId) as SessionRecord | undefined) ?? null;
  }

  recordAudit(e: AuditEntry): void {
    this.db.prepare(`INSERT INTO audit_log (at, user_id, kind, action, session_id, channel_id, result, detail)
      VALUES (@at, @userId, @kind, @action, @sessionId, @channelId, @result, @detail)`).run(e);
  }

  listAudit(limit: number): AuditEntry[] {
    return this.db.prepare(`SELECT at, user_id AS userId, kind, action, session_id AS sessionId, channel_id AS channelId, result, detail
      FROM audit_log ORDER BY at DESC, id DESC LIMIT ?`).all(limit) as AuditEntry[];
  }

  getChannelDir(channelId: Snowflake): string | null {
    return (this.db.prepare('SELECT cwd FROM channel_dirs WHERE channel_id = ?').get(channelId) as { cwd: string } | undefined)?.cwd ?? null;
  }

  setChannelDir(channelId: Snowflake, cwd: string, setBy: Snowflake, at: number): void {
    this.db.prepare(`INSERT INTO channel_dirs (channel_id, cwd, set_by, set_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (channel_id) DO UPDATE SET cwd = excluded.cwd, set_by = excluded.set_by, set_at = excluded.set_at`).run(channelId, cwd, setBy, at);
  }

  close(): void {
    this.db.close();
  }
}
