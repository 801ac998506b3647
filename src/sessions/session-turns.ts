/**
 * The turn engine of a session, run only from its loop: starting a process when the inbox has work
 * (holding the slot until the turn has started, so nobody evicts it meanwhile), writing turns one at
 * a time, feeding output to the running turn, ending turns on `result`, answering steered messages
 * as follow-up turns, recovering a failed `--resume`, and the end of a process.
 */
import { randomUUID } from 'node:crypto';
import { BridgeError, makeErrorRef } from '../core/errors.js';
import { encodeSetModel, encodeUserMessage } from '../claude/input.js';
import type { KnownMessage } from '../claude/stream-json.js';
import type { ExitInfo, ProcessHandle } from '../backends/types.js';
import { launchClaude } from './launch.js';
import { turnEnding, usageLimitReset } from './output.js';
import { ProcessLink } from './process-link.js';
import { EMPTY_STATS, SessionLoop } from './session-loop.js';
import { replayedUuid, type Steer } from './steering.js';
import { Turn, type TurnResult } from './turn.js';

export abstract class SessionTurns extends SessionLoop {

  /** A slot was asked for to start the process ahead of a message (the owner is typing). */
  private warming = false;

  /**
   * Starts the process ahead of a message the owner is typing (`warm` input): asks for a slot
   * unless the session has a process, work, a slot request, or is stopped. Returns whether it asked.
   */
  protected startWarm(): boolean {
    if (this.link || this.current || this.inbox.length > 0 || this.slot !== 'none' || this.rec.state === 'stopped') return false;
    this.warming = true;
    this.slot = 'requested';
    this.deps.requestSlot();
    return true;
  }

  /**
   * A slot came with nothing to write: start the process for the warm-up that asked for it, else
   * give the slot back. A warm-up that would have to queue gives up instead (`queued`).
   */
  protected async slotWithoutWork(o: { queued?: boolean } = {}): Promise<void> {
    const warming = this.warming && !this.link && this.inbox.length === 0;
    this.warming = false;
    if (warming && !o.queued && (await this.startProcess())) {
      this.patch({ lastActivityAt: this.deps.now() }); // the idle clock starts now, not at the last turn
      this.log.info('process started ahead of a message (the owner is typing)');
    }
    this.giveBackSlot();
  }

  /** Writes the next inbox turn, starting a process first (through the slot pool) when there is none. */
  protected async pump(): Promise<void> {
    if (this.current || this.inbox.length === 0 || this.rec.state === 'stopped') return;
    if (this.link?.resumeFailed) return; // its exit comes next; the turn goes to a fresh process then
    if (this.awaiting.length > 0 && this.link) return; // the CLI answers those first, by itself
    if (!this.link) {
      if (this.slot === 'none') {
        this.slot = 'requested';
        this.deps.requestSlot();
      }
      if (this.slot !== 'held') return;
      if (!(await this.startProcess())) return void (await this.pump());
    }
    await this.writeNext();
  }

  /** Output lines that ask the user something or change the permission mode (`session-asks.ts`). */
  protected abstract onAskOutput(message: KnownMessage): void;
  /** Before a turn is written: a permission mode changed meanwhile is sent first. */
  protected abstract applyPendingMode(): Promise<void>;

  /** `false` when the start failed (the head turn then ends with the reason). */
  protected async startProcess(): Promise<boolean> {
    this.setState('starting');
    try {
      const spare = this.deps.takeSpare?.() ?? null;
      const { handle, kind, freshId } = spare
        ? { handle: spare, kind: 'new' as const, freshId: null }
        : await launchClaude(this.deps, this.rec, { expectNew: this.freshConversation });
      this.freshConversation = false;
      if (freshId) {
        this.patch({ claudeSessionId: freshId });
        this.inbox[0]?.notice('The transcript of the previous conversation is missing, so this starts a fresh Claude session.');
      }
      this.adopt(handle, { resumed: kind === 'resume', fromOffset: 0 });
      this.log.info({ backend: handle.backend, kind }, 'process started');
      this.setState('idle');
      return true;
    } catch (err) {
      // The backend's text (tmux or node-pty stderr) goes to the log only; the user gets its reference.
      const ref = makeErrorRef();
      const safe = err instanceof BridgeError && (err.code === 'OUTSIDE_WORKSPACE' || err.code === 'DIR_NOT_FOUND');
      const error = safe ? err : new BridgeError('PROCESS_START_FAILED', { reason: `the bot's log has the details, ref ${ref}` }, { cause: err });
      this.log.error({ err, cause: (err as Error).cause, ref }, 'process could not start');
      this.setState('failed');
      this.giveBackSlot();
      const turn = this.inbox.shift();
      if (turn) this.endTurn(turn, { outcome: 'error', error, ...EMPTY_STATS });
      return false;
    }
  }

  protected adopt(handle: ProcessHandle, o: { resumed: boolean; fromOffset: number }): void {
    const gen = ++this.gen;
    this.link = new ProcessLink(handle, gen, {
      resumed: o.resumed, now: this.deps.now, log: this.log,
      sink: {
        output: (message, offset) => void this.box.post({ type: 'output', gen, message, offset }),
        exit: (exit) => void this.box.post({ type: 'exit', gen, exit }),
      },
    });
    this.patch({ backend: handle.backend, outputOffset: o.fromOffset });
  }

  private async writeNext(): Promise<void> {
    const link = this.link!;
    if (link.wentOnElsewhere(this.transcriptFile)) {
      this.inbox[0]!.notice('This conversation went on elsewhere (a terminal?), so Claude picks it up from there.');
      return this.restartInPlace();
    }
    if (this.nextModel) {
      const { model } = this.nextModel;
      this.nextModel = null;
      if (model === null) return this.restartInPlace(); // back to the default: the next start omits --model
      await link.handle.write(encodeSetModel(randomUUID(), model)).catch((err) => this.log.warn({ err }, 'could not set the model'));
    }
    await this.applyPendingMode();
    const turn = this.inbox.shift()!;
    this.current = turn;
    link.turnStarted();
    // Sent again (after a usage limit or a restart): a fresh uuid, stored with the state, so a restore
    // after another crash looks for this write in the transcript, not the first one.
    if (turn.sentBefore) turn.writeUuid = randomUUID();
    this.deps.store.setTurnState(turn.id, 'running', turn.writeUuid);
    this.setState('running');
    this.giveBackSlot();
    this.patch({ lastActivityAt: this.deps.now() });
    try {
      // Written with the uuid stored above (the turn's id, or a resend's fresh one): after a crash, the
      // transcript tells whether the CLI got it.
      await link.handle.write(encodeUserMessage(turn.prompt, { uuid: turn.writeUuid, images: turn.images }));
      this.log.debug({ turn: turn.id }, 'prompt written');
    } catch (err) {
      this.log.warn({ err }, 'could not write the prompt; the process is ending'); // its exit ends the turn
    }
    turn.markStarted();
  }

  /** Ends the process and starts the next one at once, keeping the session's place. */
  private async restartInPlace(): Promise<void> {
    this.setState('starting'); // counted as live by the slot pool throughout
    await this.endProcess();
    if (await this.startProcess()) await this.writeNext();
    else await this.pump();
  }

  protected giveBackSlot(): void {
    if (this.slot === 'held') this.deps.releaseSlot();
    else if (this.slot === 'requested') this.deps.cancelSlot();
    this.slot = 'none';
  }

  protected onOutput(message: KnownMessage, offset: number): void {
    const link = this.link!;
    const news = link.take(message);
    if (message.type === 'rate_limit_event') this.lastRateLimit = message.rate_limit_info;
    this.takeAwaiting(message);
    this.current?.feed(message);
    if (this.todos.feed(message)) this.current?.setTodos(this.todos.list);
    const folded = this.steering.onMessage(message);
    if (folded) { folded.mark.state = 'folded'; folded.into.markSteer(folded.mark); }
    this.onAskOutput(message); // permission requests, questions, plans, MCP forms, mode changes
    if (news?.kind === 'resume-failed') return this.recover();
    if (news?.kind !== 'result') return;
    this.log.debug({ turn: this.current?.id }, 'result read');
    const { result, stats } = news;
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
    this.claimSentFiles(turn);
    const ending = turnEnding(result, turn.interruptRequested, stats, turn.apiError);
    // The CLI reports a limit once per change: a refusal in a process that already knew it is rejected says nothing new.
    const resetAt = turn.interruptRequested ? null : usageLimitReset(result, turn.rateLimit ?? this.lastRateLimit);
    if (!turn.followUpOf && resetAt === null) this.recordHistory(turn.prompt); // steered messages were recorded when sent
    const left = this.steering.leftOver(turn);
    for (const s of left) { s.mark.state = 'next-turn'; turn.markSteer(s.mark); }
    this.awaiting.push(...left);
    if (resetAt !== null) this.parkTurn(turn, resetAt, offset, left);
    else this.finishTurn(turn, ending.outcome === 'success' ? { ...ending, text: turn.text || ending.text } : ending, offset, left);
    if (this.awaiting.length > 0 && this.link) this.setState('running'); // the CLI goes on by itself
  }

  /**
   * The CLI took a message that was awaiting its own turn (its echo, `--replay-user-messages`): it
   * starts a follow-up turn when none runs, else it is part of the running one. Measured on
   * 2.1.330: queued messages are answered right after the turn they were sent into, joined or in
   * turns of their own — the echoes say which.
   */
  private takeAwaiting(message: KnownMessage): void {
    const uuid = this.awaiting.length > 0 ? replayedUuid(message) : null;
    const i = uuid ? this.awaiting.findIndex((s) => s.uuid === uuid) : -1;
    if (i < 0) return;
    const [steer] = this.awaiting.splice(i, 1) as [Steer];
    const into = this.current;
    if (!into) return this.startFollowUp(steer);
    this.deps.store.markSteered(steer.message.id, steer.uuid, into.id); // delivered with it
    into.markSteer({ text: steer.text, state: 'folded' });
  }

  /** The CLI started a turn of its own for a message that was steered into an earlier turn. */
  private startFollowUp(steer: Steer): void {
    // Its id is the message's uuid, which the CLI recorded in the transcript when it took it.
    const followUp = new Turn({ id: steer.uuid, seq: ++this.seq, prompt: steer.text, images: steer.message.images, replyRef: steer.replyRef });
    followUp.followUpOf = steer.into;
    const images = followUp.images.length > 0 ? JSON.stringify(followUp.images) : null;
    this.deps.store.addTurn({ ...followUp, images, sessionId: this.rec.id, state: 'running', createdAt: this.deps.now() }, { absorb: [steer.message.id] });
    this.current = followUp;
    this.link?.turnStarted();
    this.setState('running');
    this.show(followUp);
    followUp.markStarted();
  }

  /**
   * The files Claude sent during the turn move to it, before its answer is stored: after a crash
   * in between, the replayed `result` claims them again (see `outbox.ts`).
   */
  protected claimSentFiles(turn: Turn): void {
    const o = this.deps.sendFiles?.outbox;
    if (!o) return;
    try {
      turn.sentFiles = o.claim(this.rec.id, turn.id);
    } catch (err) {
      this.log.error({ err }, 'could not claim the files Claude sent');
      turn.notice('The files Claude sent could not be read; the bot\'s log has the details.');
    }
  }

  /** `--resume` found no conversation: the turn goes back to the inbox for a fresh conversation. */
  protected abstract recover(): void;

  /** Kills the live process and handles its end here (its own exit input is then stale). */
  protected async endProcess(): Promise<void> {
    const link = this.link;
    if (!link) return;
    this.gen++;
    await link.handle.kill();
    this.afterExit(link, await link.handle.exited);
  }

  /** The process is gone: settle what waited on it. The caller pumps the inbox if it should. */
  protected afterExit(link: ProcessLink, exit: ExitInfo): void {
    if (this.link !== link) return;
    this.link = null;
    this.gate.dropAll();
    this.elicitations.dropAll();
    this.requeueSteers([...this.steering.dropAll(), ...this.awaiting.splice(0)].sort((a, b) => a.message.seq - b.message.seq));
    this.patch({ backend: null, outputOffset: 0 });
    if (this.rec.state !== 'stopped') this.setState('suspended');
    const turn = this.current;
    if (!turn || turn.isEnded) return void this.log.info({ exit }, 'process exited');
    if (turn.interruptRequested) return this.finishTurn(turn, { outcome: 'interrupted', ...EMPTY_STATS });
    this.log.warn({ exit }, 'process exited during a turn');
    const error = link.stalledAfterMs !== null
      ? new BridgeError('TURN_STALLED', { seconds: Math.round(link.stalledAfterMs / 1000) })
      : new BridgeError('PROCESS_EXITED', { exitCode: 'code' in exit ? String(exit.code) : exit.signal });
    this.finishTurn(turn, { outcome: 'process-exited', error, ...EMPTY_STATS });
  }

  /** Steered messages the process never took (oldest first): answered as turns of their own, next. */
  protected requeueSteers(steers: readonly Steer[]): void {
    for (const steer of steers) {
      steer.mark.state = 'next-turn';
      steer.into.markSteer(steer.mark);
      this.deps.store.unsteer(steer.message.id);
      this.show(steer.message);
    }
    this.inbox.unshift(...steers.map((s) => s.message));
  }

  /**
   * The plan's usage limit refused `turn`: it waits until `resetAt` (epoch ms) and then runs again
   * (`session-limits.ts`). `offset`, `left`: as for {@link finishTurn}.
   */
  protected abstract parkTurn(turn: Turn, resetAt: number, offset: number, left: readonly Steer[]): void;

  /** Ends a turn after the session's own state is settled, so awaiting callers see it. */
  protected finishTurn(turn: Turn, result: Omit<TurnResult, 'text'> & { text?: string }, outputOffset: number | null = null, left: readonly Steer[] = []): void {
    if (this.current === turn) this.current = null;
    if (this.link && this.rec.state === 'running') this.setState('idle');
    this.endTurn(turn, result, outputOffset, left);
  }
}
