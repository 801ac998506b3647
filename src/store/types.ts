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
  model: string | null;
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

export interface SessionStore {
  insert(record: SessionRecord): void;
  /** Applies `patch` and bumps `updatedAt`. */
  update(id: BridgeSessionId, patch: SessionPatch): void;
  get(id: BridgeSessionId): SessionRecord | null;
  /** The newest session of this owner in this channel that is not `stopped`. */
  findCurrent(ownerId: Snowflake, channelId: Snowflake): SessionRecord | null;
  listByOwner(ownerId: Snowflake): SessionRecord[];
  close(): void;
}
