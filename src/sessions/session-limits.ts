/**
 * Usage and limits of a session, run only from its loop: turns refused because the plan's usage
 * limit is reached wait for it to reset ({@link ParkedTurns}) and then run, once; the owner can
 * cancel one meanwhile. And what the live process says about usage when asked (`get_usage`,
 * `get_context_usage` control requests), answered outside the loop: a handler never awaits a
 * later input of its own mailbox.
 */
import { randomUUID } from 'node:crypto';
import { encodeQuery } from '../claude/input.js';
import type { KnownMessage } from '../claude/stream-json.js';
import type { ExitInfo } from '../backends/types.js';
import type { ProcessLink } from './process-link.js';
import { EMPTY_STATS } from './session-loop.js';
import { SessionTurns } from './session-turns.js';
import type { Steer } from './steering.js';
import type { RateLimitInfo, Turn } from './turn.js';

/** What a usage question asks the CLI (sdk.d.ts `SDKControlGetUsageRequest`, `SDKControlGetContextUsageRequest`). */
export type UsageQuery = 'get_usage' | 'get_context_usage';

/** A parked turn waits at least this long, ms. */
const MIN_WAIT_MS = 5_000;

/** How long the CLI has to answer a usage question, ms (2.1.330 answers in tens of ms). */
const QUERY_TIMEOUT_MS = 15_000;

export abstract class SessionLimits extends SessionTurns {
  /** Cancels turn `turnId` while it waits for a usage limit to reset. `false` when it no longer waits. */
  async cancelParked(turnId: string): Promise<boolean> {
    return (await this.post({ type: 'cancelParked', turnId })) as boolean;
  }

  /**
   * The live process's answer to `get_usage` (sdk.d.ts `SDKControlGetUsageResponse`) or `get_context_usage`
   * (`SDKControlGetContextUsageResponse`); `null` without one. @throws Error on an error answer or none in 15 s
   */
  async ask(subtype: UsageQuery): Promise<unknown> {
    const asked = (await this.post({ type: 'query', subtype })) as { reply: Promise<unknown> } | null;
    return asked ? asked.reply : null;
  }

  private readonly queries = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  /** The newest usage-limit report of this session's processes (`rate_limit_event`), if any. */
  get rateLimit(): RateLimitInfo | null {
    return this.lastRateLimit;
  }

  protected override onOutput(message: KnownMessage, offset: number): void {
    if (message.type === 'control_response') this.answer(message.response);
    super.onOutput(message, offset);
  }

  protected override afterExit(link: ProcessLink, exit: ExitInfo): void {
    if (this.link === link) for (const id of [...this.queries.keys()]) this.answer({ subtype: 'error', request_id: id, error: 'the process ended' });
    super.afterExit(link, exit);
  }

  protected parkTurn(turn: Turn, resetAt: number, offset: number, left: readonly Steer[]): void {
    if (this.current === turn) this.current = null;
    if (this.link && this.rec.state === 'running') this.setState('idle');
    turn.resetOutput(); // the CLI's "You've hit your limit" is not the answer; the run after the reset is
    // A reset time already past (clocks apart): try again shortly, not in a tight loop.
    this.parking.park(turn, Math.max(resetAt, this.deps.now() + MIN_WAIT_MS), offset, left.map((s) => s.message.id));
    this.rec = { ...this.rec, outputOffset: offset }; // as stored
  }

  /** A parked turn's time came: it goes back in line, in its order, and runs. `false` when it no longer waits. */
  protected async unpark(turnId: string): Promise<boolean> {
    const turn = this.parking.take(turnId);
    if (!turn) return false;
    turn.park(null);
    const at = this.inbox.findIndex((t) => t.seq > turn.seq);
    this.inbox.splice(at < 0 ? this.inbox.length : at, 0, turn);
    await this.pump();
    return true;
  }

  /** Ends a parked turn unanswered (the owner's Cancel, or the session stopped). `false` when it no longer waits. */
  protected dropParked(turnId: string, why = 'Cancelled while it waited for the usage limit to reset.'): boolean {
    const turn = this.parking.take(turnId, { early: true });
    if (!turn) return false;
    turn.park(null);
    turn.notice(why);
    this.endTurn(turn, { outcome: 'interrupted', ...EMPTY_STATS });
    return true;
  }

  /** Ends every parked turn unanswered (the session is stopped). */
  protected cancelAllParked(): void {
    for (const turn of this.parking.takeAll()) {
      turn.park(null);
      turn.notice('The session was stopped before the usage limit reset.');
      this.endTurn(turn, { outcome: 'interrupted', ...EMPTY_STATS });
    }
  }

  /**
   * Asks the live process `subtype`; its answer (`control_response` `response.response`) settles
   * `reply`, outside the loop. `null` without a process.
   */
  protected async query(subtype: UsageQuery): Promise<{ reply: Promise<unknown> } | null> {
    const link = this.link;
    if (!link) return null;
    const id = randomUUID();
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => this.answer({ subtype: 'error', request_id: id, error: `no answer in ${QUERY_TIMEOUT_MS} ms` }), QUERY_TIMEOUT_MS);
      this.queries.set(id, { resolve, reject, timer });
    });
    reply.catch(() => {}); // the caller may have stopped waiting
    const request = subtype === 'get_usage' ? { subtype, skip_behaviors: true } : { subtype, detail: 'summary' as const };
    await link.handle.write(encodeQuery(id, request)).catch((err) => this.answer({ subtype: 'error', request_id: id, error: String(err) }));
    return { reply };
  }

  private answer(r: { subtype: string; request_id: string; error?: string; [k: string]: unknown }): void {
    const q = this.queries.get(r.request_id);
    if (!q) return;
    this.queries.delete(r.request_id);
    clearTimeout(q.timer);
    if (r.subtype === 'success') q.resolve(r.response);
    else q.reject(new Error(`Claude Code could not answer: ${r.error ?? 'error'}`));
  }
}
