/**
 * Encoders for the lines written to `claude --input-format stream-json` stdin (one JSON object per
 * line; a non-JSON line makes the CLI exit 1). Shapes: the Agent SDK's `SDKUserMessage` and
 * `SDKControlRequest` / `SDKControlResponse` types.
 */
import type { PermissionMode, PermissionUpdate, SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';

/** Image types the Messages API takes in an image block (Anthropic docs, "Vision"). */
export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

/**
 * An image content block (Messages API `ImageBlockParam`, base64 source). Claude Code 2.1.330 passes
 * it on to the API as sent on stdin, and adds a text block of its own naming a copy it saves
 * (`[Image: source: <tmp>/images/<n>.png]`; observed against the stub).
 */
export interface ImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: ImageMediaType; data: string };
}

/**
 * One user message as a JSON line (no trailing newline). Text goes verbatim, control characters
 * included. With `images`, the content is a block list: the images, then the text (left out when
 * empty: the API refuses an empty text block).
 */
export function encodeUserMessage(text: string, opts: { uuid?: string; priority?: 'now'; images?: readonly ImageBlock[] } = {}): string {
  const images = opts.images ?? [];
  const content = images.length === 0 ? text : [...images, ...(text.trim() ? [{ type: 'text' as const, text }] : [])];
  const msg: SDKUserMessage & { priority?: 'now' } = {
    type: 'user',
    session_id: '',
    parent_tool_use_id: null,
    message: { role: 'user', content },
  };
  if (opts.uuid) (msg as { uuid?: string }).uuid = opts.uuid;
  if (opts.priority) msg.priority = opts.priority;
  return JSON.stringify(msg);
}

/** Interrupt the running turn; the CLI answers with a `control_response` and ends the turn with an error `result`. */
export function encodeInterrupt(requestId: string): string {
  return JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype: 'interrupt' } });
}

/**
 * Answer to a `can_use_tool` control request. `updatedPermissions` changes the session's permissions
 * with the answer, e.g. `{ type: 'setMode', mode: 'acceptEdits', destination: 'session' }` (Agent SDK
 * `PermissionResult`; on 2.1.330 the CLI then reports the new mode in a `system/status` line).
 */
export function encodePermissionDecision(
  requestId: string,
  decision:
    | { behavior: 'allow'; updatedInput: Record<string, unknown>; updatedPermissions?: PermissionUpdate[] }
    | { behavior: 'deny'; message: string },
): string {
  return encodeControlResponse(requestId, decision);
}

/** A successful `control_response` to a control request of the CLI (`elicitation`: `{ action, content? }`). */
export function encodeControlResponse(requestId: string, response: object): string {
  return JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response } });
}

/** A failed `control_response`: the CLI passes `error` on (to an MCP server, for an `elicitation`). */
export function encodeControlError(requestId: string, error: string): string {
  return JSON.stringify({ type: 'control_response', response: { subtype: 'error', request_id: requestId, error } });
}

/**
 * Switch a live process's permission mode (`set_permission_mode` control request, Agent SDK
 * `SDKControlSetPermissionModeRequest`; 2.1.330 answers `{ mode }` and applies it from the next tool call).
 */
export function encodeSetPermissionMode(requestId: string, mode: PermissionMode): string {
  return JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype: 'set_permission_mode', mode } });
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

/**
 * A control request that asks the CLI for data (`get_usage`, `get_context_usage`; sdk.d.ts
 * `SDKControlGetUsageRequest`, `SDKControlGetContextUsageRequest`, both answered on Claude Code
 * 2.1.330 with a `control_response` whose `response.response` is the data).
 */
export function encodeQuery(requestId: string, request: { subtype: 'get_usage'; skip_behaviors?: boolean } | { subtype: 'get_context_usage'; detail?: 'summary' | 'full' }): string {
  return JSON.stringify({ type: 'control_request', request_id: requestId, request });
}
