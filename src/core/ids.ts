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

/** Actions of buttons that act on one session (`arg` = its bridge session id); `diff`, `merge`, `close`: its git worktree. */
export type SessionAction = 'stop' | 'continue' | 'regenerate' | 'branch' | 'export' | 'diff' | 'merge' | 'close';
/** Answers to a tool permission request (`arg` = session id, then the request's 12-hex key). */
export type PermissionAction = 'allow' | 'deny' | 'always';
/**
 * Answers to Claude's questions, plans and MCP forms (`arg` = session id, the request's 12-hex key,
 * then what was chosen): `qpick` an option (`<question>.<option>`), `qmenu` a menu of options
 * (`<question>`), `qother` opens a free-text modal (`<question>`) submitted as `qtext`; `plan`
 * (`approve | edits | keep`), its feedback modal `plantext`; `form` (`fill | accept | decline |
 * cancel`), its modal `formtext`.
 */
export type AskAction = 'qpick' | 'qmenu' | 'qother' | 'qtext' | 'plan' | 'plantext' | 'form' | 'formtext';
/** Every component this build renders: session buttons, permission answers, the clean-up confirmation (`arg` = a token), the sessions menu. */
export type ComponentAction = SessionAction | PermissionAction | AskAction | 'clean' | 'resume' | 'unpark';
const ASK_ACTIONS: readonly AskAction[] = ['qpick', 'qmenu', 'qother', 'qtext', 'plan', 'plantext', 'form', 'formtext'];
const ASK_ARG = /^[a-z0-9.]{1,16}$/;
const SESSION_ACTIONS: readonly SessionAction[] = ['stop', 'continue', 'regenerate', 'branch', 'export', 'diff', 'merge', 'close'];
const COMPONENT_PREFIX = 'cdb';

export function isAskAction(action: ComponentAction): action is AskAction {
  return (ASK_ACTIONS as readonly string[]).includes(action);
}

export function isSessionAction(action: ComponentAction): action is SessionAction {
  return (SESSION_ACTIONS as readonly string[]).includes(action);
}

/**
 * A component `custom_id`: `cdb:<action>[:<arg>]` (≤ 100 chars, Discord API docs, "Message
 * Components"). `arg` is a bridge session id, or a 12-hex token for `clean`; `resume` takes none.
 */
export function makeComponentId(action: SessionAction, sessionId: BridgeSessionId): string;
export function makeComponentId(action: PermissionAction, sessionId: BridgeSessionId, key: string): string;
export function makeComponentId(action: AskAction, sessionId: BridgeSessionId, key: string, arg: string): string;
export function makeComponentId(action: 'clean', token: string): string;
export function makeComponentId(action: 'resume'): string;
/** Cancel of a turn waiting for a usage limit to reset: `arg` = session id, then the turn's id (a UUID). */
export function makeComponentId(action: 'unpark', sessionId: BridgeSessionId, turnId: string): string;
/** Stop of one turn: `arg` = session id, then the turn's id (a late tap never stops the next turn). */
export function makeComponentId(action: 'stop', sessionId: BridgeSessionId, turnId: string): string;
export function makeComponentId(action: ComponentAction, ...args: string[]): string {
  return [COMPONENT_PREFIX, action, ...args].join(':');
}

export type ParsedComponentId =
  | { action: SessionAction; sessionId: BridgeSessionId }
  | { action: PermissionAction; sessionId: BridgeSessionId; key: string }
  | { action: AskAction; sessionId: BridgeSessionId; key: string; arg: string }
  | { action: 'clean'; token: string }
  | { action: 'resume' }
  | { action: 'unpark'; sessionId: BridgeSessionId; turnId: string }
  /** Stop of one turn (a Stop made before turns were named has no `turnId`: whatever runs). */
  | { action: 'stop'; sessionId: BridgeSessionId; turnId?: string };

const TURN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Parses a `custom_id` made by {@link makeComponentId}; `null` for one that is not ours or malformed. */
export function parseComponentId(customId: string): ParsedComponentId | null {
  const [prefix, action, arg, key, ...rest] = customId.split(':');
  if (prefix === COMPONENT_PREFIX && (ASK_ACTIONS as readonly string[]).includes(action ?? '')) {
    const what = rest[0];
    return rest.length === 1 && arg !== undefined && key !== undefined && BRIDGE_ID.test(arg) && BRIDGE_ID.test(key) && ASK_ARG.test(what!)
      ? { action: action as AskAction, sessionId: arg as BridgeSessionId, key, arg: what! } : null;
  }
  if (prefix !== COMPONENT_PREFIX || rest.length > 0 || action === undefined) return null;
  if (action === 'allow' || action === 'deny' || action === 'always') {
    return arg !== undefined && key !== undefined && BRIDGE_ID.test(arg) && BRIDGE_ID.test(key)
      ? { action, sessionId: arg as BridgeSessionId, key } : null;
  }
  if (action === 'stop' && key !== undefined) {
    return arg !== undefined && BRIDGE_ID.test(arg) && TURN_ID.test(key) ? { action, sessionId: arg as BridgeSessionId, turnId: key } : null;
  }
  if (action === 'unpark') {
    return arg !== undefined && key !== undefined && BRIDGE_ID.test(arg) && TURN_ID.test(key) ? { action, sessionId: arg as BridgeSessionId, turnId: key } : null;
  }
  if (key !== undefined) return null;
  if (action === 'resume') return arg === undefined ? { action } : null;
  if (arg === undefined || !BRIDGE_ID.test(arg)) return null;
  if (action === 'clean') return { action, token: arg };
  return isSessionAction(action as ComponentAction) ? { action: action as SessionAction, sessionId: arg as BridgeSessionId } : null;
}
