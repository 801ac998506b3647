/**
 * `Session`: one bridge session — one owner, place and working directory bound to one Claude
 * session id — and its kept-alive `claude` stream-json process. Turns are stored before they reach
 * the process and forgotten only once delivered ({@link Session.delivered}), so a restart owes
 * nothing silently. Work runs through one serial queue; the live process is held by a
 * {@link ProcessLink}, whose output feeds the current {@link Turn}.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import PQueue from 'p-queue';
import { BridgeError } from '../core/errors.js';
import { makeClaudeSessionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { appendHistory } from '../claude/history.js';
import { encodeInterrupt, encodeSetModel, encodeUserMessage } from '../claude/input.js';
import { transcriptPath } from '../claude/slug.js';
import type { SDKResultMessage } from '../claude/stream-json.js';
import type { ExitInfo, ProcessHandle } from '../backends/types.js';
import type { SessionPatch, SessionRecord, SessionState } from '../store/types.js';
import { launchClaude } from './launch.js';
import { turnEnding, type turnStats } from './output.js';
import { PermissionGate, type PermissionDecision } from './permissions.js';
import { ProcessLink } from './process-link.js';
import { SteerBook, type Steer } from './steering.js';
import { Turn, type TurnResult } from './turn.js';
import type { SessionDeps, SessionEvents } from './session-types.js';

export type { SessionDeps, SessionEvents };

const EMPTY = { costUsd: 0, inputTokens: 0, outputTokens: 0, durationMs: 0 };

export class Session extends EventEmitter<SessionEvents> {
  private link: ProcessLink | null = null;
  private readonly queue = new PQueue({ concurrency: 1 });
  private current: Turn | null = null;
  private seq = 0;
  private deliveredSeq = 0;
  private recovering: (() => void) | null = null;
  /** The next start is a deliberately new conversation (regenerate of a first prompt), not a lost one. */
  private freshConversation = false;
  readonly log: Logger;

  private readonly gate: PermissionGate;
  private readonly steering = new SteerBook();

  constructor(private rec: SessionRecord, private readonly deps: SessionDeps) {
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

  /** Answers a tool permission request (by its key). `false` when it no longer waits. */
  decidePermission(key: string, decision: PermissionDecision, userId: string): Promise<boolean> {
    return this.gate.decide(key, decision, userId);
  }

  get id() { return this.rec.id; }
  get record(): Readonly<SessionRecord> { return this.rec; }
  get state(): SessionState { return this.rec.state; }
  /** Has a process, or is starting one. */
  get isLive(): boolean { return this.link !== null || this.rec.state === 'starting'; }
  get currentTurn(): Turn | null { return this.current; }

  /** Stores `text` as the next turn and queues it. Never throws: failures end the returned turn. */
  sendMessage(text: string, opts: { replyRef?: string } = {}): Turn {
    const turn = new Turn({ id: randomUUID(), seq: ++this.seq, prompt: text, replyRef: opts.replyRef ?? null });
    this.deps.store.addTurn({ ...turn, sessionId: this.id, state: 'queued', createdAt: this.deps.now() });
    this.patch({ messageCount: this.rec.messageCount + 1, lastActivityAt: this.deps.now() });
    this.enqueue(turn);
    return turn;
  }

  /**
   * Sends `text` into the running turn when one runs (steering: Claude Code folds it in at its next
   * step, or answers it right after — then as a follow-up turn, announced by the `followUp` event);
   * otherwise it becomes the next turn, as {@link Session.sendMessage}. Never throws.
   */
  steer(text: string, opts: { replyRef?: string } = {}): { kind: 'steered'; into: Turn } | { kind: 'turn'; turn: Turn } {
    const into = this.current;
    const link = this.link;
    if (!into || into.isEnded || !link || this.rec.state !== 'running') return { kind: 'turn', turn: this.sendMessage(text, opts) };
    const steer = this.steering.add(into, text, opts.replyRef ?? null);
    into.markSteer(steer.mark);
    this.patch({ messageCount: this.rec.messageCount + 1, lastActivityAt: this.deps.now() });
    this.recordHistory(text);
    link.handle.write(encodeUserMessage(text, { uuid: steer.uuid })).catch((err) => {
      this.log.error({ err }, 'could not write a steering message');
      this.steering.leftOver(into);
      steer.mark.state = 'lost';
      into.markSteer(steer.mark);
    });
    return { kind: 'steered', into };
  }

  /** The transport shows `turn`'s answer in `replyRef` (decided after the turn was sent). */
  setReplyRef(turn: Turn, replyRef: string): void {
    turn.replyRef = replyRef;
    this.deps.store.setTurnReplyRef(turn.id, replyRef);
  }

  /** The transport has shown `turn`'s answer: forget it, and move the delivered output offset. */
  delivered(turn: Turn): void {
    const forward = turn.seq > this.deliveredSeq;
    this.deliveredSeq = Math.max(this.deliveredSeq, turn.seq);
    this.deps.store.completeTurn(this.id, turn.seq, forward ? turn.endOffset : null);
  }

  /** Where Claude Code keeps this session's conversation. */
  get transcriptFile(): string {
    return transcriptPath(this.deps.claudeConfigDir, this.rec.cwd, this.rec.claudeSessionId);
  }

  /** Makes this the current session of another channel (resume there); a stopped session wakes as suspended. */
  moveTo(channelId: SessionRecord['channelId'], guildId: SessionRecord['guildId']): void {
    this.patch({ channelId, guildId, lastActivityAt: this.deps.now() });
    if (this.rec.state === 'stopped') this.setState('suspended');
  }

  /** A turn runs or waits in this session's queue. */
  get isBusy(): boolean {
    return this.current !== null || this.queue.size > 0 || this.queue.pending > 0;
  }

  /**
   * Points the session at another conversation: ends its process, and the next message starts
   * `claudeSessionId` (forked from `forkFrom` at `forkAt` when set). `expectNew`: a deliberately
   * new conversation, so a missing transcript is no loss to report.
   */
  async repoint(to: Pick<SessionRecord, 'claudeSessionId' | 'forkFrom' | 'forkAt'>, o: { expectNew?: boolean } = {}): Promise<void> {
    await this.suspend();
    this.patch(to);
    this.freshConversation = o.expectNew ?? false;
  }

  /** Model for the next turns (alias or full id; `null` = the CLI's default), applied to a live process at once. */
  async setModel(model: string | null): Promise<void> {
    this.patch({ model });
    if (this.link && model) await this.link.handle.write(encodeSetModel(randomUUID(), model));
    else if (this.link) await this.suspend(); // back to the default: the next start omits --model
  }

  /** Interrupts the running turn (stream-json `interrupt` control request). `false` when nothing runs. */
  async interrupt(): Promise<boolean> {
    const turn = this.current;
    if (!turn || turn.isEnded || !this.link) return false;
    turn.interruptRequested = true;
    await this.link.handle.write(encodeInterrupt(randomUUID()));
    return true;
  }

  /** Ends the process, keeps the record: the next message resumes with `--resume`. */
  async suspend(): Promise<void> {
    const link = this.link;
    if (!link) return;
    await link.handle.kill();
    await link.exitHandled;
    if (this.rec.state !== 'stopped') this.setState('suspended');
  }

  /** Interrupts, ends the process, and marks the session `stopped` (a new ask starts a new session). */
  async stop(): Promise<void> {
    this.setState('stopped');
    this.queue.clear();
    if (this.current) this.current.interruptRequested = true;
    await this.suspend();
  }

  /** Stops reading but leaves a tmux-held process running (bot shutdown). */
  async detach(): Promise<void> {
    const link = this.link;
    this.link = null;
    await link?.handle.detach();
  }

  /**
   * Picks up after a bot restart. With `attach`, reattaches to a process that outlived the bot and
   * lets the owed running turn finish from the stored offset; otherwise ends any leftover process.
   * Owed turns without a process are queued again. Returns the owed turns, for the transport to show.
   */
  async restore(opts: { attach: boolean }): Promise<Turn[]> {
    const owed = this.deps.store.listTurns(this.id).map((t) => Object.assign(new Turn(t), { storedState: t.state }));
    const leftover = this.rec.backend === this.deps.backend.kind ? await this.deps.backend.attach(this.id, this.rec.outputOffset) : null;
    if (leftover && !opts.attach) await leftover.kill();
    if (leftover && opts.attach) {
      this.adopt(leftover, { resumed: true, fromOffset: this.rec.outputOffset });
      this.setState('idle');
    } else {
      this.patch({ backend: null, outputOffset: 0 });
      this.setState(this.rec.state === 'stopped' ? 'stopped' : 'suspended');
    }
    for (const turn of owed) {
      if (turn.storedState === 'running' && this.link && this.current === null) {
        this.current = turn;
        this.link.turnStarted();
        this.setState('running');
        void this.queue.add(() => turn.done);
        continue;
      }
      if (turn.storedState === 'running') turn.notice('The bot restarted while Claude was answering, so the prompt was sent again.');
      this.enqueue(turn);
    }
    return owed;
  }

  /** `true` when a turn has waited longer than `stallMs` for any output; the process is then ended. */
  checkStall(stallMs: number): boolean {
    const turn = this.current;
    if (!turn || turn.isEnded || !this.link?.endIfStalled(stallMs)) return false;
    this.log.warn({ stallMs }, 'turn stalled; its process was ended');
    return true;
  }

  private enqueue(turn: Turn): void {
    void this.queue.add(() => this.runTurn(turn));
  }

  private async runTurn(turn: Turn): Promise<void> {
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
        turn.emit('started');
      } catch (err) {
        const error = err instanceof BridgeError ? err : new BridgeError('PROCESS_START_FAILED', { reason: 'see the log' }, { cause: err });
        this.log.error({ err, cause: (err as Error).cause }, 'turn could not start');
        this.emit('error', error);
        this.finishTurn(turn, { outcome: 'error', error, ...EMPTY });
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
    this.finishTurn(turn, { outcome: 'error', error, ...EMPTY }); // not reached unless a fresh start fails alike
  }

  private async ensureProcess(turn: Turn): Promise<void> {
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

  private adopt(handle: ProcessHandle, o: { resumed: boolean; fromOffset: number }): void {
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

  private onExit(link: ProcessLink, exit: ExitInfo, stalledAfterMs: number | null): void {
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
    if (turn.interruptRequested) return this.finishTurn(turn, { outcome: 'interrupted', ...EMPTY });
    this.log.warn({ exit }, 'process exited during a turn');
    const error = stalledAfterMs !== null
      ? new BridgeError('TURN_STALLED', { seconds: Math.round(stalledAfterMs / 1000) })
      : new BridgeError('PROCESS_EXITED', { exitCode: exit.code ?? exit.signal ?? 'unknown' });
    this.finishTurn(turn, { outcome: 'process-exited', error, ...EMPTY });
  }

  private onResult(result: SDKResultMessage, offset: number, stats: ReturnType<typeof turnStats>): void {
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
  private startFollowUp(turn: Turn, steers: Steer[]): void {
    const followUp = new Turn({ id: randomUUID(), seq: ++this.seq, prompt: steers.map((s) => s.text).join('\n'), replyRef: steers[0]!.replyRef });
    followUp.followUpOf = turn;
    this.deps.store.addTurn({ ...followUp, sessionId: this.id, state: 'running', createdAt: this.deps.now() });
    this.current = followUp;
    this.link?.turnStarted();
    this.setState('running');
    void this.queue.add(() => followUp.done, { priority: 1 });
    this.emit('followUp', followUp);
    followUp.emit('started');
  }

  /** Appends a prompt to Claude Code's `history.jsonl`, so the terminal's history shows it. */
  private recordHistory(prompt: string): void {
    const line = { display: prompt, timestamp: this.deps.now(), project: this.rec.cwd, sessionId: this.rec.claudeSessionId };
    appendHistory(this.deps.claudeConfigDir, line).catch((err) => this.log.warn({ err }, 'could not append to history.jsonl'));
  }

  /** `--resume` found no conversation: hand the current turn back to runTurn, which starts afresh. */
  private triggerRecovery(): void {
    const recover = this.recovering;
    if (!this.current || !recover) return;
    this.recovering = null;
    this.current = null;
    recover();
  }

  /** Ends a turn after the session's own state is settled, so awaiting callers see it. */
  private finishTurn(turn: Turn, result: Omit<TurnResult, 'text'> & { text?: string }): void {
    if (this.current === turn) this.current = null;
    this.recovering = null;
    if (this.link) this.setState('idle');
    turn.end(result);
  }

  private setState(state: SessionState): void {
    const previous = this.rec.state;
    if (previous === state) return;
    this.patch({ state });
    this.emit('state', state, previous);
  }

  private patch(p: SessionPatch): void {
    this.rec = { ...this.rec, ...p, updatedAt: this.deps.now() };
    this.deps.store.update(this.rec.id, p);
  }
}
