/**
 * Parser for `claude --output-format stream-json` lines. Types come from the Agent SDK's `SDKMessage`
 * union; the control messages follow its `SDKControlRequest`/`SDKControlResponse`. Unknown types and
 * broken lines come back as values, never as exceptions (the CLI adds types between releases).
 */
import type {
  SDKAssistantMessage,
  SDKMessage,
  SDKPartialAssistantMessage,
  SDKRateLimitEvent,
  SDKResultMessage,
  SDKSystemMessage,
  SDKUserMessage,
} from '@anthropic-ai/claude-agent-sdk';

export type { SDKAssistantMessage, SDKPartialAssistantMessage, SDKRateLimitEvent, SDKResultMessage, SDKSystemMessage };

/** A `control_request` the CLI sends us (e.g. `can_use_tool`). */
export interface ControlRequestLine {
  type: 'control_request';
  request_id: string;
  request: { subtype: string; tool_name?: string; input?: Record<string, unknown>; [k: string]: unknown };
}

/** The CLI's answer to a control request of ours (e.g. `interrupt`). */
export interface ControlResponseLine {
  type: 'control_response';
  response: { subtype: 'success' | 'error'; request_id: string; error?: string; [k: string]: unknown };
}

/**
 * The CLI withdraws a control request of its own that is still unanswered (e.g. a `can_use_tool`
 * when the turn is interrupted): Agent SDK `SDKControlCancelRequest`, observed on 2.1.330.
 */
export interface ControlCancelLine {
  type: 'control_cancel_request';
  request_id: string;
}

/** The output lines this bridge acts on. */
export type KnownMessage =
  | Extract<SDKMessage, { type: 'system' }>
  | SDKPartialAssistantMessage
  | SDKAssistantMessage
  | SDKUserMessage
  | SDKResultMessage
  /** Plan usage limits changed (claude.ai logins only; observed on 2.1.330 from `anthropic-ratelimit-unified-*` headers). */
  | SDKRateLimitEvent
  | ControlRequestLine
  | ControlResponseLine
  | ControlCancelLine;

export type ClaudeOutput =
  | { kind: 'message'; message: KnownMessage }
  | { kind: 'unknown'; type: string; value: unknown }
  | { kind: 'invalid'; line: string; reason: string };

const KNOWN_TYPES = new Set(['system', 'stream_event', 'assistant', 'user', 'result', 'rate_limit_event', 'control_request', 'control_response', 'control_cancel_request']);

/** Parses one stdout line (without its newline). Never throws. */
export function parseStreamJsonLine(line: string): ClaudeOutput {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { kind: 'invalid', line, reason: (err as Error).message };
  }
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    return { kind: 'invalid', line, reason: 'not an object with a string "type"' };
  }
  const type = (value as { type: string }).type;
  if (!KNOWN_TYPES.has(type)) return { kind: 'unknown', type, value };
  return { kind: 'message', message: value as KnownMessage };
}

/** The text a `stream_event` adds to the main thread's answer (`text_delta`), else `null`. */
export function textDelta(msg: KnownMessage): string | null {
  if (msg.type !== 'stream_event' || msg.parent_tool_use_id !== null) return null;
  const ev = msg.event;
  if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') return ev.delta.text;
  return null;
}

/** The text blocks of a complete main-thread `assistant` message, joined. */
export function assistantText(msg: KnownMessage): string | null {
  if (msg.type !== 'assistant' || msg.parent_tool_use_id !== null) return null;
  const parts = msg.message.content.flatMap((b) => (b.type === 'text' ? [b.text] : []));
  return parts.length > 0 ? parts.join('') : null;
}
