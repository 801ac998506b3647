/**
 * `Automation`: work without a person at the keyboard — the {@link Scheduler} and the
 * {@link Triggers} — behind one `run` event that the transport turns into turns.
 */
import { EventEmitter } from 'eventemitter3';
import type { Logger } from '../core/logger.js';
import type { AutomationStore } from '../store/automation-types.js';

export type { ScheduleRecord, TriggerRecord, WorktreeRecord } from '../store/automation-types.js';
import type { AuditEntry } from '../store/types.js';
import { Scheduler } from './scheduler.js';
import { Triggers } from './triggers.js';
import type { AutomationEvents } from './unattended.js';

export interface AutomationOptions {
  store: AutomationStore;
  /** IANA time zone of schedules (`SCHEDULE_TZ`). */
  timeZone: string;
  /** Runs per trigger per minute. */
  triggerRatePerMinute: number;
  /** The HTTP listener runs (`TRIGGER_PORT` set). */
  triggersEnabled: boolean;
  cwdFor: (channelId: string) => string;
  audit: (entry: Omit<AuditEntry, 'at'>) => void;
  log: Logger;
  now?: () => number;
}

export class Automation extends EventEmitter<AutomationEvents> {
  readonly schedules: Scheduler;
  readonly triggers: Triggers;

  constructor(readonly opts: AutomationOptions) {
    super();
    const log = opts.log.child({ component: 'automation' });
    this.schedules = new Scheduler({ store: opts.store, events: this, timeZone: opts.timeZone, log, now: opts.now });
    this.triggers = new Triggers({
      store: opts.store, events: this, cwdFor: opts.cwdFor, ratePerMinute: opts.triggerRatePerMinute,
      enabled: opts.triggersEnabled, audit: opts.audit, log, now: opts.now,
    });
  }

  get store(): AutomationStore {
    return this.opts.store;
  }

  /** Starts keeping time; call once the transport can start runs (left-over runs are its to finish first). */
  start(): void {
    this.schedules.start();
  }

  stop(): void {
    this.schedules.stop();
  }
}
