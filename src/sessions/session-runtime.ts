/**
 * `SessionRuntime`: the engine under a {@link Session} — its serial turn queue, the live process
 * (held by a {@link ProcessLink}) and what its output does: turns started, fed, finished or
 * recovered, steered messages answered as follow-up turns, permission requests gated, state and
 * figures persisted. {@link Session} adds the public operations on top.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import PQueue from 'p-queue';
import { BridgeError } from '../core/errors.js';
import { makeClaudeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { appendHistory } from '../claude/history.js';
import { encodeUserMessage } from '../claude/input.js';
import { transcriptPath } from '../claude/slug.js';
import type { SDKResultMessage } from '../claude/stream-json.js';
import type { ExitInfo, ProcessHandle } from '../backends/types.js';
import type { SessionPatch, SessionRecord, SessionState } from '../store/types.js';
import { launchClaude } from './launch.js';
import { turnEnding, type turnStats } from './output.js';
import { PermissionGate } from './permissions.js';
import { ProcessLink } from './process-link.js';
import { SteerBook, type Steer } from './steering.js';
import { Turn, type TurnResult } from './turn.js';
import type { SessionDeps, SessionEvents } from './session-types.js';

export const EMPTY_STATS = { costUsd: 0, inputTokens: 0, outputTokens: 0, durationMs: 0 };

export abstract class SessionRuntime extends EventEmitter<SessionEvents> {
  protected link: ProcessLink | null = null;
  protected readonly queue = new PQueue({ concurrency: 1 });
  protected current: Turn | null = null;
  protected seq = 0;
  protected deliveredSeq = 0;
  protected recovering: (() => void) | null = null;
  /** The next start is a deliberately new conversation (regenerate of a first prompt), not a lost one. */
  protected freshConversation = false;
  readonly log: Logger;

  protected readonly gate: PermissionGate;
  protected readonly steering = new SteerBook();

  constructor(protected rec: SessionRecord, protected readonly deps: SessionDeps) {
    super();
    this.log = deps.log.child({ session: rec.id });
    this.seq = deps.store.listTurns(rec.id).at(-1)?.seq ?? 0;
    this.gate = new PermissionGate({
      sessionId: rec.id, store: deps.store, now: deps.now, timeoutMs: deps.permissionTimeoutMs ?? 600_000, log: this.log,
      write: async (line) => { await this.link?.handle.write(line); },
      alwaysAllowed: () => JSON.parse(this.rec.alwaysAllow) as string[],
      setAlwaysAllowed: (tools) => this.patch({ alwaysAllow: JSON.stringify(tools) }),
      asked: (req) => this.emit('permission', req),
      settled: (req, outcome) => {
        if (outcome.by === 'timeout') this.current?.notice(`Nobody answered whether Claude may use ${req.toolName}, so it was denied.`);
        this.emit('permissionSettled', req, outcome);
      },
    });
  }

  /** Where Claude Code keeps this session's conversation. */
  get transcriptFile(): string {
    return transcriptPath(this.deps.claudeConfigDir, this.rec.cwd, this.rec.claudeSessionId);
  }

  /** Ends the process, keeps the record: the next message resumes with `--resume`. */
  async suspend(): Promise<void> {
    const link = this.link;
    if (!link) return;
    await link.handle.kill();
    await link.exitHandled;
    if (this.rec.state !== 'stopped') this.setState('suspended');
  }

  protected enqueue(turn: Turn): void {
    void this.queue.add(() => this.runTurn(turn));
  }

  protected async runTurn(turn: Turn): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let resumeFailed!: Promise<'resume-failed'>;
      try {
        if (this.link && (await this.link.wentOnElsewhere(this.transcriptFile))) {
          turn.notice('This conversation went on elsewhere (a terminal?), so Claude picks it up from there.');
          await this.suspend(); // the next start resumes from the transcript as it is now
        }
        await this.ensureProcess(turn);
        this.current = turn;
        this.link!.turnStarted();
        this.deps.store.setTurnState(turn.id, 'running');
        this.setState('running');
        resumeFailed = new Promise((resolve) => (this.recovering = () => resolve('resume-failed')));
        if (this.link!.resumeFailed) this.triggerRecovery(); // reported before the prompt was written
        else await this.link!.handle.write(encodeUserMessage(turn.prompt));
        turn.markStarted();
      } catch (err) {
        const error = err instanceof BridgeError ? err : new BridgeError('PROCESS_START_FAILED', { reason: 'see the log' }, { cause: err });
        this.log.error({ err, cause: (err as Error).cause }, 'turn could not start');
        this.emit('error', error);
        this.finishTurn(turn, { outcome: 'error', error, ...EMPTY_STATS });
        return;
      }
      const link = this.link;
      if ((await Promise.race([turn.done.then(() => 'done' as const), resumeFailed])) === 'done') return;
      // `--resume` found no conversation: start a fresh one in this bridge session and ask again.
      this.log.warn({ claudeSessionId: this.rec.claudeSessionId }, 'resume failed: no conversation; starting a fresh one');
      await link?.handle.exited;
      if (this.link === link) this.link = null; // its exit is handled here, not in onExit
      this.patch({ claudeSessionId: makeClaudeSessionId() });
      turn.resetOutput();
      turn.notice('Claude Code could not find the previous conversation, so this starts a fresh one.');
    }
    const error = new BridgeError('TURN_FAILED', { reason: 'the conversation could not be resumed or started afresh' });
    this.finishTurn(turn, { outcome: 'error', error, ...EMPTY_STATS }); // not reached unless a fresh start fails alike
  }

  protected async ensureProcess(turn: Turn): Promise<void> {
    if (this.link) return;
    await this.deps.acquireSlot((position) => { turn.emit('queued', position); this.emit('queued', turn, position); });
    try {
      this.setState('starting');
      const { handle, kind, freshId } = await launchClaude(this.deps, this.rec, { expectNew: this.freshConversation });
      this.freshConversation = false;
      if (freshId) {
        this.patch({ claudeSessionId: freshId });
        turn.notice('The transcript of the previous conversation is missing, so this starts a fresh Claude session.');
      }
      this.adopt(handle, { resumed: kind === 'resume', fromOffset: 0 });
      this.log.info({ backend: handle.backend, kind }, 'process started');
      this.setState('idle');
    } catch (err) {
      this.setState('failed');
      throw err;
    } finally {
      this.deps.releaseSlot();
    }
  }

  protected adopt(handle: ProcessHandle, o: { resumed: boolean; fromOffset: number }): void {
    const link: ProcessLink = new ProcessLink(handle, {
      resumed: o.resumed, now: this.deps.now, log: this.log,
      on: {
        message: (msg) => {
          this.emit('event', msg);
          this.current?.feed(msg);
          const folded = this.steering.onMessage(msg);
          if (folded) { folded.mark.state = 'folded'; folded.into.markSteer(folded.mark); }
          if (msg.type === 'control_request' && msg.request.subtype === 'can_use_tool') this.gate.onRequest(msg, this.current?.id ?? null);
        },
        result: (result, offset, stats) => this.onResult(result, offset, stats),
        resumeFailed: () => this.triggerRecovery(),
        exit: (exit, stalledAfterMs) => this.onExit(link, exit, stalledAfterMs),
      },
    });
    this.link = link;
    this.patch({ backend: handle.backend, outputOffset: o.fromOffset });
  }

  protected onExit(link: ProcessLink, exit: ExitInfo, stalledAfterMs: number | null): void {
    if (this.link !== link) return; // detached or replaced
    this.link = null;
    this.gate.dropAll();
    for (const steer of this.steering.dropAll()) {
      steer.mark.state = 'lost';
      steer.into.markSteer(steer.mark);
    }
    this.patch({ backend: null, outputOffset: 0 });
    const turn = this.current;
    if (this.rec.state !== 'stopped') this.setState('suspended');
    if (link.resumeFailed) return this.triggerRecovery();
    if (!turn || turn.isEnded) return void this.log.info({ exit }, 'process exited');
    if (turn.interruptRequested) return this.finishTurn(turn, { outcome: 'interrupted', ...EMPTY_STATS });
    this.log.warn({ exit }, 'process exited during a turn');
    const error = stalledAfterMs !== null
      ? new BridgeError('TURN_STALLED', { seconds: Math.round(stalledAfterMs / 1000) })
      : new BridgeError('PROCESS_EXITED', { exitCode: 'code' in exit ? exit.code : exit.signal });
    this.finishTurn(turn, { outcome: 'process-exited', error, ...EMPTY_STATS });
  }

  protected onResult(result: SDKResultMessage, offset: number, stats: ReturnType<typeof turnStats>): void {
    this.patch({
      turnCount: this.rec.turnCount + 1,
      inputTokens: this.rec.inputTokens + stats.inputTokens,
      outputTokens: this.rec.outputTokens + stats.outputTokens,
      costUsd: this.rec.costUsd + stats.costUsd,
      lastActivityAt: this.deps.now(),
      ...(this.rec.forkFrom ? { forkFrom: null, forkAt: null } : {}), // forked: its own transcript exists now
    });
    const turn = this.current;
    if (!turn) return this.patch({ outputOffset: offset }); // output nobody waits for
    turn.endOffset = offset;
    const ending = turnEnding(result, turn.interruptRequested, stats);
    if (!turn.followUpOf) this.recordHistory(turn.prompt); // steered messages were recorded when sent
    const left = this.steering.leftOver(turn);
    for (const s of left) { s.mark.state = 'next-turn'; turn.markSteer(s.mark); }
    this.finishTurn(turn, ending.outcome === 'success' ? { ...ending, text: turn.text || ending.text } : ending);
    if (left.length > 0) this.startFollowUp(turn, left);
  }

  /**
   * Messages steered into `turn` that it did not take: the CLI answers them next, joined into one
   * turn, by itself. That turn becomes current now — before the queue can write anything else —
   * and holds the queue until it ends.
   */
  protected startFollowUp(turn: Turn, steers: Steer[]): void {
    const followUp = new Turn({ id: randomUUID(), seq: ++this.seq, prompt: steers.map((s) => s.text).join('\n'), replyRef: steers[0]!.replyRef });
    followUp.followUpOf = turn;
    this.deps.store.addTurn({ ...followUp, sessionId: this.rec.id, state: 'running', createdAt: this.deps.now() });
    this.current = followUp;
    this.link?.turnStarted();
    this.setState('running');
    void this.queue.add(() => followUp.done, { priority: 1 });
    this.emit('followUp', followUp);
    followUp.markStarted();
  }

  /** Appends a prompt to Claude Code's `history.jsonl`, so the terminal's history shows it. */
  protected recordHistory(prompt: string): void {
    const line = { display: prompt, timestamp: this.deps.now(), project: this.rec.cwd, sessionId: this.rec.claudeSessionId };
    appendHistory(this.deps.claudeConfigDir, line).catch((err) => this.log.warn({ err }, 'could not append to history.jsonl'));
  }

  /** `--resume` found no conversation: hand the current turn back to runTurn, which starts afresh. */
  protected triggerRecovery(): void {
    const recover = this.recovering;
    if (!this.current || !recover) return;
    this.recovering = null;
    this.current = null;
    recover();
  }

  /** Ends a turn after the session's own state is settled, so awaiting callers see it. */
  protected finishTurn(turn: Turn, result: Omit<TurnResult, 'text'> & { text?: string }): void {
    if (this.current === turn) this.current = null;
    this.recovering = null;
    if (this.link) this.setState('idle');
    turn.end(result);
  }

  protected setState(state: SessionState): void {
    const previous = this.rec.state;
    if (previous === state) return;
    this.patch({ state });
    this.emit('state', state, previous);
  }

  protected patch(p: SessionPatch): void {
    this.rec = { ...this.rec, ...p, updatedAt: this.deps.now() };
    this.deps.store.update(this.rec.id, p);
  }
}
