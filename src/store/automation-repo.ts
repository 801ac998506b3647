/** `SqliteAutomationStore`: the {@link AutomationStore} on better-sqlite3, on the sessions' database. */
import type { Db } from './db.js';
import type { AutomationStore, ScheduleRecord, TriggerRecord, WorktreeRecord } from './automation-types.js';
import type { IntentRecord } from './types.js';

const SCHEDULE_SELECT = `SELECT id, owner_id AS ownerId, guild_id AS guildId, channel_id AS channelId, thread_mode AS threadMode,
  spec, cron, tz, prompt, paused, next_due_at AS nextDueAt, last_run_at AS lastRunAt, created_at AS createdAt FROM schedules`;
const TRIGGER_SELECT = `SELECT name, owner_id AS ownerId, guild_id AS guildId, channel_id AS channelId, prompt, secret,
  created_at AS createdAt FROM triggers`;
const WORKTREE_SELECT = `SELECT session_id AS sessionId, repo, path, branch, base, created_at AS createdAt FROM session_worktrees`;

type ScheduleRow = Omit<ScheduleRecord, 'paused'> & { paused: number };
const schedule = (r: ScheduleRow): ScheduleRecord => ({ ...r, paused: r.paused !== 0 });

export class SqliteAutomationStore implements AutomationStore {
  constructor(private readonly db: Db) {}

  insertSchedule(s: ScheduleRecord): void {
    this.db.prepare(`INSERT INTO schedules (id, owner_id, guild_id, channel_id, thread_mode, spec, cron, tz, prompt, paused, next_due_at, last_run_at, created_at)
      VALUES (@id, @ownerId, @guildId, @channelId, @threadMode, @spec, @cron, @tz, @prompt, @paused, @nextDueAt, @lastRunAt, @createdAt)`)
      .run({ ...s, paused: s.paused ? 1 : 0 });
  }

  getSchedule(id: string): ScheduleRecord | null {
    const r = this.db.prepare(`${SCHEDULE_SELECT} WHERE id = ?`).get(id) as ScheduleRow | undefined;
    return r ? schedule(r) : null;
  }

  listSchedules(): ScheduleRecord[] {
    return (this.db.prepare(`${SCHEDULE_SELECT} ORDER BY created_at`).all() as ScheduleRow[]).map(schedule);
  }

  setSchedulePaused(id: string, paused: boolean, nextDueAt: number | null): void {
    this.db.prepare('UPDATE schedules SET paused = ?, next_due_at = ? WHERE id = ?').run(paused ? 1 : 0, nextDueAt, id);
  }

  deleteSchedule(id: string): void {
    this.db.prepare('DELETE FROM schedules WHERE id = ?').run(id);
  }

  recordScheduleRun(id: string, dueAt: number, nextDueAt: number | null, run: IntentRecord): boolean {
    return this.db.transaction(() => {
      const moved = this.db.prepare('UPDATE schedules SET next_due_at = ?, last_run_at = ? WHERE id = ? AND paused = 0 AND next_due_at = ?')
        .run(nextDueAt, run.createdAt, id, dueAt);
      if (moved.changes === 0) return false;
      this.insertIntent(run);
      return true;
    })();
  }

  insertTrigger(t: TriggerRecord): void {
    this.db.prepare(`INSERT INTO triggers (name, owner_id, guild_id, channel_id, prompt, secret, created_at)
      VALUES (@name, @ownerId, @guildId, @channelId, @prompt, @secret, @createdAt)`).run(t);
  }

  getTrigger(name: string): TriggerRecord | null {
    return (this.db.prepare(`${TRIGGER_SELECT} WHERE name = ?`).get(name) as TriggerRecord | undefined) ?? null;
  }

  listTriggers(): TriggerRecord[] {
    return this.db.prepare(`${TRIGGER_SELECT} ORDER BY name`).all() as TriggerRecord[];
  }

  deleteTrigger(name: string): void {
    this.db.prepare('DELETE FROM triggers WHERE name = ?').run(name);
  }

  recordTriggerDelivery(name: string, deliveryId: string, at: number, run: IntentRecord): boolean {
    return this.db.transaction(() => {
      const seen = this.db.prepare('INSERT OR IGNORE INTO trigger_deliveries (trigger_name, delivery_id, at) VALUES (?, ?, ?)').run(name, deliveryId, at);
      if (seen.changes === 0) return false;
      this.insertIntent(run);
      return true;
    })();
  }

  getWorktree(sessionId: string): WorktreeRecord | null {
    return (this.db.prepare(`${WORKTREE_SELECT} WHERE session_id = ?`).get(sessionId) as WorktreeRecord | undefined) ?? null;
  }

  listWorktrees(): WorktreeRecord[] {
    return this.db.prepare(`${WORKTREE_SELECT} ORDER BY created_at`).all() as WorktreeRecord[];
  }

  insertWorktree(w: WorktreeRecord): void {
    this.db.prepare(`INSERT INTO session_worktrees (session_id, repo, path, branch, base, created_at)
      VALUES (@sessionId, @repo, @path, @branch, @base, @createdAt)`).run(w);
  }

  deleteWorktree(sessionId: string): void {
    this.db.prepare('DELETE FROM session_worktrees WHERE session_id = ?').run(sessionId);
  }

  channelWorktrees(channelId: string): boolean {
    return (this.db.prepare('SELECT worktrees FROM channel_settings WHERE channel_id = ?').get(channelId) as { worktrees: number } | undefined)?.worktrees === 1;
  }

  setChannelWorktrees(channelId: string, on: boolean): void {
    this.db.prepare(`INSERT INTO channel_settings (channel_id, worktrees) VALUES (?, ?)
      ON CONFLICT (channel_id) DO UPDATE SET worktrees = excluded.worktrees`).run(channelId, on ? 1 : 0);
  }

  private insertIntent(i: IntentRecord): void {
    this.db.prepare('INSERT INTO intents (id, kind, payload, created_at) VALUES (?, ?, ?, ?)').run(i.id, i.kind, i.payload, i.createdAt);
  }
}
