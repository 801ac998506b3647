/**
 * Encoders for the lines written to `claude --input-format stream-json` stdin (one JSON object per
 * line; a non-JSON line makes the CLI exit 1). Shapes: the Agent SDK's `SDKUserMessage` and
 * `SDKControlRequest` / `SDKControlResponse` types.
 */
import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';

/** One user message as a JSON line (no trailing newline). Text goes verbatim, control characters included. */
export function encodeUserMessage(text: string, opts: { uuid?: string; priority?: 'now' } = {}): string {
  const msg: SDKUserMessage & { priority?: 'now' } = {
    type: 'user',
    session_id: '',
    parent_tool_use_id: null,
    message: { role: 'user', content: text },
  };
  if (opts.uuid) (msg as { uuid?: string }).uuid = opts.uuid;
  if (opts.priority) msg.priority = opts.priority;
  return JSON.stringify(msg);
}

/** Interrupt the running turn; the CLI answers with a `control_response` and ends the turn with an error `result`. */
export function encodeInterrupt(requestId: string): string {
  return JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype: 'interrupt' } });
}

/** Answer to a `can_use_tool` control request. */
export function encodePermissionDecision(
  requestId: string,
  decision: { behavior: 'allow'; updatedInput: Record<string, unknown> } | { behavior: 'deny'; message: string },
): string {
  return JSON.stringify({
    type: 'control_response',
    response: { subtype: 'success', request_id: requestId, response: decision },
  });
}

/** Switch the model of a live process from the next turn (`set_model` control request). */
export function encodeSetModel(requestId: string, model: string): string {
  return JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype: 'set_model', model } });
}

/**
 * `initialize` control request (sdk.d.ts `SDKControlInitializeRequest`; the Agent SDK sends it first):
 * the CLI loads its tools, settings and MCP servers and answers with a `control_response`. Sent to a
 * spare process so that work is done before its first message, not after.
 */
export function encodeInitialize(requestId: string): string {
  return JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype: 'initialize' } });
}
