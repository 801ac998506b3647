/**
 * `/claude usage` as text: the session's context use (Claude Code's `get_context_usage`), its cost
 * and tokens (the bridge's own accounting across processes), and the plan's 5-hour and weekly
 * windows — from `get_usage` (`rate_limits`, utilization 0–100, ISO reset times) when Claude Code
 * can fetch them, else from the newest `rate_limit_event` (its `unifiedWindows`, utilization 0–1,
 * epoch-s resets: the `anthropic-ratelimit-unified-*` headers of the last API response; observed on
 * 2.1.330, not in sdk.d.ts). Shapes: sdk.d.ts `SDKControlGetContextUsageResponse`, `SDKControlGetUsageResponse`.
 */
import type { SDKControlGetContextUsageResponse, SDKControlGetUsageResponse } from '@anthropic-ai/claude-agent-sdk';
import type { Session } from '../../sessions/session.js';
import type { RateLimitInfo } from '../../sessions/turn.js';
import { when, windowName } from './limits.js';

export interface UsageFacts {
  record: Session['record'];
  /** `null`: no live process to ask; an Error: it could not answer. */
  context: SDKControlGetContextUsageResponse | Error | null;
  usage: SDKControlGetUsageResponse | Error | null;
  rateLimit: RateLimitInfo | null;
}

type Window = { type: string; percent: number; resetsAt: number | null };

/** `/claude usage`'s text: context use (% of the model's window), cost (USD), and the plan's windows with their resets (Discord timestamps). */
export function renderUsage(f: UsageFacts): string {
  const r = f.record;
  const lines = [`📊 **Usage** · session \`${r.id}\``];
  if (f.context === null) lines.push('Context: not known while the session has no Claude Code process (it starts with your next message).');
  else if (f.context instanceof Error) lines.push('Context: Claude Code did not say (see the bot\'s log).');
  else {
    const c = f.context;
    lines.push(`Context: ${c.totalTokens.toLocaleString('en-US')} of ${c.maxTokens.toLocaleString('en-US')} tokens (**${Math.round(c.percentage)}%**) · ${c.model}`);
  }
  lines.push(`Cost: $${r.costUsd.toFixed(4)} · ${r.turnCount} turns · ${r.inputTokens.toLocaleString('en-US')} tokens in, ${r.outputTokens.toLocaleString('en-US')} out`);
  const windows = planWindows(f);
  for (const w of windows) lines.push(`${cap(windowName(w.type))}: **${Math.round(w.percent)}%** used${w.resetsAt ? ` · resets ${when(w.resetsAt)}` : ''}`);
  if (windows.length === 0) {
    const usage = f.usage instanceof Error ? null : f.usage;
    lines.push(usage && usage.subscription_type === null && !usage.rate_limits_available
      ? 'Plan limits: none reported (an API key or cloud provider has no 5-hour or weekly limits).'
      : 'Plan limits: not reported yet (Claude Code learns them with its next answer).');
  }
  return lines.join('\n');
}

/** The plan's windows, 5-hour first. */
function planWindows(f: UsageFacts): Window[] {
  const out: Window[] = [];
  const limits = f.usage && !(f.usage instanceof Error) && f.usage.rate_limits_available ? f.usage.rate_limits : null;
  if (limits) {
    for (const type of ['five_hour', 'seven_day', 'seven_day_opus', 'seven_day_sonnet'] as const) {
      const w = limits[type];
      if (w && typeof w.utilization === 'number') out.push({ type, percent: w.utilization, resetsAt: w.resets_at ? Date.parse(w.resets_at) : null });
    }
    if (out.length > 0) return out;
  }
  const info = f.rateLimit as (RateLimitInfo & { unifiedWindows?: Record<string, { utilization?: number; resetsAt?: number }> }) | null;
  for (const [type, w] of Object.entries(info?.unifiedWindows ?? {})) {
    if (typeof w.utilization === 'number') out.push({ type, percent: w.utilization * 100, resetsAt: w.resetsAt ? w.resetsAt * 1000 : null });
  }
  if (out.length === 0 && info?.rateLimitType && typeof info.utilization === 'number') {
    out.push({ type: info.rateLimitType, percent: info.utilization * 100, resetsAt: info.resetsAt ? info.resetsAt * 1000 : null });
  }
  return out;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
