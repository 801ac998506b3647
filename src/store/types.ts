/** The session record and the store contract the domain depends on (as an interface). */
import type { BridgeSessionId, ClaudeSessionId, Snowflake } from '../core/ids.js';

/** `starting → idle ⇄ running → suspended | stopped | failed` (DESIGN.md §2). */
export type SessionState = 'starting' | 'idle' | 'running' | 'suspended' | 'stopped' | 'failed';

export interface SessionRecord {
  id: BridgeSessionId;
  ownerId: Snowflake;
  guildId: Snowflake | null;
  channelId: Snowflake;
  /** Working directory of the `claude` process (absolute, realpath). */
  cwd: string;
  claudeSessionId: ClaudeSessionId;
  /** The session this one was forked from (branch/regenerate). */
  parentSessionId: BridgeSessionId | null;
  /** Until its first process starts: the Claude session to fork the conversation from. */
  forkFrom: ClaudeSessionId | null;
  /** With `forkFrom`: the transcript entry (uuid) to cut the forked history at, or null for all of it. */
  forkAt: string | null;
  /** Tools the owner allowed for the rest of the session: JSON array of tool names. */
  alwaysAllow: string;
  model: string | null;
  /**
   * The session's own Claude Code permission mode (`default`, `plan`, `acceptEdits`…): set with
   * `/claude mode`, or taken from the CLI when it switches by itself (a plan approved); `null` = the
   * bot's `PERMISSION_MODE`.
   */
  permissionMode: string | null;
  state: SessionState;
  /** Backend of the live process, when there is one. */
  backend: 'tmux' | 'pty' | null;
  /** Bytes of the process's stdout already delivered (tmux output file). */
  outputOffset: number;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
  /** User messages sent. */
  messageCount: number;
  /** Turns completed (one `result` each). */
  turnCount: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export type SessionPatch = Partial<Omit<SessionRecord, 'id' | 'createdAt'>>;

/**
 * A turn whose answer is still owed: `queued` (not yet sent to the process), `running`, or
 * `answered` (its result stored, not yet shown).
 */
export interface TurnRecord {
  id: string;
  sessionId: BridgeSessionId;
  /** Order within the session. */
  seq: number;
  prompt: string;
  /** Images sent with the prompt: a JSON array of content blocks owned by the session, or null. */
  images?: string | null;
  /** Where the answer is shown: opaque JSON owned by the transport (Discord), or null. */
  replyRef: string | null;
  state: 'queued' | 'running' | 'answered';
  /** Epoch ms. */
  createdAt: number;
  /** With `answered`: the turn's result (the session's JSON). */
  result?: string | null;
  /** Set while the message is steered into a running turn: the uuid it was written with. */
  steerUuid?: string | null;
  /** With `steerUuid`: the id of the turn it was written into. */
  steeredInto?: string | null;
  /** Set while the turn waits for the plan's usage limit to reset (`queued`): when it runs again, epoch ms. */
  parkedUntil?: number | null;
  /** The uuid its prompt is sent with when not its id (sent again after a usage limit). */
  writeUuid?: string | null;
}

/** A side effect recorded before it happens, so start-up can finish or undo it. */
export interface IntentRecord {
  id: string;
  /** What the transport was doing (e.g. `thread-ask`). */
  kind: string;
  /** The transport's own JSON. */
  payload: string;
  /** Epoch ms. */
  createdAt: number;
}

/** One line of the audit log: who did what, when, with what result. */
export interface AuditEntry {
  /** ms since the epoch. */
  at: number;
  /** Discord user id; `null` for the bot itself (a timeout, say). */
  userId: string | null;
  kind: 'command' | 'button' | 'menu' | 'message' | 'permission' | 'schedule' | 'trigger';
  /** Subcommand, button action, or permission decision (`allow`, `deny`, `always`, `timeout`…). */
  action: string;
  sessionId: string | null;
  channelId: string | null;
  result: 'ok' | 'refused' | 'error';
  /** Short detail: the refusal's code, an error reference, the tool name… */
  detail: string | null;
}

export interface SessionStore {
  insert(record: SessionRecord): void;
  /** Applies `patch` and bumps `updatedAt`. */
  update(id: BridgeSessionId, patch: SessionPatch): void;
  get(id: BridgeSessionId): SessionRecord | null;
  /** The newest session of this owner in this channel that is not `stopped`. */
  findCurrent(ownerId: Snowflake, channelId: Snowflake): SessionRecord | null;
  listByOwner(ownerId: Snowflake): SessionRecord[];
  /** Every session, most recently active first. */
  listAll(): SessionRecord[];
  /** The session (any owner) bound to this Claude session id, if any. */
  findByClaudeId(claudeSessionId: string): SessionRecord | null;
  /**
   * Sessions to pick up at start-up: those that had a process when last seen (`backend` set) or
   * still owe an answer (a stored turn), most recently active first.
   */
  listRestorable(): SessionRecord[];
  /** Records the answer to a tool permission request (idempotent). */
  recordPermission(d: { sessionId: BridgeSessionId; requestId: string; tool: string; decision: 'allow' | 'deny'; decidedBy: string | null; decidedAt: number }): void;
  /** Whether that permission request was already answered. */
  isPermissionDecided(sessionId: BridgeSessionId, requestId: string): boolean;
  /** Stores the answer to question `question` (0-based) of a pending AskUserQuestion request (idempotent). */
  recordQuestionAnswer(a: { sessionId: BridgeSessionId; requestId: string; question: number; answer: string; answeredBy: string }): void;
  /** Drops the answers kept for a request once it is settled (its decision is recorded). */
  deleteQuestionAnswers(sessionId: BridgeSessionId, requestId: string): void;
  /** The answers already given to questions of that request. */
  listQuestionAnswers(sessionId: BridgeSessionId, requestId: string): Array<{ question: number; answer: string; answeredBy: string }>;
  /** Every Claude session id some session is bound to (one query, for listings). */
  boundClaudeIds(): Set<string>;
  /** Every session id (orphan detection). */
  listIds(): Set<string>;
  /** Deletes a session and its turns. */
  delete(id: BridgeSessionId): void;
  /**
   * Stores an accepted message (the durable inbox). In the same transaction it can absorb other
   * owed rows (`absorb`: steered messages the CLI now answers as this turn) and finish an intent
   * (`intentId`: the side effect that led to it is done), and move the channel's cursor to the
   * message it came from (`cursor`; never backwards), and record the remote command it came from
   * (`commandId`: a runner's JetStream command, so a redelivery is recognized; see `findCommand`).
   */
  addTurn(turn: TurnRecord, o?: { absorb?: readonly string[]; intentId?: string; cursor?: { channelId: string; messageId: string }; commandId?: string }): void;
  /** A remote command accepted before (issue 12), by its id: the session and turn it went to; `null` if never. */
  findCommand(id: string): { sessionId: string | null; turnId: string | null } | null;
  /** Records a remote command that did not become a turn (interrupt, stop…, or one refused) as handled. */
  recordCommand(id: string, sessionId: string | null, at: number): void;
  /** Forgets command records older than `before` (epoch ms); returns how many. */
  pruneCommands(before: number): number;
  /** Every channel's newest message taken into the inbox (see `addTurn`'s `cursor`). */
  listCursors(): Array<{ channelId: string; messageId: string }>;
  /** Moves a channel's cursor forward to `messageId` (a message handled without becoming a turn). */
  advanceCursor(channelId: string, messageId: string): void;
  /** The message was written into running turn `intoId` with `uuid`. */
  markSteered(id: string, uuid: string, intoId: string): void;
  /** The message was not taken by the process: it is a turn of its own again. */
  unsteer(id: string): void;
  /** `writeUuid`: the uuid the prompt is written with this time (a resend's fresh one), kept for restore. */
  setTurnState(id: string, state: 'queued' | 'running', writeUuid?: string): void;
  /**
   * In one transaction: the turn was refused for a usage limit and waits (`queued`) until `until`
   * (epoch ms), to be sent again with `writeUuid`; the session's output offset becomes
   * `outputOffset` (past its `result` line; `null` leaves it); `left`: as for `setTurnAnswered`.
   */
  parkTurn(id: string, until: number, writeUuid: string, outputOffset: number | null, left?: readonly string[]): void;
  /** The parked turn runs now (or is cancelled): it waits no more. */
  unparkTurn(id: string): void;
  /**
   * In one transaction: the turn's result is known (`result`: the session's JSON; it stays owed
   * until delivered), and the session's output offset becomes `outputOffset` (bytes past the
   * turn's `result` line; `null` leaves it): that output never needs reading again. `left`: rows of
   * messages steered into it that it did not take — they no longer belong to it (`steered_into`
   * cleared, `steer_uuid` kept: written, awaiting the CLI's own next turn).
   */
  setTurnAnswered(id: string, result: string, outputOffset: number | null, left?: readonly string[]): void;
  /** Where the transport shows the turn's answer (opaque JSON). */
  setTurnReplyRef(id: string, replyRef: string): void;
  /** Owed turns of a session, oldest first. */
  listTurns(sessionId: BridgeSessionId): TurnRecord[];
  /** The answer to turn `turnId` was delivered: it and the messages folded into it are dropped. */
  completeTurn(sessionId: BridgeSessionId, turnId: string): void;
  addIntent(intent: IntentRecord): void;
  listIntents(): IntentRecord[];
  deleteIntent(id: string): void;
  /** The newest session of any owner in this channel (a session's thread) that is not `stopped`. */
  findInChannel(channelId: Snowflake): SessionRecord | null;
  recordAudit(entry: AuditEntry): void;
  /** The newest audit entries, newest first. */
  listAudit(limit: number): AuditEntry[];
  /** The working directory an admin set for this channel, if any. */
  getChannelDir(channelId: Snowflake): string | null;
  setChannelDir(channelId: Snowflake, cwd: string, setBy: Snowflake, at: number): void;
  close(): void;
}
