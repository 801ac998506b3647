/**
 * Usage limits and Claude's todo list as Discord text: the note on a turn waiting for a usage
 * limit to reset (with its Cancel button), the warning when a plan limit nears, and the todo
 * checklist. Times use Discord's timestamp markdown (`<t:unix:t>` short time, `<t:unix:R>`
 * relative; Discord API docs, "Message Formatting"), which each reader sees in their own time zone.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, escapeMarkdown } from 'discord.js';
import { makeComponentId, type BridgeSessionId } from '../../core/ids.js';
import type { TodoItem } from '../../sessions/todos.js';
import type { RateLimitInfo } from '../../sessions/turn.js';
import type { ButtonRow } from './components.js';

/** `<t:…:t> (<t:…:R>)` for an epoch-ms time. */
export function when(ms: number): string {
  const s = Math.round(ms / 1000);
  return `<t:${s}:t> (<t:${s}:R>)`;
}

/** "⏸️ Usage limit reached; this will be answered at 14:05 (in 2 hours)." */
export function parkedNote(until: number): string {
  return `⏸️ Usage limit reached; this will be answered at ${when(until)}.`;
}

/** Under a turn waiting for a usage limit: Cancel. */
export function parkedRow(sessionId: BridgeSessionId, turnId: string): ButtonRow {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(makeComponentId('unpark', sessionId, turnId)).setLabel('Cancel').setStyle(ButtonStyle.Secondary),
  );
}

const WINDOWS: Record<string, string> = {
  five_hour: '5-hour limit', seven_day: 'weekly limit', seven_day_opus: 'weekly Opus limit',
  seven_day_sonnet: 'weekly Sonnet limit', seven_day_overage_included: 'weekly limit', overage: 'extra usage',
};

/** A plan window's name in words ("5-hour limit", "weekly limit"). */
export function windowName(type: string | undefined): string {
  return (type && WINDOWS[type]) ?? 'usage limit';
}

/**
 * "⚠️ 92% of the 5-hour limit used · resets <t:…:R>" for a `rate_limit_event` with
 * `status: "allowed_warning"` whose window has not reset yet; else `null`.
 */
export function limitWarning(info: RateLimitInfo | null | undefined, now: number): string | null {
  if (info?.status !== 'allowed_warning') return null;
  if (typeof info.resetsAt === 'number' && info.resetsAt * 1000 <= now) return null;
  const used = typeof info.utilization === 'number' ? `${Math.round(info.utilization * 100)}% of the ` : 'near the ';
  const reset = typeof info.resetsAt === 'number' ? ` · resets <t:${info.resetsAt}:R>` : '';
  return `⚠️ ${used}${windowName(info.rateLimitType)} used${reset}`;
}

const MARK: Record<TodoItem['status'], string> = { pending: '☐', in_progress: '⏳', completed: '✅' };

/** The checklist message: a head line with the count done, then one line per item (≤ 2000 chars). */
export function checklist(items: readonly TodoItem[]): string {
  const done = items.filter((i) => i.status === 'completed').length;
  const lines = items.map((i) => {
    const text = escapeMarkdown(oneLine(i.status === 'in_progress' && i.activeForm ? i.activeForm : i.subject, 120));
    return `${MARK[i.status]} ${i.status === 'in_progress' ? `**${text}**` : text}`;
  });
  const head = `📋 **Todo** · ${done}/${items.length} done`;
  let body = lines.join('\n');
  while (body.length > 1900 && lines.length > 1) {
    lines.pop();
    body = `${lines.join('\n')}\n… ${items.length - lines.length} more`;
  }
  return `${head}\n${body}`;
}

function oneLine(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
