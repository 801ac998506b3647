/** The contracts of a {@link Session}: what it is given, and the events it emits. */
import type { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { KnownMessage } from '../claude/stream-json.js';
import type { ProcessBackend } from '../backends/types.js';
import type { SessionState, SessionStore } from '../store/types.js';
import type { Turn } from './turn.js';

export interface SessionEvents {
  state: (state: SessionState, previous: SessionState) => void;
  /** Every parsed output line of the process. */
  event: (message: KnownMessage) => void;
  error: (error: BridgeError) => void;
  /** A turn waits for a process slot; `position` 1 is next. */
  queued: (turn: Turn, position: number) => void;
}

export interface SessionDeps {
  backend: ProcessBackend;
  store: SessionStore;
  /** Path of the `claude` executable. */
  claudeBin: string;
  /** The whole environment of the `claude` process. */
  env: Record<string, string>;
  /** Claude Code's config home (`$CLAUDE_CONFIG_DIR` or `~/.claude`), where transcripts live. */
  claudeConfigDir: string;
  log: Logger;
  now: () => number;
  /** Waits for a process slot (reporting queue positions) or throws BridgeError `QUEUE_FULL`. */
  acquireSlot: (onQueued: (position: number) => void) => Promise<void>;
  /** Called once the start attempt is over, whatever its outcome. */
  releaseSlot: () => void;
}
