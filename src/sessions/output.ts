/**
 * Reading a `claude` process's stream-json stdout, and the facts a session takes from `result`
 * lines (Agent SDK `SDKResultMessage`; measured on Claude Code 2.1.330).
 */
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseStreamJsonLine, type KnownMessage, type SDKResultMessage } from '../claude/stream-json.js';
import type { ProcessHandle } from '../backends/types.js';
import type { TurnResult } from './turn.js';

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

/** How a `result` line ends a turn: success, interrupted (when the user asked), or a reported error. */
export function turnEnding(
  result: SDKResultMessage,
  interruptRequested: boolean,
  stats: ReturnType<typeof turnStats>,
): Omit<TurnResult, 'text'> & { text?: string } {
  if (result.subtype === 'success' && !result.is_error) return { outcome: 'success', ...stats, text: result.result };
  if (interruptRequested) return { outcome: 'interrupted', ...stats };
  const reason = 'errors' in result && result.errors.length > 0 ? result.errors.join('; ') : result.subtype;
  return { outcome: 'error', error: new BridgeError('TURN_FAILED', { reason: reason.slice(0, 300) }), ...stats };
}
