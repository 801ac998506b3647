/**
 * `Scheduler`: prompts run on cron patterns ({@link parseScheduleSpec}). One timer for the soonest
 * due schedule. A due run is recorded (an intent, {@link RUN_INTENT}) in the same transaction that
 * moves the schedule's next-due time, then emitted as `run` for the transport to start. At start,
 * a schedule whose run fell due while the bot was down runs once, marked late — never once per
 * missed time — and goes on from the next time after now.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventEmitter } from 'eventemitter3';
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AutomationStore, ScheduleRecord } from '../store/automation-types.js';
import { parseScheduleSpec } from './schedule-spec.js';
import { RUN_INTENT, type AutomationEvents, type UnattendedRun } from './unattended.js';

/** The longest a timer is set for, ms: later runs are re-armed (setTimeout takes at most 2^31-1 ms). */
const MAX_TIMER_MS = 60_000;
/** A run started this long after its time by a late timer (a loaded machine) still counts as on time, ms. */
const ON_TIME_MS = 60_000;

export interface SchedulerOptions {
  store: AutomationStore;
  /** Receives `run` events. */
  events: EventEmitter<AutomationEvents>;
  /** IANA time zone of new schedules (`SCHEDULE_TZ`). */
  timeZone: string;
  log: Logger;
  now?: () => number;
}

/** The shortest time between two runs of a schedule a non-admin may add, ms. */
export const MIN_GAP_MS = 60_000;

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private readonly now: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Runs what fell due while the bot was down (once each, late), then keeps time. */
  start(): void {
    this.started = true;
    this.tick(true);
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * A new schedule of `owner` in `channelId`. Runs closer together than {@link MIN_GAP_MS} (each one
   * a turn, a thread, API spend) need `often` (the transport sets it for admins).
   * @throws BridgeError `SCHEDULE_INVALID`, `SCHEDULE_TOO_OFTEN`
   */
  add(s: Pick<ScheduleRecord, 'ownerId' | 'guildId' | 'channelId' | 'threadMode' | 'spec' | 'prompt'>, o: { often?: boolean } = {}): ScheduleRecord {
    const spec = parseScheduleSpec(s.spec, this.opts.timeZone);
    const t = this.now();
    const nextDueAt = spec.nextAfter(t);
    if (nextDueAt === null) throw new BridgeError('SCHEDULE_INVALID', { when: s.spec.slice(0, 100) });
    const after = spec.nextAfter(nextDueAt);
    if (!o.often && after !== null && after - nextDueAt < MIN_GAP_MS) throw new BridgeError('SCHEDULE_TOO_OFTEN', { when: s.spec.slice(0, 100) });
    const record: ScheduleRecord = {
      ...s, id: randomBytes(4).toString('hex'), cron: spec.cron, tz: this.opts.timeZone, paused: false, nextDueAt, lastRunAt: null, createdAt: t,
    };
    this.opts.store.insertSchedule(record);
    this.opts.log.info({ schedule: record.id, cron: record.cron, tz: record.tz, nextDueAt }, 'schedule added');
    this.arm();
    return record;
  }

  /** Every schedule, oldest first (the transport filters by owner). */
  list(): ScheduleRecord[] {
    return this.opts.store.listSchedules();
  }

  /** @throws BridgeError `SCHEDULE_NOT_FOUND` */
  get(id: string): ScheduleRecord {
    const s = this.opts.store.getSchedule(id);
    if (!s) throw new BridgeError('SCHEDULE_NOT_FOUND', { id: id.slice(0, 40) });
    return s;
  }

  /** Pauses (no runs, none owed later) or resumes (from the next time after now). @throws BridgeError `SCHEDULE_NOT_FOUND` */
  setPaused(id: string, paused: boolean): ScheduleRecord {
    const s = this.get(id);
    const next = paused ? null : parseScheduleSpec(s.cron, s.tz).nextAfter(this.now());
    this.opts.store.setSchedulePaused(id, paused, next);
    this.arm();
    return { ...s, paused, nextDueAt: next };
  }

  /** Deletes schedule `id`; a run already recorded still runs. @throws BridgeError `SCHEDULE_NOT_FOUND` */
  remove(id: string): void {
    this.get(id);
    this.opts.store.deleteSchedule(id);
    this.arm();
  }

  /** Records and emits every due run; `atStart`: those due before now ran while the bot was down. */
  private tick(atStart = false): void {
    const t = this.now();
    for (const s of this.opts.store.listSchedules()) {
      if (s.paused || s.nextDueAt === null || s.nextDueAt > t) continue;
      try {
        this.fire(s, s.nextDueAt, t, atStart || t - s.nextDueAt > ON_TIME_MS);
      } catch (err) {
        this.opts.log.error({ err, schedule: s.id }, 'a scheduled run could not be recorded');
      }
    }
    this.arm();
  }

  private fire(s: ScheduleRecord, dueAt: number, t: number, late: boolean): void {
    // The next time strictly after now: runs missed meanwhile collapse into this one.
    const next = parseScheduleSpec(s.cron, s.tz).nextAfter(Math.max(t, dueAt));
    const run: UnattendedRun = {
      source: 'schedule', sourceId: s.id, label: s.spec, ownerId: s.ownerId, guildId: s.guildId, channelId: s.channelId,
      threadMode: s.threadMode, prompt: s.prompt, dueAt, late,
    };
    const intent = { id: randomUUID(), kind: RUN_INTENT, payload: JSON.stringify(run), createdAt: t };
    if (!this.opts.store.recordScheduleRun(s.id, dueAt, next, intent)) return;
    this.opts.log.info({ schedule: s.id, run: intent.id, dueAt, late, next }, 'scheduled run recorded');
    this.opts.events.emit('run', intent.id, run);
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.started) return;
    const due = this.opts.store.listSchedules().filter((s) => !s.paused && s.nextDueAt !== null).map((s) => s.nextDueAt!);
    if (due.length === 0) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Math.min(...due) - this.now()));
    this.timer = setTimeout(() => this.tick(), wait);
    this.timer.unref();
  }
}
