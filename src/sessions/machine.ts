/**
 * A session's inputs and its transition table (DESIGN.md §2). Every input is plain data (JSON-safe:
 * ids, strings, numbers, parsed stream-json lines), so the same loop can later be driven across
 * processes or machines. The table says, for each state and input, which states the session may be
 * in once the input was handled; an input missing from a state's row is handled without changing
 * the state (a refusal, or a no-op that says so). `SessionLoop` checks every handled input
 * against the table; the unit tests drive one row each.
 */
import type { PermissionMode } from '../claude/args.js';
import type { KnownMessage } from '../claude/stream-json.js';
import type { ExitInfo } from '../backends/types.js';
import type { SessionRecord, SessionState } from '../store/types.js';
import type { ElicitationAction } from './elicitations.js';
import type { PermissionDecision } from './permissions.js';

/** Why a live process is ended without stopping the session (it resumes with `--resume`). */
export type SuspendReason =
  /** Idle for `DEFAULT_TIMEOUT`: refused when anything arrived since `idleSince`. */
  | 'idle'
  /** The slot pool needs the room: refused while the session has work or is starting. */
  | 'evict'
  /** An operator (`claude-bridge sessions suspend`, emergency stop): always. */
  | 'operator';

export type SessionInput =
  /** An accepted message (already stored) becomes a turn of its own, after the ones before it. */
  | { type: 'message'; turnId: string }
  /** An accepted message goes into the running turn when one runs (steering), else as `message`. */
  | { type: 'steer'; turnId: string }
  /** Interrupts the running turn; with `turnId`, only if that is the turn running (a late Stop must not hit the next one). */
  | { type: 'interrupt'; turnId?: string }
  | { type: 'setModel'; model: string | null }
  | { type: 'suspend'; reason: SuspendReason; idleSince?: number }
  /** Ends the process, drops what waits; a later message wakes the session again. */
  | { type: 'stop' }
  | { type: 'permission'; key: string; decision: PermissionDecision | 'timeout'; userId: string | null }
  /** The answer to question `index` of a waiting `AskUserQuestion` request. */
  | { type: 'question'; key: string; index: number; answer: string; userId: string }
  /** The answer to a waiting MCP elicitation, or its timeout. */
  | { type: 'elicitation'; key: string; action: ElicitationAction | 'timeout'; content?: Record<string, unknown>; userId: string | null }
  /** The session's permission mode from its next turn (`set_permission_mode` when live; kept in the record). */
  | { type: 'setPermissionMode'; mode: PermissionMode }
  /** One stdout line of process generation `gen`, with the byte offset past it. */
  | { type: 'output'; gen: number; message: KnownMessage; offset: number }
  /** Process generation `gen` is gone; every line before was posted first. */
  | { type: 'exit'; gen: number; exit: ExitInfo }
  | { type: 'slotGranted' }
  | { type: 'slotRefused'; waiting: number }
  | { type: 'slotQueued'; position: number }
  /** Health check: end the running turn's process when it said nothing for `stallMs`. */
  | { type: 'stall'; stallMs: number }
  /**
   * The owner is typing (Discord's typing event): a session without a process starts one now,
   * through the slot pool but never queued, so `--resume` is done before the message arrives.
   */
  | { type: 'warm' }
  /** A turn parked by a usage limit: its reset time came, so it runs now (posted by its timer). */
  | { type: 'unpark'; turnId: string }
  /** The owner cancels a turn parked by a usage limit: it ends unanswered. */
  | { type: 'cancelParked'; turnId: string }
  /** Asks the live process about usage (`get_usage`, `get_context_usage`); answered outside the loop. */
  | { type: 'query'; subtype: 'get_usage' | 'get_context_usage' }
  /** Start-up: reattach a process that outlived the bot (`attach`), pick up owed turns. */
  | { type: 'restore'; attach: boolean }
  /** Bot shutdown: stop reading, leave a tmux-held process running. */
  | { type: 'detach' }
  | { type: 'repoint'; to: Pick<SessionRecord, 'claudeSessionId' | 'forkFrom' | 'forkAt'>; expectNew: boolean }
  | { type: 'moveTo'; channelId: SessionRecord['channelId']; guildId: SessionRecord['guildId'] }
  | { type: 'replyRef'; turnId: string; replyRef: string }
  | { type: 'delivered'; turnId: string };

export type SessionInputType = SessionInput['type'];

const ANY: readonly SessionState[] = ['starting', 'idle', 'running', 'suspended', 'stopped', 'failed'];
/** Start-up: the state a record was left in says nothing about the process now. */
const RESTORED: readonly SessionState[] = ['idle', 'running', 'suspended', 'stopped', 'failed'];
/** A message may start a process (and its turn), wait for a slot, or fail to start. */
const WAKES: readonly SessionState[] = ['suspended', 'starting', 'running', 'idle', 'failed'];

/**
 * state × input → the states allowed once the input was handled. `starting` never appears as a
 * state between inputs: a process start completes within the handler that begins it.
 */
export const TRANSITIONS: Readonly<Record<SessionState, Partial<Record<SessionInputType, readonly SessionState[]>>>> = {
  suspended: {
    message: WAKES, steer: WAKES, slotGranted: ['running', 'idle', 'failed', 'suspended'], slotRefused: ['suspended'],
    suspend: ['suspended'], stop: ['stopped'], restore: RESTORED, repoint: ['suspended'], exit: ['suspended'], warm: ['suspended'],
    unpark: WAKES,
  },
  failed: {
    message: WAKES, steer: WAKES, slotGranted: ['running', 'idle', 'failed', 'suspended'], slotRefused: ['failed'],
    suspend: ['failed'], stop: ['stopped'], restore: RESTORED, repoint: ['failed', 'suspended'], warm: ['failed'],
    unpark: WAKES,
  },
  stopped: {
    message: WAKES, steer: WAKES, stop: ['stopped'], suspend: ['stopped'], restore: ['stopped'], repoint: ['stopped'],
    moveTo: ['suspended'], exit: ['stopped'],
  },
  idle: {
    message: ['running', 'idle', 'suspended', 'failed'], steer: ['running', 'idle', 'suspended', 'failed'],
    suspend: ['suspended', 'idle'], stop: ['stopped'], exit: ['suspended', 'running', 'failed', 'idle'],
    setModel: ['idle', 'suspended'], repoint: ['suspended'], detach: ['idle'], restore: RESTORED,
    unpark: ['running', 'idle', 'suspended', 'failed'],
  },
  running: {
    output: ['running', 'idle'], exit: ['suspended', 'running', 'failed', 'idle'], interrupt: ['running'],
    steer: ['running'], message: ['running'], suspend: ['running', 'suspended'], stop: ['stopped'],
    stall: ['running'], setModel: ['running'], detach: ['running'], repoint: ['suspended'], restore: RESTORED,
    unpark: ['running'],
  },
  // A start completes inside one handler; inputs arriving meanwhile wait in the mailbox.
  starting: { ...Object.fromEntries((['message', 'steer', 'exit', 'stop', 'suspend'] as const).map((t) => [t, ANY])), restore: RESTORED },
};

/** `null` when `after` is allowed for `input` in `before`, else a description of the breach. */
export function checkTransition(before: SessionState, input: SessionInputType, after: SessionState): string | null {
  const allowed = TRANSITIONS[before][input];
  if (allowed === undefined) return before === after ? null : `${input} must not change ${before} (became ${after})`;
  return allowed.includes(after) ? null : `${input} in ${before} must lead to ${allowed.join('|')}, not ${after}`;
}
