/**
 * `RemoteTurn`: a turn of a session on a runner, rebuilt on the hub from the runner's events
 * (`src/remote/protocol.ts`) so that `TurnView` renders it exactly as it renders a turn of this
 * process ({@link ShownTurn}). What the events carry — queue position, start, text (appended or
 * replaced), tool names and whether each finished, output tokens, notices, the todo list, API
 * retries, the result — is what it shows; tool inputs and outputs stay on the runner (the answer's text and the result are whole).
 */
import { EventEmitter } from 'eventemitter3';
import { BridgeError } from '../core/errors.js';
import type { EventBody } from '../remote/protocol.js';
import type { ApiRetry, RateLimitInfo, ShownTurn, SteerMark, TurnEvents, TurnResult } from '../sessions/turn.js';
import type { ToolCall, TurnPart } from '../sessions/turn-parts.js';
import type { TodoItem } from '../sessions/todos.js';

type Body<T extends EventBody['type']> = Extract<EventBody, { type: T }>;

/** The tool calls and text of a remote turn, in the shape the renderers read (`TurnParts`). */
class RemoteParts {
  tools: ToolCall[] = [];
  tokens = 0;
  text = '';

  /** Tool lines first, then the text: the events do not say how the two interleave. */
  get parts(): TurnPart[] {
    const tools: TurnPart[] = this.tools.map((call) => ({ kind: 'tool', call }));
    return this.text ? [...tools, { kind: 'text', text: this.text }] : tools;
  }

  get running(): ToolCall | null {
    return this.tools.findLast((t) => t.result === undefined) ?? null;
  }
}

export class RemoteTurn extends EventEmitter<TurnEvents> implements ShownTurn {
  readonly done: Promise<TurnResult>;
  readonly parts = new RemoteParts();
  readonly notices: string[] = [];
  readonly steers: readonly SteerMark[] = [];
  readonly sentFiles = [] as const;
  retry: ApiRetry | null = null;
  readonly rateLimit: RateLimitInfo | null = null;
  todos: readonly TodoItem[] | null = null;
  readonly parkedUntil: number | null = null;
  isStarted = false;
  /** Set once its `result` event was applied. */
  result: TurnResult | null = null;
  private settle!: (r: TurnResult) => void;
  /** The length of the runner's text as of the last text event applied. */
  private remoteLength = 0;

  constructor(readonly id: string, readonly sessionId: string) {
    super();
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get text(): string {
    return this.parts.text;
  }

  /** Applies one event of this turn; `false` when it carried nothing new (a replay, or one already superseded). */
  apply(body: EventBody): boolean {
    if (this.result) return false;
    switch (body.type) {
      case 'queued': this.emit('queued', body.position); return true;
      case 'started':
        if (this.isStarted) return false;
        this.isStarted = true;
        this.emit('started');
        return true;
      case 'text': return this.applyText(body);
      case 'activity':
        this.parts.tokens = body.tokens;
        this.parts.tools = body.tools.map((t) => ({ id: t.id, name: t.name, input: {}, ...(t.done ? { result: { text: '', isError: false } } : {}) }));
        if (!this.isStarted) this.apply({ type: 'started', sessionId: body.sessionId, turnId: body.turnId });
        this.emit('activity');
        return true;
      case 'notice':
        if (this.notices.includes(body.text)) return false;
        this.notices.push(body.text);
        this.emit('notice', body.text);
        return true;
      case 'todos':
        this.todos = body.items;
        this.emit('todos', body.items);
        return true;
      case 'retry':
        // The runner's clock dated it; the countdown is shown from when it arrived here.
        this.retry = body.retry ? { ...body.retry, error: body.retry.error as ApiRetry['error'], at: Date.now() } : null;
        this.emit('retry', this.retry);
        return true;
      case 'result': this.end(body); return true;
      default: return false;
    }
  }

  private applyText(b: Body<'text'>): boolean {
    const before = this.parts.text;
    // Positions are the runner's: the text here may hold a gap mark ("…") the runner's has not.
    if (b.full !== undefined) this.parts.text = b.full;
    else if (b.length <= this.remoteLength) return false; // seen already (a replay)
    else if (b.length - b.delta.length === this.remoteLength) this.parts.text = before + b.delta;
    else this.parts.text = `${before}…${b.delta}`; // events before this one were handled by a hub that died: the result has it whole
    this.remoteLength = b.length;
    if (!this.isStarted) this.apply({ type: 'started', sessionId: b.sessionId, turnId: b.turnId });
    this.emit('text', this.parts.text, this.parts.text.slice(before.length));
    return true;
  }

  private end(b: Body<'result'>): void {
    this.parts.text = b.text;
    this.retry = null;
    for (const t of this.parts.tools) t.result ??= { text: '', isError: false };
    const r: TurnResult = {
      outcome: b.outcome, text: b.text, costUsd: b.costUsd, inputTokens: b.inputTokens, outputTokens: b.outputTokens, durationMs: b.durationMs,
      ...(b.error ? { error: new BridgeError('REMOTE', { message: b.error.message }) } : {}),
    };
    this.result = r;
    this.emit('end', r);
    this.settle(r);
  }
}
