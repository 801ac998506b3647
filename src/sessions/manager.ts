/**
 * `SessionManager`: the registry of bridge sessions. Finds or creates a user's session in a place,
 * bounds live `claude` processes by `maxSessions` (suspending the least recently used idle one to make
 * room), and suspends sessions idle longer than `idleTimeoutMs`.
 */
import { EventEmitter } from 'eventemitter3';
import { BridgeError } from '../core/errors.js';
import { makeBridgeSessionId, makeClaudeSessionId, type BridgeSessionId, type Snowflake } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { ProcessBackend } from '../backends/types.js';
import type { SessionRecord, SessionState, SessionStore } from '../store/types.js';
import { Session } from './session.js';
import type { Turn } from './turn.js';

export interface SessionManagerOptions {
  store: SessionStore;
  backend: ProcessBackend;
  claudeBin: string;
  claudeConfigDir: string;
  /** Environment of every `claude` process. */
  env: Record<string, string>;
  /** Working directory of new sessions (realpath). */
  defaultCwd: string;
  /** Upper bound on live processes. */
  maxSessions: number;
  /** Idle time after which a live session is suspended, ms. */
  idleTimeoutMs: number;
  log: Logger;
  now?: () => number;
}

export interface ManagerEvents {
  state: (session: Session, state: SessionState, previous: SessionState) => void;
}

export class SessionManager extends EventEmitter<ManagerEvents> {
  private readonly sessions = new Map<BridgeSessionId, Session>();
  private readonly reserved = new Set<BridgeSessionId>();
  private readonly now: () => number;
  private reaper: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SessionManagerOptions) {
    super();
    this.now = opts.now ?? Date.now;
  }

  /** Starts the idle reaper. */
  initialize(): void {
    const every = Math.min(30_000, Math.max(1_000, Math.floor(this.opts.idleTimeoutMs / 2)));
    this.reaper = setInterval(() => void this.reapIdle(), every);
    this.reaper.unref();
  }

  /** The user's current session in this channel, created (with a fresh Claude session id) if there is none. */
  getOrCreateSession(ownerId: Snowflake, channelId: Snowflake, guildId: Snowflake | null = null): Session {
    const existing = this.opts.store.findCurrent(ownerId, channelId);
    if (existing) return this.load(existing);
    const t = this.now();
    const record: SessionRecord = {
      id: makeBridgeSessionId(), ownerId, guildId, channelId, cwd: this.opts.defaultCwd,
      claudeSessionId: makeClaudeSessionId(), parentSessionId: null, model: null, state: 'suspended',
      backend: null, outputOffset: 0, createdAt: t, updatedAt: t, lastActivityAt: t,
      messageCount: 0, turnCount: 0, inputTokens: 0, outputTokens: 0, costUsd: 0,
    };
    this.opts.store.insert(record);
    this.opts.log.info({ session: record.id, claudeSessionId: record.claudeSessionId, ownerId, channelId }, 'session created');
    return this.load(record);
  }

  /** A session by id, from memory or the store; `null` when unknown. */
  getSession(id: BridgeSessionId): Session | null {
    const loaded = this.sessions.get(id);
    if (loaded) return loaded;
    const record = this.opts.store.get(id);
    return record ? this.load(record) : null;
  }

  /** @throws BridgeError `SESSION_NOT_FOUND` */
  sendMessage(id: BridgeSessionId, text: string): Turn {
    const session = this.getSession(id);
    if (!session) throw new BridgeError('SESSION_NOT_FOUND');
    return session.sendMessage(text);
  }

  /** Live processes right now (or being started). */
  liveCount(): number {
    return [...this.sessions.values()].filter((s) => s.isLive || this.reserved.has(s.id)).length;
  }

  /** Suspends live sessions idle for longer than the timeout. */
  async reapIdle(): Promise<void> {
    const cutoff = this.now() - this.opts.idleTimeoutMs;
    for (const s of this.sessions.values()) {
      if (s.isLive && s.state === 'idle' && s.record.lastActivityAt < cutoff) {
        this.opts.log.info({ session: s.id }, 'suspending idle session');
        await s.suspend().catch((err) => this.opts.log.error({ err, session: s.id }, 'suspend failed'));
      }
    }
  }

  /** Stops the reaper, then leaves processes running (`keepProcesses`) or ends them. */
  async shutdown(opts: { keepProcesses: boolean }): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    await Promise.all([...this.sessions.values()].map((s) => (opts.keepProcesses ? s.detach() : s.suspend())));
  }

  private load(record: SessionRecord): Session {
    const loaded = this.sessions.get(record.id);
    if (loaded) return loaded;
    const session = new Session(record, {
      backend: this.opts.backend, store: this.opts.store, claudeBin: this.opts.claudeBin, env: this.opts.env,
      claudeConfigDir: this.opts.claudeConfigDir, log: this.opts.log, now: this.now,
      acquireSlot: (s) => this.acquireSlot(s),
      releaseSlot: (s) => this.reserved.delete(s.id),
    });
    session.on('state', (state, previous) => this.emit('state', session, state, previous));
    this.sessions.set(record.id, session);
    return session;
  }

  private async acquireSlot(requester: Session): Promise<void> {
    const others = () => [...this.sessions.values()].filter((s) => s !== requester && (s.isLive || this.reserved.has(s.id)));
    if (others().length >= this.opts.maxSessions) {
      const idle = others()
        .filter((s) => s.state === 'idle' && !this.reserved.has(s.id))
        .sort((a, b) => a.record.lastActivityAt - b.record.lastActivityAt)[0];
      if (!idle) throw new BridgeError('SESSION_LIMIT', { max: this.opts.maxSessions });
      this.opts.log.info({ session: idle.id, for: requester.id }, 'suspending the least recently used idle session to make room');
      await idle.suspend();
      if (others().length >= this.opts.maxSessions) throw new BridgeError('SESSION_LIMIT', { max: this.opts.maxSessions });
    }
    this.reserved.add(requester.id);
  }
}
