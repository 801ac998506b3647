/**
 * Branded ids with make/parse pairs. A parse function is the only way from an untrusted string
 * to a branded id; it throws {@link BridgeError} `INVALID_ID` on anything else.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { BridgeError } from './errors.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Our own session id: 12 lowercase hex chars, safe in tmux names, paths and `custom_id`s. */
export type BridgeSessionId = Brand<string, 'BridgeSessionId'>;
/** Claude Code's session id: a UUID (the name of its transcript file). */
export type ClaudeSessionId = Brand<string, 'ClaudeSessionId'>;
/** A Discord snowflake (user, channel, guild, role, message): 17–20 decimal digits. */
export type Snowflake = Brand<string, 'Snowflake'>;

const BRIDGE_ID = /^[0-9a-f]{12}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SNOWFLAKE = /^\d{17,20}$/;

export function makeBridgeSessionId(): BridgeSessionId {
  return randomBytes(6).toString('hex') as BridgeSessionId;
}

export function parseBridgeSessionId(value: string): BridgeSessionId {
  if (!BRIDGE_ID.test(value)) throw new BridgeError('INVALID_ID', { kind: 'bridge session id', value });
  return value as BridgeSessionId;
}

export function makeClaudeSessionId(): ClaudeSessionId {
  return randomUUID() as ClaudeSessionId;
}

export function parseClaudeSessionId(value: string): ClaudeSessionId {
  if (!UUID.test(value)) throw new BridgeError('INVALID_ID', { kind: 'Claude session id', value });
  return value.toLowerCase() as ClaudeSessionId;
}

export function parseSnowflake(value: string): Snowflake {
  if (!SNOWFLAKE.test(value)) throw new BridgeError('INVALID_ID', { kind: 'Discord id', value });
  return value as Snowflake;
}

/** Button actions this build renders. Others come with their own features. */
export type ButtonAction = 'stop';
const BUTTON_ACTIONS: readonly ButtonAction[] = ['stop'];
const BUTTON_PREFIX = 'cdb';

/**
 * A button `custom_id`: `cdb:<action>:<bridge session id>` (≤ 100 chars, Discord API docs,
 * "Message Components").
 */
export function makeButtonId(action: ButtonAction, sessionId: BridgeSessionId): string {
  return `${BUTTON_PREFIX}:${action}:${sessionId}`;
}

/** Parses a `custom_id` made by {@link makeButtonId}; `null` for one that is not ours. */
export function parseButtonId(customId: string): { action: ButtonAction; sessionId: BridgeSessionId } | null {
  const [prefix, action, id, ...rest] = customId.split(':');
  if (prefix !== BUTTON_PREFIX || rest.length > 0 || id === undefined) return null;
  if (!BUTTON_ACTIONS.includes(action as ButtonAction) || !BRIDGE_ID.test(id)) return null;
  return { action: action as ButtonAction, sessionId: id as BridgeSessionId };
}
