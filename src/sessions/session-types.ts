/** The contracts of sessions: what a {@link Session} and the SessionManager are given, and a session's events. */
import type { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { PermissionMode } from '../claude/args.js';
import type { KnownMessage } from '../claude/stream-json.js';
import type { ProcessBackend } from '../backends/types.js';
import type { SessionState, SessionStore } from '../store/types.js';
import type { PermissionOutcome, PermissionRequest } from './permissions.js';
import type { Turn } from './turn.js';

export interface SessionEvents {
  state: (state: SessionState, previous: SessionState) => void;
  /** Every parsed output line of the process. */
  event: (message: KnownMessage) => void;
  error: (error: BridgeError) => void;
  /** A turn waits for a process slot; `position` 1 is next. */
  queued: (turn: Turn, position: number) => void;
  /** Claude asks to use a tool; answer with `decidePermission`. */
  permission: (req: PermissionRequest) => void;
  permissionSettled: (req: PermissionRequest, outcome: PermissionOutcome) => void;
  /** The CLI answers steered messages in a turn of their own, right after the one they were sent into. */
  followUp: (turn: Turn) => void;
}

export interface SessionDeps {
  backend: ProcessBackend;
  store: SessionStore;
  /** Path of the `claude` executable. */
  claudeBin: string;
  /** The whole environment of the `claude` process. */
  env: Record<string, string>;
  /** `--permission-mode` of every process; omitted → Claude Code's default. */
  permissionMode?: PermissionMode;
  /** How long a tool permission request waits for its answer before it is denied, ms. */
  permissionTimeoutMs?: number;
  /** Claude Code's config home (`$CLAUDE_CONFIG_DIR` or `~/.claude`), where transcripts live. */
  claudeConfigDir: string;
  /** Realpath every session directory must be inside (checked at each process start). */
  workspaceRoot?: string;
  log: Logger;
  now: () => number;
  /** Waits for a process slot (reporting queue positions) or throws BridgeError `QUEUE_FULL`. */
  acquireSlot: (onQueued: (position: number) => void) => Promise<void>;
  /** Called once the start attempt is over, whatever its outcome. */
  releaseSlot: () => void;
}

export interface SessionManagerOptions {
  store: SessionStore;
  backend: ProcessBackend;
  claudeBin: string;
  claudeConfigDir: string;
  /** Environment of every `claude` process. */
  env: Record<string, string>;
  /** `--permission-mode` of every process. */
  permissionMode?: PermissionMode;
  /** How long a tool permission request waits for its answer before it is denied, ms (default 600 s). */
  permissionTimeoutMs?: number;
  /** Working directory of new sessions (realpath) unless their channel has its own. */
  defaultCwd: string;
  /** Realpath every session directory must be inside; default `defaultCwd`. */
  workspaceRoot?: string;
  /** Upper bound on live processes, in all and per user. */
  maxSessions: number;
  maxSessionsPerUser: number;
  /** Requests that may wait for a slot. */
  maxQueue: number;
  /** Idle time after which a live session is suspended, ms. */
  idleTimeoutMs: number;
  /** Time between health checks, ms. */
  healthIntervalMs: number;
  /** A running turn with no output for this long is ended, ms. */
  turnStallMs: number;
  /** A user's first ask in a channel resumes the newest Claude session of the directory. */
  autoResume?: boolean;
  log: Logger;
  now?: () => number;
}
