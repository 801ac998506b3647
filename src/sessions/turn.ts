/**
 * `Turn`: one user message and Claude Code's answer to it, as it streams. Consumers (the Discord
 * renderer) listen to its typed events; `done` settles once, when the turn's `result` arrives
 * or its process dies. Its text is what Claude Code kept: an API attempt the CLI abandoned and
 * retried is dropped ({@link TurnParts}), and a successful turn ends with the `result` line's text
 * as its last text run. While the CLI waits to retry a failed API request, {@link Turn.retry} says so.
 */
import { EventEmitter } from 'eventemitter3';
import type { SDKAssistantMessage, SDKRateLimitEvent } from '../claude/stream-json.js';
import type { BridgeError } from '../core/errors.js';
import type { ImageBlock } from '../claude/input.js';
import type { SentFile } from './outbox.js';
import type { KnownMessage, SDKResultMessage } from '../claude/stream-json.js';
import type { TodoItem } from './todos.js';
import { isApiErrorMessage, TurnParts } from './turn-parts.js';

/** Plan usage limits as Claude Code reports them (`rate_limit_event`, sdk.d.ts `SDKRateLimitInfo`; `resetsAt` in epoch s). */
export type RateLimitInfo = SDKRateLimitEvent['rate_limit_info'];

/** `SDKAssistantMessageError` kinds (Agent SDK `sdk.d.ts`): why the API refused or failed a request. */
export type ApiErrorKind = NonNullable<SDKAssistantMessage['error']>;

/** A message the user sent while this turn ran: written, then folded in or answered right after. */
export interface SteerMark {
  text: string;
  state: 'sent' | 'folded' | 'next-turn' | 'lost';
}

/**
 * Claude Code is waiting to retry a failed API request (`system/api_retry`, Agent SDK
 * `SDKAPIRetryMessage`): attempt `attempt` of `maxRetries` starts `delayMs` after `at`.
 */
export interface ApiRetry {
  attempt: number;
  maxRetries: number;
  delayMs: number;
  /** HTTP status of the failed request; `null` when there was no response (connection error). */
  status: number | null;
  /** The SDK's failure kind (`overloaded`, `rate_limit`, `server_error`, `authentication_failed`, `unknown`…). */
  error: ApiErrorKind;
  /** When the line was read (epoch ms, {@link TurnInit.now}). */
  at: number;
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
  /** Claude Code waits to retry a failed API request, or (`null`) the answer flows again ({@link Turn.retry}). */
  retry: (retry: ApiRetry | null) => void;
  /** The plan's usage limits changed ({@link Turn.rateLimit}). */
  rateLimit: (info: RateLimitInfo) => void;
  /** Claude's todo list changed ({@link Turn.todos}). */
  todos: (items: readonly TodoItem[]) => void;
  /** The turn waits for a usage limit to reset until `until` (epoch ms), or (`null`) runs again ({@link Turn.parkedUntil}). */
  parked: (until: number | null) => void;
  end: (result: TurnResult) => void;
}

/**
 * What a renderer reads of a turn (`TurnView`, the status line, the todo checklist): a {@link Turn}
 * of this process, or a turn rebuilt from a runner's events on the hub (`src/hub/remote-turn.ts`).
 */
export interface ShownTurn extends Pick<EventEmitter<TurnEvents>, 'on'> {
  readonly id: string;
  readonly done: Promise<TurnResult>;
  readonly isStarted: boolean;
  readonly text: string;
  readonly parts: Pick<TurnParts, 'parts' | 'tokens' | 'running'>;
  readonly notices: readonly string[];
  readonly steers: readonly SteerMark[];
  readonly sentFiles: readonly SentFile[];
  readonly retry: ApiRetry | null;
  readonly rateLimit: RateLimitInfo | null;
  readonly todos: readonly TodoItem[] | null;
  readonly parkedUntil: number | null;
}

export interface TurnInit {
  /** Stored turn id. */
  id: string;
  /** Order within the session. */
  seq: number;
  prompt: string;
  /** Images sent with the prompt (content blocks, kept with the stored turn). */
  images?: readonly ImageBlock[];
  /** Where the transport shows the answer (opaque JSON), if anywhere. */
  replyRef: string | null;
  /** @default `id` */
  writeUuid?: string | null;
  /** @default Date.now */
  now?: () => number;
}

export class Turn extends EventEmitter<TurnEvents> implements ShownTurn {
  readonly done: Promise<TurnResult>;
  readonly id: string;
  readonly seq: number;
  readonly prompt: string;
  /** Images sent with the prompt, before its text. */
  readonly images: readonly ImageBlock[];
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
  /** Set while Claude Code waits to retry a failed API request. */
  retry: ApiRetry | null = null;
  /** The failure kind of the last main-thread API error message (`assistant` with `error`), if any. */
  apiError: ApiErrorKind | null = null;
  /** The newest usage-limit report seen during this turn. */
  rateLimit: RateLimitInfo | null = null;
  /** Claude's todo list as it stands, once Claude keeps one. */
  todos: readonly TodoItem[] | null = null;
  /** Set while the turn waits for a usage limit to reset (epoch ms): it runs again then. */
  parkedUntil: number | null = null;
  /** The uuid its prompt is written with: its id, or a fresh one when it is sent again after a usage limit. */
  writeUuid: string;
  private settle!: (r: TurnResult) => void;
  private readonly now: () => number;
  private resultLine: SDKResultMessage | null = null;
  private ended = false;
  private begun = false;
  interruptRequested = false;
  /**
   * The prompt was written to an earlier process of this conversation (sent again after a
   * restart). It then goes with a fresh uuid: Claude Code 2.1.330 drops, without a turn or a
   * `result`, a user message with block content (images) whose uuid its transcript already holds
   * (observed; a plain-text one is answered again).
   */
  sentBefore = false;
  /** Files Claude sent to the chat during this turn (`send_file`), claimed when it ended. */
  sentFiles: SentFile[] = [];

  constructor(init: TurnInit) {
    super();
    ({ id: this.id, seq: this.seq, prompt: this.prompt, replyRef: this.replyRef } = init);
    this.images = init.images ?? [];
    this.now = init.now ?? Date.now;
    this.writeUuid = init.writeUuid ?? init.id;
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

  /** The session's todo list changed while this turn ran. */
  setTodos(items: readonly TodoItem[]): void {
    this.todos = items;
    this.emit('todos', items);
  }

  /** Waits for a usage limit until `until` (epoch ms), or (`null`) is about to run again. */
  park(until: number | null): void {
    this.parkedUntil = until;
    this.emit('parked', until);
  }

  /** Forgets streamed text (the prompt is being sent again to a new process). */
  resetOutput(): void {
    this.parts.reset();
    this.resultLine = null;
    this.apiError = null;
    this.setRetry(null);
  }

  /** The answer's text so far: its text runs, blank-line separated. */
  get text(): string {
    return this.parts.text;
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
    const before = this.parts.text;
    if (this.parts.feed(msg)) this.emit('activity');
    const after = this.parts.text;
    if (after !== before) this.emit('text', after, this.parts.lastAppend ?? '');
    this.noteApiState(msg);
    if (msg.type === 'result') this.resultLine = msg;
    return msg.type === 'result' ? msg : null;
  }

  /**
   * Ends the turn (once). A success shows Claude Code's final answer (the `result` line's `result`).
   * @returns the result it ended with; `null` when it had ended already
   */
  end(result: Omit<TurnResult, 'text'> & { text?: string }): TurnResult | null {
    if (this.ended) return null;
    this.ended = true;
    this.setRetry(null);
    let text = result.text ?? this.text;
    const r = this.resultLine;
    if (result.outcome === 'success' && r?.subtype === 'success' && !r.is_error) {
      const before = this.parts.text;
      this.parts.settleFinalText(r.result);
      if (this.parts.text !== before) this.emit('text', this.parts.text, '');
      text = this.parts.text || text;
    }
    const full: TurnResult = { ...result, text };
    this.emit('end', full);
    this.settle(full);
    return full;
  }

  /** Tracks `system/api_retry` (waiting), usage limits, compaction and the main thread's API error kind. */
  private noteApiState(msg: KnownMessage): void {
    if (msg.type === 'rate_limit_event') {
      this.rateLimit = msg.rate_limit_info;
      this.emit('rateLimit', msg.rate_limit_info);
    } else if (msg.type === 'system' && msg.subtype === 'compact_boundary') {
      const m = msg.compact_metadata as { trigger?: string; pre_tokens?: number; post_tokens?: number };
      const sizes = typeof m.pre_tokens === 'number' && typeof m.post_tokens === 'number' ? ` (${m.pre_tokens.toLocaleString('en-US')} → ${m.post_tokens.toLocaleString('en-US')} tokens)` : '';
      this.notice(`${m.trigger === 'auto' ? 'The context was full, so Claude Code compacted' : 'Compacted'} the conversation${sizes}.`);
    } else if (msg.type === 'system' && msg.subtype === 'api_retry') {
      this.setRetry({ attempt: msg.attempt, maxRetries: msg.max_retries, delayMs: msg.retry_delay_ms, status: msg.error_status, error: msg.error, at: this.now() });
    } else if (msg.type === 'assistant' && msg.parent_tool_use_id === null) {
      if (isApiErrorMessage(msg) && msg.error) this.apiError = msg.error;
      // A refusal for the usage limit carries its limit (observed on 2.1.330, not in sdk.d.ts):
      // `api_error_params.rate_limit_info`, also when no new `rate_limit_event` came (no change).
      const limit = (msg as { api_error_params?: { rate_limit_info?: RateLimitInfo } }).api_error_params?.rate_limit_info;
      if (isApiErrorMessage(msg) && limit?.status) this.rateLimit = limit;
      this.setRetry(null);
    } else if (msg.type === 'stream_event' && msg.parent_tool_use_id === null && msg.event.type === 'message_start') {
      this.setRetry(null);
    }
  }

  private setRetry(retry: ApiRetry | null): void {
    if (retry === null && this.retry === null) return;
    this.retry = retry;
    this.emit('retry', retry);
  }
}
