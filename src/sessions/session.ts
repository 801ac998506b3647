/**
 * `Session`: one bridge session — one owner, place and working directory bound to one Claude
 * session id — and its kept-alive `claude` stream-json process. Turns are stored before they reach
 * the process and forgotten only once delivered ({@link Session.delivered}), so a restart owes
 * nothing silently. The engine (queue, process, output) is {@link SessionRuntime}; this class is
 * what the transport and the manager use.
 */
import { randomUUID } from 'node:crypto';
import { encodeInterrupt, encodeSetModel, encodeUserMessage } from '../claude/input.js';
import type { SessionRecord, SessionState } from '../store/types.js';
import type { PermissionDecision } from './permissions.js';
import { SessionRuntime } from './session-runtime.js';
import { Turn } from './turn.js';
import type { SessionDeps, SessionEvents } from './session-types.js';

export type { SessionDeps, SessionEvents };

export class Session extends SessionRuntime {
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
      this.steering.forget(steer);
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
        turn.markStarted();
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
}
