/**
 * `Session`: one bridge session — one owner, place and working directory bound to one Claude
 * session id — and its kept-alive `claude` stream-json process. Public operations only accept
 * (messages are stored at once: the durable inbox) and post plain-data inputs to the session's loop
 * ({@link SessionLoop}); the loop alone changes the session, one input at a time, per the table in
 * `machine.ts`. Turns are forgotten only once delivered ({@link Session.delivered}).
 */
import { randomUUID } from 'node:crypto';
import { encodeInterrupt, encodeSetModel, encodeUserMessage, type ImageBlock } from '../claude/input.js';
import { BridgeError } from '../core/errors.js';
import type { SessionRecord, SessionState } from '../store/types.js';
import type { SessionInput, SuspendReason } from './machine.js';
import type { PermissionDecision } from './permissions.js';
import { EMPTY_STATS } from './session-loop.js';
import { SessionAsks } from './session-asks.js';
import { Turn } from './turn.js';
import type { SessionDeps, SessionEvents } from './session-types.js';

export type { SessionDeps, SessionEvents };
export type SteerOutcome = { kind: 'steered'; into: Turn } | { kind: 'turn'; turn: Turn };
/** The transport's message a turn comes from, stored with it so start-up can take what came after. */
export interface MessageCursor { channelId: string; messageId: string }

export class Session extends SessionAsks {
  /** Accepted messages (stored) not yet taken by the loop. */
  private readonly accepted = new Map<string, Turn>();

  get id() { return this.rec.id; }
  get record(): Readonly<SessionRecord> { return this.rec; }
  get state(): SessionState { return this.rec.state; }
  /** Has a process, or is starting one. */
  get isLive(): boolean { return this.link !== null || this.rec.state === 'starting'; }
  /** A turn runs, or messages wait (accepted, in the inbox, or as inputs not yet handled). */
  get isBusy(): boolean {
    return this.current !== null || this.inbox.length > 0 || this.awaiting.length > 0 || this.accepted.size > 0 || this.box.size > 0;
  }
  /** May be suspended to make room: live, idle, and nothing waiting for it or granted to it. */
  get evictable(): boolean {
    return this.link !== null && this.rec.state === 'idle' && !this.isBusy && this.slot === 'none';
  }

  /**
   * Accepts `text` as the next turn: stored at once (with `replyRef`, where its answer goes), then
   * queued in the loop, which emits `turn`. Never throws: failures end the returned turn.
   * `commandId`: the remote command it comes from, recorded in the same transaction (issue 12).
   */
  sendMessage(text: string, opts: { replyRef?: string; intentId?: string; cursor?: MessageCursor; images?: readonly ImageBlock[]; commandId?: string } = {}): Turn {
    const turn = this.accept(text, opts);
    void this.post({ type: 'message', turnId: turn.id });
    return turn;
  }

  /**
   * Accepts `text` (stored at once, with `cursor`: the message it came from) and sends it into the running turn when one runs (steering:
   * Claude Code folds it in at its next step, or answers it right after as a follow-up turn);
   * otherwise it becomes the next turn, as {@link Session.sendMessage}.
   */
  async steer(text: string, opts: { replyRef?: string; cursor?: MessageCursor; images?: readonly ImageBlock[]; commandId?: string } = {}): Promise<SteerOutcome> {
    const turn = this.accept(text, opts);
    return (await this.post({ type: 'steer', turnId: turn.id })) as SteerOutcome;
  }

  private accept(text: string, opts: { replyRef?: string; intentId?: string; cursor?: MessageCursor; images?: readonly ImageBlock[]; commandId?: string }): Turn {
    const turn = new Turn({ id: randomUUID(), seq: ++this.seq, prompt: text, replyRef: opts.replyRef ?? null, images: opts.images });
    // The images are stored with the message: one accepted before a crash is still sent with them.
    const images = turn.images.length > 0 ? JSON.stringify(turn.images) : null;
    this.deps.store.addTurn({ ...turn, images, sessionId: this.id, state: 'queued', createdAt: this.deps.now() }, { intentId: opts.intentId, cursor: opts.cursor, commandId: opts.commandId });
    this.accepted.set(turn.id, turn);
    return turn;
  }

  /** Answers a tool permission request (by its key). `false` when it no longer waits. */
  async decidePermission(key: string, decision: PermissionDecision, userId: string): Promise<boolean> {
    return (await this.post({ type: 'permission', key, decision, userId })) as boolean;
  }

  /** The transport shows `turn`'s answer in `replyRef` (decided after the turn was accepted). */
  async setReplyRef(turn: Turn, replyRef: string): Promise<void> {
    await this.post({ type: 'replyRef', turnId: turn.id, replyRef });
  }

  /** The transport has shown `turn`'s answer: forget it, and move the delivered output offset. */
  async delivered(turn: Turn): Promise<void> {
    await this.post({ type: 'delivered', turnId: turn.id });
  }

  /** Makes this the current session of another channel (resume there); a stopped session wakes as suspended. */
  async moveTo(channelId: SessionRecord['channelId'], guildId: SessionRecord['guildId']): Promise<void> {
    await this.post({ type: 'moveTo', channelId, guildId });
  }

  /**
   * Points the session at another conversation: ends its process, and the next message starts
   * `claudeSessionId` (forked from `forkFrom` at `forkAt` when set). `expectNew`: a deliberately
   * new conversation, so a missing transcript is no loss to report.
   */
  async repoint(to: Pick<SessionRecord, 'claudeSessionId' | 'forkFrom' | 'forkAt'>, o: { expectNew?: boolean } = {}): Promise<void> {
    await this.post({ type: 'repoint', to, expectNew: o.expectNew ?? false });
  }

  /** Model for the next turns (alias or full id; `null` = the CLI's default); a running turn is not disturbed. */
  async setModel(model: string | null): Promise<void> {
    await this.post({ type: 'setModel', model });
  }

  /**
   * Interrupts the running turn (stream-json `interrupt` control request) — only turn `turnId` when
   * given. `false` when nothing (or another turn) runs.
   */
  async interrupt(turnId?: string): Promise<boolean> {
    return (await this.post({ type: 'interrupt', turnId })) as boolean;
  }

  /** Interrupts, ends the process, ends waiting messages, and marks the session `stopped`. */
  async stop(): Promise<void> {
    await this.post({ type: 'stop' });
  }

  /** Ends the process, keeps the record: the next message resumes with `--resume`. `false` when refused or not live. */
  async suspend(reason: SuspendReason = 'operator', idleSince?: number): Promise<boolean> {
    return (await this.post({ type: 'suspend', reason, idleSince })) as boolean;
  }

  /** Stops reading but leaves a tmux-held process running (bot shutdown). */
  async detach(): Promise<void> {
    await this.post({ type: 'detach' });
  }

  /**
   * Picks up after a bot restart: reattaches to a process that outlived the bot (`attach`) and lets
   * the owed running turn finish from the stored offset, else ends any leftover process; owed turns
   * are shown again (`turn` events) and answered. Returns them.
   */
  async restore(opts: { attach: boolean }): Promise<Turn[]> {
    return (await this.post({ type: 'restore', attach: opts.attach })) as Turn[];
  }

  /**
   * The owner is typing: start the process now (resuming the conversation) so the message they are
   * writing finds it ready. Never queues behind others, never evicts a busy session. `false` when
   * the session has a process or work already, or is stopped.
   */
  async warm(): Promise<boolean> {
    return (await this.post({ type: 'warm' })) as boolean;
  }

  /** `true` when a turn waited longer than `stallMs` for any output; its process is then ended. */
  async checkStall(stallMs: number): Promise<boolean> {
    return (await this.post({ type: 'stall', stallMs })) as boolean;
  }

  protected async handle(input: SessionInput): Promise<unknown> {
    switch (input.type) {
      case 'message': return this.onMessage(this.take(input.turnId));
      case 'steer': return this.onSteer(this.take(input.turnId));
      case 'output':
        if (input.gen !== this.gen || !this.link) return;
        this.onOutput(input.message, input.offset);
        if (!this.current) await this.pump();
        return;
      case 'exit':
        if (input.gen !== this.gen || !this.link) return;
        this.afterExit(this.link, input.exit);
        return this.pump();
      case 'slotGranted':
        if (this.slot !== 'requested') return this.deps.releaseSlot();
        this.slot = 'held';
        if (this.inbox.length === 0 || this.link) return this.slotWithoutWork();
        return this.pump();
      case 'slotQueued':
        if (this.inbox.length === 0) return this.slotWithoutWork({ queued: true });
        for (const turn of this.inbox) turn.emit('queued', input.position);
        return;
      case 'slotRefused': {
        this.slot = 'none';
        const error = new BridgeError('QUEUE_FULL', { waiting: input.waiting });
        for (const turn of this.inbox.splice(0)) this.endTurn(turn, { outcome: 'error', error, ...EMPTY_STATS });
        return;
      }
      case 'interrupt': {
        const turn = this.current;
        if (!turn || turn.isEnded || !this.link || (input.turnId && input.turnId !== turn.id)) return false;
        turn.interruptRequested = true;
        await this.link.handle.write(encodeInterrupt(randomUUID()));
        return true;
      }
      case 'setModel':
        this.patch({ model: input.model });
        if (this.rec.state === 'running') this.nextModel = { model: input.model };
        else if (this.link && input.model) await this.link.handle.write(encodeSetModel(randomUUID(), input.model));
        else if (this.link) await this.endProcess(); // back to the default: the next start omits --model
        return;
      case 'suspend': return this.onSuspend(input.reason, input.idleSince);
      case 'stop': {
        this.setState('stopped');
        this.giveBackSlot();
        if (this.current) this.current.interruptRequested = true;
        await this.endProcess(); // puts back steered messages the process never took: they end below too
        for (const turn of this.inbox.splice(0)) {
          turn.notice('The session was stopped before this was sent to Claude.');
          this.endTurn(turn, { outcome: 'interrupted', ...EMPTY_STATS });
        }
        return this.cancelAllParked();
      }
      case 'permission':
        if (input.decision === 'timeout') return this.gate.expire(input.key);
        return this.gate.decide(input.key, input.decision, input.userId ?? 'unknown');
      case 'warm': return this.startWarm();
      case 'question': case 'elicitation': case 'setPermissionMode': return this.handleAsk(input);
      case 'unpark': return this.unpark(input.turnId);
      case 'cancelParked': return this.dropParked(input.turnId);
      case 'query': return this.query(input.subtype);
      case 'stall': {
        const waiting = (this.current !== null && !this.current.isEnded) || this.awaiting.length > 0;
        if (this.waitsForOwner) return false; // Claude Code waits for a person, not stuck (PERMISSION_TIMEOUT bounds it)
        return waiting && this.link !== null && this.link.endIfStalled(input.stallMs);
      }
      case 'restore': {
        const owed = await this.restoreOwed(input.attach);
        await this.pump();
        return owed;
      }
      case 'detach': {
        this.parking.detach(); // start-up arms the timers again from the store
        const link = this.link;
        this.gen++;
        this.link = null;
        return link?.handle.detach();
      }
      case 'repoint':
        await this.endProcess();
        this.patch(input.to);
        this.freshConversation = input.expectNew;
        return this.pump(); // steered messages the old process never took are still answered
      case 'moveTo':
        this.patch({ channelId: input.channelId, guildId: input.guildId, lastActivityAt: this.deps.now() });
        if (this.rec.state === 'stopped') this.setState('suspended');
        return;
      case 'replyRef': {
        const turn = this.owed.get(input.turnId);
        if (turn) turn.replyRef = input.replyRef;
        this.deps.store.setTurnReplyRef(input.turnId, input.replyRef);
        return;
      }
      case 'delivered': return this.onDelivered(input.turnId);
    }
  }

  private take(turnId: string): Turn {
    const turn = this.accepted.get(turnId);
    if (!turn) throw new Error(`no accepted message ${turnId}`);
    this.accepted.delete(turnId);
    this.patch({ messageCount: this.rec.messageCount + 1, lastActivityAt: this.deps.now() });
    if (this.rec.state === 'stopped') this.setState('suspended'); // a message wakes a stopped session
    return turn;
  }

  private async onMessage(turn: Turn): Promise<SteerOutcome> {
    this.show(turn);
    this.inbox.push(turn);
    await this.pump();
    return { kind: 'turn', turn };
  }

  private async onSteer(message: Turn): Promise<SteerOutcome> {
    const into = this.current;
    const link = this.link;
    if (!into || into.isEnded || !link || link.resumeFailed || this.rec.state !== 'running') return this.onMessage(message);
    const steer = this.steering.add(into, message);
    into.markSteer(steer.mark);
    this.deps.store.markSteered(message.id, steer.uuid, into.id);
    this.recordHistory(message.prompt);
    try {
      await link.handle.write(encodeUserMessage(message.prompt, { uuid: steer.uuid, images: message.images }));
    } catch (err) {
      this.log.error({ err }, 'could not write a steering message; it waits for the next turn');
      this.steering.forget(steer);
      this.requeueSteers([steer]);
    }
    return { kind: 'steered', into };
  }

  private async onSuspend(reason: SuspendReason, idleSince?: number): Promise<boolean> {
    if (!this.link) return false;
    // Work waiting anywhere — a turn, the inbox, an accepted message or an input behind this one — keeps it.
    const waiting = this.current || this.inbox.length > 0 || this.awaiting.length > 0 || this.accepted.size > 0 || this.box.size > 1 || this.slot !== 'none';
    if (reason !== 'operator' && waiting) return false;
    if (reason === 'idle' && idleSince !== undefined && this.rec.lastActivityAt >= idleSince) return false;
    if (this.current) this.current.interruptRequested = true;
    this.log.info({ reason }, 'suspending');
    await this.endProcess();
    await this.pump(); // an operator's suspend ends a running turn; what waits behind it is still answered
    return true;
  }

  private onDelivered(turnId: string): void {
    this.owed.delete(turnId);
    this.deps.store.completeTurn(this.id, turnId);
    try { this.deps.sendFiles?.outbox.drop(this.id, turnId); } catch (err) { this.log.warn({ err }, 'could not clear a delivered turn\'s files'); }
  }
}
