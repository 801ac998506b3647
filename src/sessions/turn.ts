/**
 * `Turn`: one user message and Claude Code's answer to it, as it streams. Consumers (the Discord
 * renderer) listen to its typed events; `done` settles once, when the turn's `result` arrives
 * or its process dies.
 */
import { EventEmitter } from 'eventemitter3';
import type { BridgeError } from '../core/errors.js';
import { assistantText, textDelta, type KnownMessage, type SDKResultMessage } from '../claude/stream-json.js';
import { TurnParts } from './turn-parts.js';

/** A message the user sent while this turn ran: written, then folded in or answered right after. */
export interface SteerMark {
  text: string;
  state: 'sent' | 'folded' | 'next-turn' | 'lost';
}

export type TurnOutcome = 'success' | 'error' | 'interrupted' | 'process-exited';

export interface TurnResult {
  outcome: TurnOutcome;
  /** The answer's text as shown to the user (all main-thread text blocks). */
  text: string;
  /** Cost of this turn alone, USD. */
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Wall time the CLI reports for the turn, ms. */
  durationMs: number;
  /** Set when `outcome` is not `success`. */
  error?: BridgeError;
}

export interface TurnEvents {
  /** Waiting for a free process slot: `position` 1 is next in line. */
  queued: (position: number) => void;
  /** The message was written to the process (it left the session's queue). */
  started: () => void;
  /** Something the user should know about this turn, in one sentence (e.g. a recovery). */
  notice: (text: string) => void;
  /** Answer text grew: `text` is the whole text so far. */
  text: (text: string, delta: string) => void;
  /** Every output line of the turn, for renderers that want more than text. */
  message: (message: KnownMessage) => void;
  /** Tool calls, their results or the token count changed ({@link Turn.parts}). */
  activity: () => void;
  /** A steering message was written into this turn, or its fate became known ({@link Turn.steers}). */
  steer: (mark: SteerMark) => void;
  end: (result: TurnResult) => void;
}

export interface TurnInit {
  /** Stored turn id. */
  id: string;
  /** Order within the session. */
  seq: number;
  prompt: string;
  /** Where the transport shows the answer (opaque JSON), if anywhere. */
  replyRef: string | null;
}

export class Turn extends EventEmitter<TurnEvents> {
  readonly done: Promise<TurnResult>;
  readonly id: string;
  readonly seq: number;
  readonly prompt: string;
  replyRef: string | null;
  /** Notices given so far, oldest first. */
  readonly notices: string[] = [];
  /** Text runs and tool calls, in order, and the tokens used so far. */
  readonly parts = new TurnParts();
  /** Messages steered into this turn, oldest first. */
  readonly steers: SteerMark[] = [];
  /** Set on a turn the CLI started by itself to answer messages steered into `followUpOf`. */
  followUpOf: Turn | null = null;
  /** Output byte offset just past this turn's `result` line, once read. */
  endOffset: number | null = null;
  private settle!: (r: TurnResult) => void;
  private streamed = '';
  private finalTexts: string[] = [];
  private ended = false;
  private begun = false;
  interruptRequested = false;

  constructor(init: TurnInit) {
    super();
    ({ id: this.id, seq: this.seq, prompt: this.prompt, replyRef: this.replyRef } = init);
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  notice(text: string): void {
    this.notices.push(text);
    this.emit('notice', text);
  }

  /** Records a steering message (or a change of its state), and tells listeners. */
  markSteer(mark: SteerMark): void {
    if (!this.steers.includes(mark)) this.steers.push(mark);
    this.emit('steer', mark);
  }

  /** Forgets streamed text (the prompt is being sent again to a new process). */
  resetOutput(): void {
    this.streamed = '';
    this.finalTexts = [];
    this.parts.reset();
  }

  get text(): string {
    return this.streamed || this.finalTexts.join('\n\n');
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The message reached the process (or the process took it up by itself). */
  get isStarted(): boolean {
    return this.begun;
  }

  /** Marks the turn started and tells listeners (`started`), once. */
  markStarted(): void {
    if (this.begun) return;
    this.begun = true;
    this.emit('started');
  }

  /** Feeds one output line; returns the `result` line when it ends the turn. */
  feed(msg: KnownMessage): SDKResultMessage | null {
    if (this.ended) return null;
    this.emit('message', msg);
    if (this.parts.feed(msg)) this.emit('activity');
    if (msg.type === 'stream_event' && msg.parent_tool_use_id === null) {
      const ev = msg.event;
      if (ev.type === 'content_block_start' && ev.content_block.type === 'text' && this.streamed) this.append('\n\n');
    }
    const delta = textDelta(msg);
    if (delta) this.append(delta);
    const full = assistantText(msg);
    if (full) this.finalTexts.push(full);
    return msg.type === 'result' ? msg : null;
  }

  /** Ends the turn (once). */
  end(result: Omit<TurnResult, 'text'> & { text?: string }): void {
    if (this.ended) return;
    this.ended = true;
    const full: TurnResult = { ...result, text: result.text ?? this.text };
    this.emit('end', full);
    this.settle(full);
  }

  private append(delta: string): void {
    this.streamed += delta;
    this.emit('text', this.streamed, delta);
  }
}
