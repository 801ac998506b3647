/** The status line under a streaming answer, and what it says while Claude Code retries the API. */
import type { ApiRetry, RateLimitInfo, ShownTurn } from '../../sessions/turn.js';
import { TODO_TOOLS } from '../../sessions/todos.js';
import { toolSummary } from './activity.js';
import { limitWarning } from './limits.js';

/**
 * `-# ⏱️ 12 s · 🔧 Bash: npm test · 1,234 tokens · session $0.0123`, then a plan-limit warning when
 * Claude Code reported one (`⚠️ 92% of the 5-hour limit used · resets in 2 hours`); while Claude Code waits to
 * retry a failed API request, its reason replaces what Claude is doing
 * (`-# ⏱️ 40 s · ⚠️ Claude's API is overloaded — retry 3 in 8 s`).
 */
export function statusLine(turn: ShownTurn, o: { now: number; startedAt: number; cwd: string; sessionCostUsd?: number; rateLimit?: RateLimitInfo | null }): string {
  const elapsed = `⏱️ ${((o.now - o.startedAt) / 1000).toFixed(0)} s`;
  const tool = turn.parts.running;
  const doing = turn.retry ? `⚠️ ${retryNote(turn.retry, o.now)}`
    : tool && TODO_TOOLS.has(tool.name) ? '📋 updating the todo list'
    : tool ? `🔧 ${toolSummary(tool, o.cwd).slice(0, 80)}` : turn.text ? '✍️ writing' : '💭 thinking';
  const tokens = turn.parts.tokens;
  const parts = [elapsed, doing.replace(/[`*_~|]/g, ''), ...(tokens > 0 ? [`${tokens.toLocaleString('en-US')} tokens`] : [])];
  if (o.sessionCostUsd !== undefined) parts.push(`session $${o.sessionCostUsd.toFixed(4)}`);
  const warning = limitWarning(turn.rateLimit ?? o.rateLimit, o.now); // a plan limit nears (`allowed_warning`)
  if (warning) parts.push(warning);
  return `-# ${parts.join(' · ')}`;
}

/**
 * One plain sentence for a `system/api_retry` (Agent SDK `SDKAPIRetryMessage`): what failed, by the
 * SDK's error kind and the HTTP status (`error_status`, `null` without a response), and when the
 * retry comes, counted down from `now` (epoch ms).
 * E.g. "Claude's API is overloaded — retry 3 in 8 s", "Claude's API failed (500) — retry 2 in 4 s".
 */
export function retryNote(r: ApiRetry, now: number): string {
  const left = Math.ceil((r.at + r.delayMs - now) / 1000);
  const when = left > 0 ? `retry ${r.attempt} in ${left} s` : `retry ${r.attempt} now`;
  return `${apiTrouble(r)} — ${when}`;
}

function apiTrouble(r: ApiRetry): string {
  if (r.error === 'overloaded' || r.status === 529) return "Claude's API is overloaded";
  if (r.error === 'rate_limit' || r.status === 429) return "Claude's API is rate-limiting this account";
  if (r.error === 'authentication_failed') return `Claude's API refused the login${r.status ? ` (${r.status})` : ''}`;
  if (r.status === null) return "Claude's API did not answer (connection failed)";
  return `Claude's API failed (${r.status})`;
}
