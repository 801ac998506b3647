/**
 * `TurnView`: renders one {@link Turn} into Discord as it streams. Edits one message in place, at
 * most one edit in flight and every edit, the final one included, at least `minEditIntervalMs` apart
 * (discord.js additionally waits on the `X-RateLimit-*` headers). Text shows after a short coalescing
 * window (`coalesceMs`), so a quick answer costs a single edit. Before any text, Discord's own
 * "thinking…" of the deferred reply stands until `statusDelayMs`; from then on a status line is kept
 * under the text — elapsed time, the tool running now, tokens, the session's cost so far — refreshed
 * every `tickMs`, with the typing indicator on. Tool calls show as compact lines, steered messages
 * as quoted lines. At the end the whole answer goes out split at 2000 chars without breaking code
 * fences (the first chunk replaces the streamed message); beyond `maxInlineChunks` messages the
 * whole answer is attached as `answer.md`; edits' diffs and long tool output go as files.
 *
 * Streaming edits are best-effort. The final state always lands: each final edit or message is
 * retried with capped, jittered backoff on 5xx, 429 and network errors ({@link deliver}), chunks
 * already posted are not posted again, and a deleted answer message (10008) is replaced by a new one.
 */
import { AttachmentBuilder } from 'discord.js';
import type { BridgeSessionId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { ShownTurn, TurnResult } from '../../sessions/turn.js';
import { activityFiles, renderParts, renderSteers, type OutFile } from './activity.js';
import { nonceOf } from '../nonce.js';
import { DISCORD_MESSAGE_LIMIT, splitMessage } from './chunk.js';
import { answerRow, streamingRow } from './components.js';
import { DEFAULT_RETRY_POLICY, deliver, type RetryPolicy } from './delivery.js';
import { ChecklistView } from './checklist-view.js';
import type { RenderedMessage, ReplyTarget } from './target-types.js';
import { limitWarning, parkedNote, parkedRow } from './limits.js';
import { loadSentFiles, MAX_FILES } from './sent-files.js';
import { statusLine } from './status.js';
import type { RateLimitInfo } from '../../sessions/turn.js';

export type { EditableMessage, RenderedMessage, ReplyTarget } from './target-types.js';

export interface TurnViewOptions {
  /** Least time between two edits of the message, ms. */
  minEditIntervalMs?: number;
  /** How long Discord's "thinking…" stands before the status line (with Stop) replaces it, ms. */
  statusDelayMs?: number;
  /** Text is gathered this long before an edit, so a turn that ends meanwhile costs one edit, ms. */
  coalesceMs?: number;
  /** The status line's clock is refreshed this often while nothing else changes, ms. */
  tickMs?: number;
  /** The typing indicator is renewed this often (Discord shows it ~10 s), ms. */
  typingMs?: number;
  /** At most this many messages of answer text; beyond, the whole answer is attached as `answer.md`. */
  maxInlineChunks?: number;
  /** The session's working directory: tool paths are shown relative to it. */
  cwd?: string;
  /** Largest file Claude may send with the answer, bytes (`MAX_UPLOAD_MB`). @default 10 MiB */
  maxUploadBytes?: number;
  /** The session's cost before this turn, USD (Claude Code reports a turn's own cost only at its end). */
  sessionCostUsd?: number;
  /** The session's newest usage-limit report before this turn: a warning shows in the status line. */
  rateLimit?: RateLimitInfo | null;
  /** The buttons under the final answer (Continue, Regenerate, Branch, Export). @default true; the hub shows none yet */
  answerButtons?: boolean;
  now?: () => number;
  /** Waits between retries of the final delivery, ms (jittered ×0.5–1). @default 1 s, 2 s, 4 s, 8 s, 16 s, then 30 s */
  retryDelaysMs?: readonly number[];
  /** The final delivery gives up after this long, ms. @default 24 h */
  deliveryDeadlineMs?: number;
  /** @default a setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  log: Logger;
}


export class TurnView {
  private readonly minEditIntervalMs: number;
  private readonly coalesceMs: number;
  private readonly now: () => number;
  /** When the view began, or when a turn parked by a usage limit ran again: the clock of its status line. */
  private startedAt: number;
  private readonly cwd: string;
  private lastEditAt = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private finished = false;
  private started: boolean;
  private queuedAt: number | null = null;
  private lastContent = '';
  /** Final chunks Discord has taken (a retried delivery starts after them). */
  private posted = 0;
  private readonly policy: RetryPolicy;
  private readonly checklist: ChecklistView;

  constructor(
    private readonly target: ReplyTarget,
    private readonly turn: ShownTurn,
    private readonly sessionId: BridgeSessionId,
    private readonly opts: TurnViewOptions,
  ) {
    this.minEditIntervalMs = opts.minEditIntervalMs ?? 1000;
    this.coalesceMs = opts.coalesceMs ?? 150;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.started = turn.isStarted; // it may have started before this view was made
    this.cwd = opts.cwd ?? '/';
    this.checklist = new ChecklistView(target, turn);
    this.policy = {
      retryDelaysMs: opts.retryDelaysMs ?? DEFAULT_RETRY_POLICY.retryDelaysMs,
      deadlineMs: opts.deliveryDeadlineMs ?? DEFAULT_RETRY_POLICY.deadlineMs,
      sleep: opts.sleep ?? DEFAULT_RETRY_POLICY.sleep,
      random: opts.random ?? DEFAULT_RETRY_POLICY.random,
      now: this.now,
    };
  }

  /**
   * Shows the turn until it ends; resolves once Discord has the final message(s).
   * @throws the Discord error when the final state cannot be delivered (a permanent fault, or
   *   retryable faults for longer than `deliveryDeadlineMs`).
   */
  async run(): Promise<TurnResult> {
    this.turn.on('started', () => { this.started = true; this.queuedAt = null; this.schedule(); this.typing(); });
    this.turn.on('parked', (until) => { if (until === null) { this.startedAt = this.now(); this.typing(); } });
    this.turn.on('queued', (position) => { this.queuedAt = position; this.schedule(); });
    for (const ev of ['notice', 'text', 'activity', 'steer', 'retry', 'rateLimit', 'todos', 'parked'] as const) this.turn.on(ev, () => this.schedule());
    const timers = [
      setTimeout(() => this.schedule(), this.opts.statusDelayMs ?? 1000),
      setInterval(() => this.schedule(), this.opts.tickMs ?? 5000),
      setInterval(() => this.typing(), this.opts.typingMs ?? 8000),
    ];
    this.typing();
    const result = await this.turn.done;
    for (const t of timers) clearTimeout(t);
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    await this.pace();
    if (this.checklist.behind) {
      // The checklist's last state lands too, within the same budget; it never holds up the answer.
      const policy = { ...this.policy, deadlineMs: Math.min(this.policy.deadlineMs, 60_000) };
      await deliver('todo checklist', () => this.checklist.sync(), { policy, log: this.opts.log })
        .catch((err) => this.opts.log.warn({ err }, 'the todo checklist could not be updated'));
      this.lastEditAt = this.now();
      await this.pace();
    }
    await this.postFinal(result);
    return result;
  }

  /** Waits until the next edit keeps `minEditIntervalMs` from the last one. */
  private async pace(): Promise<void> {
    const wait = this.lastEditAt + this.minEditIntervalMs - this.now();
    if (this.lastEditAt > 0 && wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  private typing(): void {
    if (this.finished || !this.started || this.turn.parkedUntil !== null || !this.target.typing) return; // nobody types while it waits
    this.target.typing().catch((err) => this.opts.log.debug({ err }, 'typing indicator failed'));
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
    if (this.finished) return;
    // One edit per slot of the budget: the todo checklist first when it is behind, then the answer.
    if (this.checklist.behind) return this.send(() => this.checklist.sync(), 'todo checklist');
    if (!this.dirty) return;
    this.dirty = false;
    const waiting = this.queuedAt !== null || this.turn.parkedUntil !== null;
    if (this.lastEditAt === 0 && this.now() - this.startedAt < (this.opts.statusDelayMs ?? 1000) && !this.turn.text && !waiting) return; // "thinking…" stands
    const message = this.renderStreaming();
    if (message.content === this.lastContent) return; // nothing new to show
    this.lastContent = message.content;
    this.send(() => this.target.edit(message), 'streaming edit');
  }

  private send(op: () => Promise<void>, what: string): void {
    this.lastEditAt = this.now();
    this.inFlight = op()
      .catch((err) => this.opts.log.warn({ err }, `${what} failed`))
      .finally(() => {
        this.inFlight = null;
        if (this.dirty || this.checklist.behind) this.schedule();
      });
  }

  private renderStreaming(): RenderedMessage {
    const components = [streamingRow(this.sessionId, this.turn.id)];
    const head = this.notices() + renderSteers(this.turn.steers);
    const parked = this.turn.parkedUntil;
    if (parked !== null) return { content: `${head}${parkedNote(parked)}`, components: [parkedRow(this.sessionId, this.turn.id)] };
    if (this.queuedAt !== null) {
      return { content: `${head}-# ⏳ ${ordinal(this.queuedAt)} in line for a Claude Code slot…`, components };
    }
    if (!this.started) return { content: `${head}-# ⏳ waiting for the previous message in this session…`, components };
    const status = `\n${this.statusLine()}`;
    const text = renderParts(this.turn.parts.parts, this.cwd) || this.turn.text;
    const room = DISCORD_MESSAGE_LIMIT - status.length - head.length - 2;
    const body = text.length > room ? `…${text.slice(text.length - room + 1)}` : text;
    return { content: `${head}${body}${status}`.slice(0, DISCORD_MESSAGE_LIMIT), components };
  }

  private statusLine(): string {
    return statusLine(this.turn, { now: this.now(), startedAt: this.startedAt, cwd: this.cwd, sessionCostUsd: this.opts.sessionCostUsd, rateLimit: this.opts.rateLimit });
  }

  /** The turn's notices as quoted lines, ready to stand above the answer. */
  private notices(): string {
    return this.turn.notices.map((n) => `> ℹ️ ${n}\n`).join('');
  }

  private async postFinal(result: TurnResult): Promise<void> {
    const sent = await loadSentFiles(this.turn.sentFiles, this.cwd, this.opts.maxUploadBytes ?? 10 * 1024 * 1024);
    const footer = [...sent.lines, this.footer(result)].join('\n');
    const parts = this.turn.parts.parts;
    const { files, byCall } = activityFiles(parts, this.cwd);
    const shown = renderParts(parts, this.cwd, byCall);
    const wroteText = parts.some((p) => p.kind === 'text' && p.text.trim());
    const answer = wroteText ? shown : [shown, result.text.trim()].filter(Boolean).join('\n');
    const text = answer || (result.outcome === 'success' && this.turn.notices.length === 0 ? '*(Claude answered with no text)*' : '');
    const head = this.notices() + renderSteers(this.turn.steers);
    let chunks = splitMessage(`${head}${text ? `${text}\n${footer}` : footer}`);
    const max = this.opts.maxInlineChunks ?? 4;
    if (chunks.length > max) {
      const whole = result.text.trim() || answer;
      files.unshift({ name: 'answer.md', data: Buffer.from(whole) });
      chunks = [...splitMessage(`${head}${text}`).slice(0, max),
        `-# ✂️ Longer than ${max} messages: the whole answer (${whole.length.toLocaleString('en-US')} chars) is attached as answer.md.\n${footer}`];
    }
    const last = chunks.length - 1;
    const message = (i: number): RenderedMessage => ({
      content: chunks[i]!, components: i === last && this.opts.answerButtons !== false ? [answerRow(this.sessionId)] : [], ...(i === last ? { files: [...sent.files, ...bundle(files, MAX_FILES - sent.files.length)] } : {}),
      ...(i > 0 ? { nonce: nonceOf(this.turn.id, i) } : {}),
    });
    if (result.error) this.opts.log.warn({ err: result.error, code: result.error.code, params: result.error.params }, 'turn failed');
    const o = { policy: this.policy, log: this.opts.log };
    for (let i = this.posted; i <= last; i++) {
      if (i === 0) await deliver('final edit', () => this.target.edit(message(0)), { ...o, onGone: () => this.target.followUp({ ...message(0), nonce: nonceOf(this.turn.id, 0) }) });
      else await deliver(`final message ${i + 1}/${last + 1}`, () => this.target.followUp(message(i)), o);
      this.posted = i + 1;
    }
  }

  private footer(result: TurnResult): string {
    const secs = ((this.now() - this.startedAt) / 1000).toFixed(1);
    const stats = `${secs} s · ${(result.inputTokens + result.outputTokens).toLocaleString('en-US')} tokens · $${result.costUsd.toFixed(4)}`;
    const warning = limitWarning(this.turn.rateLimit, this.now());
    switch (result.outcome) {
      case 'success': return `-# ${stats}${warning ? ` · ${warning}` : ''}`;
      case 'interrupted': return `-# ⏹️ stopped · ${stats}`;
      default: return `⚠️ ${result.error?.userMessage ?? 'The turn failed.'}`;
    }
  }
}

/** At most `max` (tool output, text): the rest are joined into one last file. */
function bundle(files: OutFile[], max = MAX_FILES): OutFile[] {
  if (files.length <= max) return files;
  if (max <= 0) return [];
  const rest = files.slice(max - 1);
  const joined = rest.map((f) => `===== ${f.name} =====\n${f.data.toString('utf8')}`).join('\n');
  return [...files.slice(0, max - 1), { name: 'more-tool-output.txt', data: Buffer.from(joined) }];
}

/** discord.js attachments for a rendered message's files. */
export function attachments(files: readonly OutFile[] = []): AttachmentBuilder[] {
  return files.map((f) => new AttachmentBuilder(f.data, { name: f.name }));
}

/** 1 → "1st", 2 → "2nd", 11 → "11th", 23 → "23rd". */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}
