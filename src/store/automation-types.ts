/**
 * Records and store contract of work without a person at the keyboard (issue 14): schedules,
 * triggers, their runs (recorded as intents before they reach a session), and git worktrees.
 */
import type { IntentRecord } from './types.js';

/** A prompt run on a cron pattern. */
export interface ScheduleRecord {
  /** 8 lowercase hex chars. */
  id: string;
  ownerId: string;
  guildId: string | null;
  /** Where it was created: the channel (or thread) its runs go to. */
  channelId: string;
  /** `new`: each run opens a thread of its own; `this`: runs go to the owner's session in the channel. */
  threadMode: 'new' | 'this';
  /** What the user typed (`0 9 * * 1-5`, `every weekday at 9:00`). */
  spec: string;
  /** The croner pattern it stands for (5 or 6 fields). */
  cron: string;
  /** IANA time zone the pattern is read in. */
  tz: string;
  prompt: string;
  paused: boolean;
  /** Epoch ms of the next run; `null` when the pattern has no future run. */
  nextDueAt: number | null;
  /** Epoch ms of the last run recorded. */
  lastRunAt: number | null;
  createdAt: number;
}

/** A prompt template started by a signed HTTP request (`POST /triggers/<name>`). */
export interface TriggerRecord {
  /** 1–32 chars of `[a-z0-9_-]`. */
  name: string;
  ownerId: string;
  guildId: string | null;
  channelId: string;
  prompt: string;
  /** The HMAC-SHA256 key (hex). Never logged, never shown again after creation. */
  secret: string;
  createdAt: number;
}

/** A session working in a git worktree of a repository. */
export interface WorktreeRecord {
  sessionId: string;
  /** Realpath of the repository's main checkout. */
  repo: string;
  /** Realpath of the worktree. */
  path: string;
  /** `claude/<slug>`. */
  branch: string;
  /** The branch it was made from, which Merge fast-forwards. */
  base: string;
  createdAt: number;
}

export interface AutomationStore {
  insertSchedule(s: ScheduleRecord): void;
  getSchedule(id: string): ScheduleRecord | null;
  listSchedules(): ScheduleRecord[];
  setSchedulePaused(id: string, paused: boolean, nextDueAt: number | null): void;
  deleteSchedule(id: string): void;
  /**
   * Records a run (`run`: an intent, finished when its prompt is accepted) and moves the schedule to
   * `nextDueAt`, in one transaction: a crash before it leaves the run due, a crash after it leaves
   * the intent for start-up. `false` (nothing written) when the schedule was not due at `dueAt`
   * any more (paused, removed, or already recorded).
   */
  recordScheduleRun(id: string, dueAt: number, nextDueAt: number | null, run: IntentRecord): boolean;
  insertTrigger(t: TriggerRecord): void;
  getTrigger(name: string): TriggerRecord | null;
  listTriggers(): TriggerRecord[];
  deleteTrigger(name: string): void;
  /**
   * Records a delivery and its run in one transaction. `false` (nothing written) when this
   * delivery id was seen before for this trigger (a replay).
   */
  recordTriggerDelivery(name: string, deliveryId: string, at: number, run: IntentRecord): boolean;
  getWorktree(sessionId: string): WorktreeRecord | null;
  /** Every session's worktree, oldest first. */
  listWorktrees(): WorktreeRecord[];
  insertWorktree(w: WorktreeRecord): void;
  deleteWorktree(sessionId: string): void;
  /** Whether new sessions in this channel work in worktrees. */
  channelWorktrees(channelId: string): boolean;
  setChannelWorktrees(channelId: string, on: boolean): void;
}
