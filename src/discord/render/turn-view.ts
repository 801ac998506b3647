/**
 * `TurnView`: renders one {@link Turn} into Discord as it streams. Edits one message in place, at
 * most one edit in flight and every edit, the final one included, at least `minEditIntervalMs` apart
 * (discord.js additionally waits on the `X-RateLimit-*` headers). Text shows after a short coalescing
 * window (`coalesceMs`), so a quick answer costs a single edit. Before any text, Discord's own
 * "thinking…" of the deferred reply stands until `statusDelayMs`, then a status line with the Stop
 * button. At the end the whole answer goes out split at 2000 chars without breaking code fences: the
 * first chunk replaces the streamed message, the rest follow it.
 */
import type { BridgeSessionId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Turn, TurnResult } from '../../sessions/turn.js';
import { DISCORD_MESSAGE_LIMIT, splitMessage } from './chunk.js';
import { answerRow, streamingRow, type ButtonRow } from './components.js';

export interface RenderedMessage {
  content: string;
  components: ButtonRow[];
}

/** Where a turn is shown: the interaction's reply and its follow-ups. */
export interface ReplyTarget {
  edit(message: RenderedMessage): Promise<void>;
  followUp(message: RenderedMessage): Promise<void>;
}

export interface TurnViewOptions {
  /** Least time between two edits of the message, ms. */
  minEditIntervalMs?: number;
  /** How long Discord's "thinking…" stands before the status line (with Stop) replaces it, ms. */
  statusDelayMs?: number;
  /** Text is gathered this long before an edit, so a turn that ends meanwhile costs one edit, ms. */
  coalesceMs?: number;
  /** The turn was sent before this view existed (picked up after a bot restart). */
  alreadyStarted?: boolean;
  now?: () => number;
  log: Logger;
}

export class TurnView {
  private readonly minEditIntervalMs: number;
  private readonly statusDelayMs: number;
  private readonly coalesceMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastEditAt = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private finished = false;
  private started: boolean;
  private queuedAt: number | null = null;
  private lastContent = '';

  constructor(
    private readonly target: ReplyTarget,
    private readonly turn: Turn,
    private readonly sessionId: BridgeSessionId,
    private readonly opts: TurnViewOptions,
  ) {
    this.minEditIntervalMs = opts.minEditIntervalMs ?? 1000;
    this.statusDelayMs = opts.statusDelayMs ?? 1000;
    this.coalesceMs = opts.coalesceMs ?? 150;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.started = opts.alreadyStarted ?? false;
  }

  /** Shows the turn until it ends; resolves once the final message(s) are posted. */
  async run(): Promise<TurnResult> {
    this.turn.on('started', () => { this.started = true; this.queuedAt = null; });
    this.turn.on('queued', (position) => { this.queuedAt = position; this.schedule(); });
    this.turn.on('notice', () => this.schedule());
    this.turn.on('text', () => this.schedule());
    const status = setTimeout(() => this.schedule(), this.statusDelayMs);
    const result = await this.turn.done;
    clearTimeout(status);
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    const wait = this.lastEditAt + this.minEditIntervalMs - this.now();
    if (this.lastEditAt > 0 && wait > 0) await new Promise((r) => setTimeout(r, wait));
    await this.postFinal(result);
    return result;
  }

  private schedule(): void {
    if (this.finished) return;
    this.dirty = true;
    if (this.inFlight || this.timer) return;
    const wait = Math.max(this.coalesceMs, this.lastEditAt + this.minEditIntervalMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    if (!this.dirty || this.finished) return;
    this.dirty = false;
    const message = this.renderStreaming();
    if (message.content === this.lastContent) return; // nothing new to show
    this.lastContent = message.content;
    this.lastEditAt = this.now();
    this.inFlight = this.target
      .edit(message)
      .catch((err) => this.opts.log.warn({ err }, 'streaming edit failed'))
      .finally(() => {
        this.inFlight = null;
        if (this.dirty) this.schedule();
      });
  }

  private renderStreaming(): RenderedMessage {
    const components = [streamingRow(this.sessionId)];
    const text = this.turn.text;
    const notices = this.notices();
    if (this.queuedAt !== null) {
      return { content: `${notices}-# ⏳ ${ordinal(this.queuedAt)} in line for a Claude Code slot…`, components };
    }
    if (!this.started) return { content: `${notices}-# ⏳ waiting for the previous message in this session…`, components };
    const elapsed = ((this.now() - this.startedAt) / 1000).toFixed(0);
    const status = `\n-# ✍️ Claude is ${text ? 'writing' : 'thinking'}… ${elapsed} s`;
    const room = DISCORD_MESSAGE_LIMIT - status.length - notices.length - 2;
    const body = text.length > room ? `…${text.slice(text.length - room + 1)}` : text;
    return { content: `${notices}${body}${status}`, components };
  }

  /** The turn's notices as quoted lines, ready to stand above the answer. */
  private notices(): string {
    return this.turn.notices.map((n) => `> ℹ️ ${n}\n`).join('');
  }

  private async postFinal(result: TurnResult): Promise<void> {
    const footer = this.footer(result);
    const text = result.text.trim() || (result.outcome === 'success' ? '*(Claude answered with no text)*' : '');
    const body = `${this.notices()}${text ? `${text}\n${footer}` : footer}`;
    const chunks = splitMessage(body);
    const buttons = (i: number) => (i === chunks.length - 1 ? [answerRow(this.sessionId)] : []); // under the last part
    await this.target.edit({ content: chunks[0]!, components: buttons(0) });
    for (let i = 1; i < chunks.length; i++) await this.target.followUp({ content: chunks[i]!, components: buttons(i) });
  }

  private footer(result: TurnResult): string {
    const secs = ((this.now() - this.startedAt) / 1000).toFixed(1);
    const stats = `${secs} s · ${result.inputTokens + result.outputTokens} tokens · $${result.costUsd.toFixed(4)}`;
    switch (result.outcome) {
      case 'success': return `-# ${stats}`;
      case 'interrupted': return `-# ⏹️ stopped · ${stats}`;
      default: return `⚠️ ${result.error?.userMessage ?? 'The turn failed.'}`;
    }
  }
}

/** 1 → "1st", 2 → "2nd", 11 → "11th", 23 → "23rd". */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}
