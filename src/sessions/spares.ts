/**
 * `SparePool`: `claude` processes started ahead of need, so a new session's first turn does not wait
 * for Claude Code to start (about 0.5–0.7 s on a 2-core host, BENCHMARKS.md). A spare is a new
 * conversation (`--session-id <fresh uuid>`) in one of the most recently used working directories,
 * sent the `initialize` control request (so it has loaded its tools and settings) and then waiting
 * on stdin; Claude Code writes no transcript until its first message, so an unused spare
 * leaves nothing behind. It is started under the bridge session id the session that takes it will
 * have, so the tmux session's name already fits that session (a restart finds it by that name).
 *
 * Spares count within `MAX_SESSIONS` and are the first to go when a slot is needed (the
 * {@link SlotPool} calls {@link SparePool.dropOne} before it evicts any idle session); a spare is
 * started only when a slot is free and nobody waits for one. Leftover spares of a previous run are
 * ended at start-up with the other orphans (they have no session record).
 */
import { makeBridgeSessionId, makeClaudeSessionId, type BridgeSessionId, type ClaudeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { ProcessHandle } from '../backends/types.js';
import type { SessionRecord } from '../store/types.js';
import { encodeInitialize } from '../claude/input.js';
import { launchClaude, type LaunchDeps } from './launch.js';

/** What a new session takes from a spare: the ids it must be created with. */
export interface SpareClaim {
  id: BridgeSessionId;
  claudeSessionId: ClaudeSessionId;
}

interface Spare extends SpareClaim {
  cwd: string;
  /** `null` while starting. */
  handle: ProcessHandle | null;
  /** When a new session took it (ms since the epoch); it waits for that session's first start. */
  claimedAt: number | null;
  dead: boolean;
}

/** How long a claimed spare waits for its session's first start before it is ended, ms. */
export const CLAIM_TTL_MS = 120_000;
/** How long after a spare was taken the next one is started, ms (see `refillSoon`). */
export const REFILL_DELAY_MS = 3_000;

export interface SparePoolOptions {
  /** How many spares to keep (`SPARE_PROCESSES`); 0 turns the pool off. */
  count: number;
  launch: LaunchDeps;
  /** Whether a process may start now without taking anyone's room (a slot is free, nobody waits). */
  hasRoom: () => boolean;
  /** A spare started, ended or expired: the room the slot pool counted may have changed (it pumps its queue). */
  changed?: () => void;
  log: Logger;
  now: () => number;
  /** Working directories remembered as "recently used", most recent first. Default 8. */
  remember?: number;
}

export class SparePool {
  private readonly spares: Spare[] = [];
  /** Most recently used working directories, most recent first. */
  private readonly recent: string[] = [];
  private closed = false;
  /** Spares that died before use, in a row: starts pause after 3 (a CLI that cannot start). */
  private failures = 0;

  constructor(private readonly o: SparePoolOptions) {}

  /** Spares holding (or starting) a process, claimed ones included, except the one claimed for `except`. */
  count(except?: BridgeSessionId): number {
    return this.spares.filter((s) => !s.dead && s.id !== except).length;
  }

  /** Unclaimed spares (they may be ended to make room). */
  get idle(): number {
    return this.spares.filter((s) => s.claimedAt === null && !s.dead).length;
  }

  /** A working directory was used by a session: it becomes the most recent one, and the pool refills. */
  used(cwd: string): void {
    const i = this.recent.indexOf(cwd);
    if (i >= 0) this.recent.splice(i, 1);
    this.recent.unshift(cwd);
    this.recent.length = Math.min(this.recent.length, this.o.remember ?? 8);
    this.refill();
  }

  /**
   * Takes a ready spare for a new conversation in `cwd`: the session must be created with the
   * returned ids, and its first process start gets the handle from {@link take}. `null` when none.
   */
  claim(cwd: string): SpareClaim | null {
    const spare = this.spares.find((s) => s.cwd === cwd && s.handle !== null && s.claimedAt === null && !s.dead);
    if (!spare) return null;
    spare.claimedAt = this.o.now();
    this.o.log.info({ session: spare.id, cwd }, 'new session takes a spare process');
    return { id: spare.id, claudeSessionId: spare.claudeSessionId };
  }

  /**
   * The live process claimed for session `rec.id`, handed over once; `null` when none, when it died,
   * or when the session now wants another process than the spare is (another conversation, a model
   * or permission mode of its own, another directory): that spare is ended.
   */
  take(rec: Pick<SessionRecord, 'id' | 'claudeSessionId' | 'cwd' | 'model' | 'permissionMode'>): ProcessHandle | null {
    const i = this.spares.findIndex((s) => s.id === rec.id && s.claimedAt !== null);
    if (i < 0) return null;
    const spare = this.spares.splice(i, 1)[0]!;
    this.refillSoon();
    if (spare.dead) return null;
    const fits = spare.claudeSessionId === rec.claudeSessionId && spare.cwd === rec.cwd && rec.model == null && rec.permissionMode == null;
    if (!fits) return void spare.handle?.kill(), null;
    this.failures = 0;
    return spare.handle;
  }

  /**
   * Ends one unclaimed spare (of the least recently used directory) to make room, a starting one
   * included (its process is ended as soon as it is there); `false` if none.
   */
  async dropOne(): Promise<boolean> {
    const rank = (s: Spare) => { const r = this.recent.indexOf(s.cwd); return r < 0 ? Infinity : r; };
    const victim = this.spares.filter((s) => s.claimedAt === null && !s.dead).sort((a, b) => rank(b) - rank(a))[0];
    if (!victim) return false;
    this.spares.splice(this.spares.indexOf(victim), 1);
    this.o.log.info({ spare: victim.id, cwd: victim.cwd }, 'ending a spare process to make room');
    await victim.handle?.kill();
    return true;
  }

  /**
   * Starts the spares the recent directories want, while there is room; ends claimed spares their
   * session never started within {@link CLAIM_TTL_MS} (it failed before its first turn). Never throws.
   */
  refill(): void {
    const expired = this.spares.filter((x) => x.claimedAt !== null && this.o.now() - x.claimedAt > CLAIM_TTL_MS);
    for (const s of expired) {
      this.spares.splice(this.spares.indexOf(s), 1);
      void s.handle?.kill();
    }
    if (expired.length > 0) this.o.changed?.();
    if (this.closed || this.o.count <= 0 || this.failures >= 3 || this.recent.length === 0) return;
    const want = Array.from({ length: this.o.count }, (_, i) => this.recent[i] ?? this.recent[0]!);
    for (const s of this.spares) {
      const i = want.indexOf(s.cwd);
      if (i >= 0) want.splice(i, 1);
    }
    for (const cwd of want) {
      if (this.count() >= this.o.count || !this.o.hasRoom()) return;
      this.start(cwd);
    }
  }

  /**
   * Refills after {@link REFILL_DELAY_MS}: starting a `claude` (and its MCP server) takes a core for
   * about a second, which the turn that just took a spare should not have to share.
   */
  private refillSoon(): void {
    if (this.refillTimer || this.closed) return;
    this.refillTimer = setTimeout(() => { this.refillTimer = null; this.refill(); }, REFILL_DELAY_MS);
    this.refillTimer.unref();
  }
  private refillTimer: NodeJS.Timeout | null = null;

  /** Ends every spare (bot shutdown: spares are never kept across a restart). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    const all = this.spares.splice(0);
    await Promise.all(all.map((s) => s.handle?.kill()));
  }

  private start(cwd: string): void {
    const spare: Spare = { id: makeBridgeSessionId(), claudeSessionId: makeClaudeSessionId(), cwd, handle: null, claimedAt: null, dead: false };
    this.spares.push(spare);
    const t = this.o.now();
    const rec = { id: spare.id, claudeSessionId: spare.claudeSessionId, cwd, model: null, forkFrom: null, forkAt: null, turnCount: 0 } as unknown as SessionRecord;
    void launchClaude(this.o.launch, rec, { expectNew: true }).then(
      ({ handle }) => {
        if (this.closed || !this.spares.includes(spare)) return void handle.kill();
        spare.handle = handle;
        // Claude Code loads tools, settings and MCP servers now rather than at the first message.
        void handle.write(encodeInitialize(`spare-${spare.id}`)).catch(() => { /* its exit is reported below */ });
        this.o.log.debug({ spare: spare.id, cwd, ms: this.o.now() - t }, 'spare process started');
        void handle.exited.then((exit) => this.died(spare, exit));
        this.o.changed?.(); // a request that waited while it started may now end it to make room
      },
      (err) => {
        this.o.log.warn({ err, cwd }, 'could not start a spare process');
        this.died(spare, null);
      },
    );
  }

  private died(spare: Spare, exit: unknown): void {
    if (spare.dead) return;
    spare.dead = true;
    if (!this.spares.includes(spare)) return; // taken (the session owns its end) or dropped
    if (spare.claimedAt === null) this.spares.splice(this.spares.indexOf(spare), 1);
    this.failures++;
    this.o.changed?.();
    this.o.log.warn({ spare: spare.id, exit, failures: this.failures }, 'a spare process ended before use');
  }
}
