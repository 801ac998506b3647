/**
 * Reading a `claude` process's stream-json stdout, and the facts a session takes from `result`
 * lines (Agent SDK `SDKResultMessage`; measured on Claude Code 2.1.330).
 */
import { BridgeError, makeErrorRef } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseStreamJsonLine, type KnownMessage, type SDKResultMessage } from '../claude/stream-json.js';
import type { ProcessHandle } from '../backends/types.js';
import type { ApiErrorKind, TurnResult } from './turn.js';

export type { ApiErrorKind };

/**
 * Reads every stdout line until the process's output ends: parsed messages go to `onMessage` with
 * the byte offset past their line; broken and unknown lines are logged and skipped.
 */
export async function readOutput(
  handle: ProcessHandle,
  o: { log: Logger; onMessage: (msg: KnownMessage, offset: number) => void },
): Promise<void> {
  for await (const line of handle.lines()) {
    const out = parseStreamJsonLine(line.text);
    if (out.kind === 'invalid') o.log.debug({ line: out.line.slice(0, 200) }, 'non-JSON output line');
    if (out.kind !== 'message') continue;
    o.onMessage(out.message, line.offset);
  }
}

/** A `--resume` of an unknown id: `error_during_execution` with "No conversation found with session ID: <id>". */
export function resumeNotFound(result: SDKResultMessage): boolean {
  return result.is_error && 'errors' in result && result.errors.some((e) => e.includes('No conversation found'));
}

/**
 * One turn's figures. `total_cost_usd` counts from the process's start, so the turn's cost is the
 * difference to the previous result's (`previousTotalUsd`); `usage` is per turn.
 */
export function turnStats(result: SDKResultMessage, previousTotalUsd: number) {
  const u = result.usage;
  return {
    costUsd: Math.max(0, result.total_cost_usd - previousTotalUsd),
    inputTokens: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
    outputTokens: u.output_tokens,
    durationMs: result.duration_ms,
  };
}

/**
 * How a `result` line ends a turn: success, interrupted (when the user asked), or a failure in plain
 * words. Claude Code 2.1.330 ends a turn whose API call failed with `subtype: "success"` but
 * `is_error: true`, `terminal_reason: "api_error"`, `api_error_status` (null when no request was
 * made, e.g. not logged in) and its own text in `result` ("Not logged in · Please run /login",
 * "Invalid API key · Fix external API key", "API Error: 529 Overloaded…"), after a synthetic
 * `assistant` message carrying the SDK's `error` kind (`authentication_failed`, `server_error`…;
 * pass it as `apiError` when known). Raw CLI text never reaches the user: it is the error's `cause`,
 * for the log.
 */
export function turnEnding(
  result: SDKResultMessage,
  interruptRequested: boolean,
  stats: ReturnType<typeof turnStats>,
  apiError?: ApiErrorKind | null,
): Omit<TurnResult, 'text'> & { text?: string } {
  if (result.subtype === 'success' && !result.is_error) return { outcome: 'success', ...stats, text: result.result };
  if (interruptRequested) return { outcome: 'interrupted', ...stats };
  return { outcome: 'error', error: turnFailure(result, apiError ?? null), ...stats };
}

/** The raw texts Claude Code gave for a failed turn (for the log only). */
function rawReason(result: SDKResultMessage): string {
  const texts = 'errors' in result ? result.errors : [];
  const own = result.subtype === 'success' ? result.result : '';
  return [own, ...texts].filter(Boolean).join('; ') || result.subtype;
}

/** Sorts a failed `result` into a {@link BridgeError} with a plain-words text. */
export function turnFailure(result: SDKResultMessage, apiError: ApiErrorKind | null): BridgeError {
  const cause = new Error(`Claude Code: ${rawReason(result).slice(0, 2000)}`);
  const r = result as SDKResultMessage & { api_error_status?: number | null; api_error_type?: string; terminal_reason?: string };
  const status = r.api_error_status ?? null;
  const kind = apiError ?? kindOf(status, r.api_error_type, result);
  const ref = makeErrorRef();
  switch (kind) {
    case 'authentication_failed':
      return new BridgeError(status === null ? 'CLAUDE_NOT_LOGGED_IN' : 'CLAUDE_AUTH_FAILED', {}, { cause });
    case 'rate_limit': return new BridgeError('CLAUDE_RATE_LIMITED', {}, { cause });
    case 'overloaded': return new BridgeError('CLAUDE_OVERLOADED', {}, { cause });
    case 'billing_error': return new BridgeError('CLAUDE_BILLING', {}, { cause });
    case 'account_on_hold': return new BridgeError('CLAUDE_ACCOUNT_BLOCKED', { why: 'it is on hold' }, { cause });
    case 'oauth_org_not_allowed': return new BridgeError('CLAUDE_ACCOUNT_BLOCKED', { why: 'its organization does not allow this login' }, { cause });
    case 'verification_required': return new BridgeError('CLAUDE_ACCOUNT_BLOCKED', { why: 'it needs to be verified' }, { cause });
    case 'model_not_found': return new BridgeError('CLAUDE_MODEL_UNAVAILABLE', {}, { cause });
    case 'cloud_credential_error': return new BridgeError('CLAUDE_REQUEST_REJECTED', { why: 'the cloud credentials were refused', ref }, { cause });
    case 'invalid_request': return new BridgeError('CLAUDE_REQUEST_REJECTED', { why: 'invalid request', ref }, { cause });
    case 'max_output_tokens': return new BridgeError('CLAUDE_TURN_INCOMPLETE', { why: 'the answer hit the output-token limit', ref }, { cause });
    case 'server_error':
    case 'unknown':
      return status === 529 ? new BridgeError('CLAUDE_OVERLOADED', {}, { cause })
        : new BridgeError('CLAUDE_API_FAILED', { status: status ?? 'no response' }, { cause });
    default:
      return new BridgeError('CLAUDE_TURN_INCOMPLETE', { why: INCOMPLETE[result.subtype] ?? 'it reported an error', ref }, { cause });
  }
}

/** Why a turn stopped, by the result's `subtype` (Agent SDK `SDKResultError`). */
const INCOMPLETE: Record<string, string> = {
  error_max_turns: 'it reached the limit on agent turns',
  error_max_budget_usd: 'it reached its budget limit',
  error_during_execution: 'it hit an error while working',
  error_max_structured_output_retries: 'it could not produce the structured output asked for',
};

/**
 * The API failure kind when no `assistant` message said it: from the HTTP status and the Messages
 * API error type (Anthropic API docs, "Errors"), or — when no request was made — the CLI's
 * "Not logged in" text (Claude Code 2.1.330).
 */
function kindOf(status: number | null, type: string | undefined, result: SDKResultMessage): ApiErrorKind | null {
  if (status === 401 || type === 'authentication_error') return 'authentication_failed';
  if (status === 429 || type === 'rate_limit_error') return 'rate_limit';
  if (status === 529 || type === 'overloaded_error') return 'overloaded';
  if (status === 402 || type === 'billing_error') return 'billing_error';
  if (status === 404 || type === 'not_found_error') return 'model_not_found';
  if (status === 400 || status === 413 || type === 'invalid_request_error' || type === 'request_too_large') return 'invalid_request';
  if (status !== null && status >= 500) return 'server_error';
  const text = result.subtype === 'success' ? result.result : '';
  if (status === null && /not logged in|\/login/i.test(text)) return 'authentication_failed';
  if ((result as { terminal_reason?: string }).terminal_reason === 'api_error') return 'unknown';
  return null;
}

/**
 * When a turn was refused because the plan's usage limit is reached, the time the limit resets
 * (epoch ms); else `null`. Observed on Claude Code 2.1.330 with a claude.ai login: the API's 429
 * (`rate_limit_error`, `anthropic-ratelimit-unified-status: rejected`, `…-reset: <epoch s>`) becomes
 * a `rate_limit_event` with `status: "rejected"` and `resetsAt` (epoch s), then a `result` with
 * `is_error`, `api_error_status: 429` and `api_error: "usage_limit_reached"`. Without a reset time
 * the turn cannot wait for it, and fails as rate limited.
 */
export function usageLimitReset(result: SDKResultMessage, rateLimit: { status: string; resetsAt?: number } | null): number | null {
  if (!result.is_error) return null;
  const r = result as SDKResultMessage & { api_error?: string; api_error_status?: number | null };
  // A CLI that names the failure is believed (a plain 429 is `rate_limit`, retried by the CLI itself);
  // one that does not is taken at its limit report.
  const limited = r.api_error === 'usage_limit_reached' || (r.api_error === undefined && r.api_error_status === 429 && rateLimit?.status === 'rejected');
  if (!limited || rateLimit?.status !== 'rejected' || typeof rateLimit.resetsAt !== 'number') return null;
  return rateLimit.resetsAt * 1000;
}
