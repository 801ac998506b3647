/**
 * What `/claude schedule add when:` accepts: a cron pattern (5 fields, or 6 with seconds first, as
 * croner reads them; nicknames like `@daily`) or a few plain phrases, each turned into a pattern:
 *
 * | phrase | pattern |
 * | --- | --- |
 * | `every weekday at 9:00` | `0 9 * * 1-5` |
 * | `every day at 18:30`, `daily at 6pm` | `30 18 * * *`, `0 18 * * *` |
 * | `every monday at 9:00`, `every mon,thu at 8am` | `0 9 * * 1`, `0 8 * * 1,4` |
 * | `every weekend at 10:00` | `0 10 * * 0,6` |
 * | `every hour`, `every 2 hours` | `0 * * * *`, `0 *\/2 * * *` |
 * | `every 15 minutes`, `every 10 seconds` | `*\/15 * * * *`, `*\/10 * * * * *` |
 *
 * Times are read in the schedule's time zone (`SCHEDULE_TZ`, default the host's).
 */
import { Cron } from 'croner';
import { BridgeError } from '../core/errors.js';

const DAYS: Record<string, number> = {
  sun: 0, sunday: 0, mon: 1, monday: 1, tue: 2, tues: 2, tuesday: 2, wed: 3, wednesday: 3,
  thu: 4, thur: 4, thurs: 4, thursday: 4, fri: 5, friday: 5, sat: 6, saturday: 6,
};

/** `9:00`, `09:30`, `9am`, `5:30 pm` → [hour, minute]; `null` when it is not a time. */
function parseTime(text: string): [number, number] | null {
  const m = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$/.exec(text.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) return null;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  if (m[3]) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (m[3] === 'pm' ? 12 : 0);
  }
  return hour <= 23 && minute <= 59 ? [hour, minute] : null;
}

/** A plain phrase as a croner pattern; `null` when `spec` is not one of the phrases. */
export function phraseToCron(spec: string): string | null {
  const s = spec.trim().toLowerCase().replace(/\s+/g, ' ');
  const interval = /^every (\d+ )?(second|minute|hour)s?$/.exec(s);
  if (interval) {
    const n = Number(interval[1] ?? 1);
    if (!Number.isInteger(n) || n < 1 || n > (interval[2] === 'hour' ? 23 : 59)) return null;
    const step = n === 1 ? '*' : `*/${n}`;
    if (interval[2] === 'second') return `${step} * * * * *`;
    return interval[2] === 'minute' ? `${step} * * * *` : `0 ${step} * * *`;
  }
  const at = /^(?:every (.+?)|daily) at (.+)$/.exec(s);
  if (!at) return null;
  const time = parseTime(at[2]!);
  if (!time) return null;
  const days = at[1];
  let dow: string;
  if (days === undefined || days === 'day') dow = '*';
  else if (days === 'weekday') dow = '1-5';
  else if (days === 'weekend') dow = '0,6';
  else {
    const list = days.split(/\s*(?:,|and)\s*/).map((d) => DAYS[d.replace(/s$/, '')] ?? DAYS[d]);
    if (list.some((d) => d === undefined)) return null;
    dow = [...new Set(list)].sort().join(',');
  }
  return `${time[1]} ${time[0]} * * ${dow}`;
}

/** A parsed `when:`: the pattern and a job that computes its runs in `tz`. */
export interface ScheduleSpec {
  cron: string;
  /** The next run strictly after `after` (epoch ms), or `null` when there is none. */
  nextAfter(after: number): number | null;
}

/**
 * Reads a `when:` in time zone `tz` (IANA name).
 * @throws BridgeError `SCHEDULE_INVALID` when it is neither a phrase above nor a cron pattern croner accepts
 */
export function parseScheduleSpec(spec: string, tz: string): ScheduleSpec {
  const cron = phraseToCron(spec) ?? spec.trim();
  let job: Cron;
  try {
    job = new Cron(cron, { paused: true, timezone: tz });
  } catch (err) {
    throw new BridgeError('SCHEDULE_INVALID', { when: spec.slice(0, 100) }, { cause: err });
  }
  return { cron, nextAfter: (after) => job.nextRun(new Date(after))?.getTime() ?? null };
}

/** The host's time zone (the default of `SCHEDULE_TZ`). */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
