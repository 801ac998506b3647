/** The contracts of sessions: what a {@link Session} and the SessionManager are given, and a session's events. */
import type { Logger } from '../core/logger.js';
import type { PermissionMode } from '../claude/args.js';
import type { ProcessBackend, ProcessHandle } from '../backends/types.js';
import type { SessionState, SessionStore } from '../store/types.js';
import type { ElicitationOutcome, ElicitationRequest } from './elicitations.js';
import type { Outbox } from './outbox.js';
import type { PermissionOutcome, PermissionRequest } from './permissions.js';
import type { Turn } from './turn.js';

export interface SessionEvents {
  state: (state: SessionState, previous: SessionState) => void;
  /**
   * A turn whose answer is owed and is to be shown: a new message, a follow-up the CLI started by
   * itself (`turn.followUpOf`), a steered message answered on its own after all, or one picked up
   * at start-up. Emitted once per turn per bot process; the presenter shows it, then calls
   * {@link Session.delivered}.
   */
  turn: (turn: Turn) => void;
  /** Claude asks to use a tool; answer with `decidePermission`. */
  permission: (req: PermissionRequest) => void;
  permissionSettled: (req: PermissionRequest, outcome: PermissionOutcome) => void;
  /** An MCP server asks for input (a form or a link); answer with `answerElicitation`. */
  elicitation: (req: ElicitationRequest) => void;
  /** Settled: answered, declined because Discord cannot show it (`by: 'refused'`), timed out, or the process ended. */
  elicitationSettled: (req: ElicitationRequest, outcome: ElicitationOutcome) => void;
}

/** Files Claude sends to the chat: the bridge's MCP server for each process, and the outbox it writes. */
export interface SendFilesOptions {
  outbox: Outbox;
  /** The Node binary that runs the server (`process.execPath`). */
  command: string;
  /** Absolute path of `dist/mcp/send-file-server.js`. */
  script: string;
  /** Largest file sent, bytes (Discord's upload limit, `MAX_UPLOAD_MB`). */
  maxUploadBytes: number;
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
  /** An MCP config file every process gets (`--mcp-config`; `MCP_CONFIG`). */
  mcpConfig?: string;
  /** Claude Code's config home (`$CLAUDE_CONFIG_DIR` or `~/.claude`), where transcripts live. */
  claudeConfigDir: string;
  /** Realpath every session directory must be inside (checked at each process start). */
  workspaceRoot?: string;
  /** When set, each process gets the bridge's MCP server (`send_file`), and turns claim what it sent. */
  sendFiles?: SendFilesOptions;
  log: Logger;
  now: () => number;
  /**
   * Asks for a process slot. The pool answers by posting `slotGranted`, `slotQueued` (position) or
   * `slotRefused` (queue full) to the session's mailbox; it may suspend idle sessions to make room.
   */
  requestSlot: () => void;
  /** The granted slot is in use now (the turn started) or no longer wanted. */
  releaseSlot: () => void;
  /** Withdraws a request that waits in the queue. */
  cancelSlot: () => void;
  /**
   * A process started ahead of need for this session ({@link SparePool}), handed over once at its
   * first start; `null` when there is none, or when it does not fit the session's record any more.
   */
  takeSpare?: () => ProcessHandle | null;
  /** The session's mailbox is empty again (it may have become evictable: room for a waiter). */
  settled?: () => void;
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
  /** An MCP config file every process gets (`--mcp-config`; `MCP_CONFIG`). */
  mcpConfig?: string;
  /** Working directory of new sessions (realpath) unless their channel has its own. */
  defaultCwd: string;
  /** Realpath every session directory must be inside; default `defaultCwd`. */
  workspaceRoot?: string;
  /** Upper bound on live processes, in all and per user. */
  maxSessions: number;
  maxSessionsPerUser: number;
  /** Processes kept started ahead of need ({@link SparePool}), within `maxSessions`; default 0. */
  spareProcesses?: number;
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
  /** Files Claude sends to the chat (`send_file`); omitted → no MCP server is given. */
  sendFiles?: SendFilesOptions;
  log: Logger;
  now?: () => number;
}
