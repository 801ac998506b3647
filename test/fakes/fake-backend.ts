/**
 * A fake `ProcessBackend` whose "claude" answers in-process, for fast unit tests of the session loop
 * through its seams. Its lines copy what Claude Code 2.1.330 prints in stream-json mode (seen in the
 * real-CLI tests and DESIGN.md §4): `system/init` at the start of each turn, `stream_event` text
 * deltas, the `assistant` message, one `result` per turn; `interrupt` → `control_response` then an
 * error `result`; with `--replay-user-messages` a user message carrying a `uuid` is echoed with
 * `isReplay: true` when taken. A turn is answered at once unless the test holds it (`hold`), so a
 * test can act while it "runs", then `release()` it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AsyncQueue } from '../../src/backends/async-queue.js';
import { transcriptPath } from '../../src/claude/slug.js';
import { parseClaudeSessionId } from '../../src/core/ids.js';
import type { ExitInfo, OutputLine, ProcessBackend, ProcessHandle, ProcessSpec } from '../../src/backends/types.js';

export class FakeProcess implements ProcessHandle {
  readonly backend = 'tmux' as const;
  readonly exited: Promise<ExitInfo>;
  readonly written: string[] = [];
  private offset = 0;
  private turns = 0;
  private held: Array<{ text: string; steered: string[] }> = [];
  private queued: Array<{ uuid: string; text: string }> = [];
  /** Every line printed, for `attach` to replay from an offset. */
  readonly printed: OutputLine[] = [];
  private out = new AsyncQueue<OutputLine>();
  private settle!: (e: ExitInfo) => void;
  private done = false;

  get ended(): boolean {
    return this.done;
  }

  constructor(readonly name: string, readonly spec: ProcessSpec, private readonly fake: FakeBackend) {
    this.exited = new Promise((resolve) => (this.settle = resolve));
  }

  async write(line: string): Promise<void> {
    if (this.done) throw new Error('EPIPE: the process is gone');
    this.written.push(line);
    const msg = JSON.parse(line) as { type: string; uuid?: string; message?: { content: string }; request?: { subtype: string }; request_id?: string };
    if (msg.type === 'user') {
      const text = msg.message!.content;
      if (msg.uuid) this.record(msg.uuid);
      if (msg.uuid && this.held.length > 0) return this.steer(msg.uuid, text);
      if (msg.uuid) this.echo(msg.uuid, text);
      if (this.fake.hold) this.held.push({ text, steered: [] });
      else this.answer(text);
    } else if (msg.type === 'control_request' && msg.request?.subtype === 'interrupt') {
      this.emit({ type: 'control_response', response: { subtype: 'success', request_id: msg.request_id } });
      if (this.held.length > 0) {
        this.held.shift();
        this.emit(this.result('error_during_execution', true, ''));
      }
    }
  }

  private steer(uuid: string, text: string): void {
    if (this.fake.steerMode === 'fold') {
      this.echo(uuid, text);
      this.held[0]!.steered.push(text);
    } else this.queued.push({ uuid, text });
  }

  private record(uuid: string): void {
    const args = this.spec.args;
    const at = args.lastIndexOf('--session-id') >= 0 ? args.lastIndexOf('--session-id') : args.indexOf('--resume');
    if (at < 0 || !this.fake.configDir) return;
    const file = transcriptPath(this.fake.configDir, this.spec.cwd, parseClaudeSessionId(args[at + 1]!));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${JSON.stringify({ type: 'queue-operation', operation: 'enqueue', uuid })}\n`);
  }

  private echo(uuid: string, text: string): void {
    this.emit({ type: 'user', isReplay: true, uuid, parent_tool_use_id: null, session_id: 's', message: { role: 'user', content: text } });
  }

  /** Answers the held turns, oldest first; messages queued behind them follow as one joined turn. */
  release(): void {
    for (const h of this.held.splice(0)) this.answer(h.text, h.steered);
    if (this.queued.length === 0) return;
    const queued = this.queued.splice(0);
    if (this.fake.steerMode === 'split') {
      for (const q of queued) { this.echo(q.uuid, q.text); this.answer(q.text); }
      return;
    }
    for (const q of queued) this.echo(q.uuid, q.text);
    this.answer(queued.map((q) => q.text).join('\n'));
  }

  /** Prints a partial answer for the first held turn (so it "streams"). */
  stream(text: string): void {
    this.emit({ type: 'stream_event', parent_tool_use_id: null, session_id: 's', uuid: 'u', event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } });
  }

  lines(): AsyncIterable<OutputLine> {
    return this.out;
  }

  async signal(): Promise<void> { /* not used */ }

  /** The process ends by itself (`code`) or is killed (`signal`). */
  end(exit: ExitInfo): void {
    if (this.done) return;
    this.done = true;
    this.out.end();
    this.settle(exit);
  }

  async kill(): Promise<void> {
    this.end({ signal: 'SIGHUP', stderrTail: '' });
  }

  async detach(): Promise<void> {
    this.out.end();
  }

  private answer(text: string, steered: string[] = []): void {
    if (this.fake.limitResetsAt !== null) return this.refuse(this.fake.limitResetsAt);
    const turn = ++this.turns;
    const reply = `echo: ${text} (turn ${turn})${steered.map((t) => ` · steered: ${t}`).join('')}`;
    this.emit({ type: 'system', subtype: 'init', session_id: 's', model: 'fake', cwd: this.spec.cwd, permissionMode: 'default' });
    this.emit({ type: 'stream_event', parent_tool_use_id: null, session_id: 's', uuid: 'u', event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: reply } } });
    this.emit({ type: 'assistant', parent_tool_use_id: null, session_id: 's', uuid: `a${turn}`, message: { role: 'assistant', content: [{ type: 'text', text: reply }] } });
    this.emit(this.result('success', false, reply));
  }

  /**
   * A turn refused for the plan's usage limit, as Claude Code 2.1.330 prints it for a 429 with
   * `anthropic-ratelimit-unified-status: rejected` (observed against test/fakes/stub-limits.ts):
   * `rate_limit_event` (status rejected), a synthetic `assistant` with `error: "rate_limit"` and
   * `api_error_params.rate_limit_info`, an error `result` with `api_error: "usage_limit_reached"`.
   */
  private refuse(resetsAt: number): void {
    const info = { status: 'rejected', resetsAt, rateLimitType: 'five_hour', isUsingOverage: false };
    this.emit({ type: 'rate_limit_event', rate_limit_info: info, uuid: 'r', session_id: 's' });
    this.emit({
      type: 'assistant', parent_tool_use_id: null, session_id: 's', uuid: `limit${this.turns}`, error: 'rate_limit', is_api_error_message: true,
      api_error_status: 429, api_error: 'usage_limit_reached', api_error_params: { rate_limit_info: info },
      message: { role: 'assistant', model: '<synthetic>', content: [{ type: 'text', text: "You've hit your 5-hour limit" }] },
    });
    this.emit({ ...this.result('success', true, "You've hit your 5-hour limit"), api_error_status: 429, api_error: 'usage_limit_reached', terminal_reason: 'api_error' });
  }

  private result(subtype: string, isError: boolean, text: string): object {
    return {
      type: 'result', subtype, is_error: isError, result: text, session_id: 's', total_cost_usd: 0.001 * this.turns,
      usage: { input_tokens: 10, output_tokens: 5 }, duration_ms: 1, num_turns: 1, errors: isError ? [] : undefined,
    };
  }

  /** Prints a line as the CLI would on its own (a `control_request` it sends: `can_use_tool`, `elicitation`). */
  print(obj: object): void {
    this.emit(obj);
  }

  private emit(obj: object): void {
    const text = JSON.stringify(obj);
    this.offset += Buffer.byteLength(text) + 1;
    const line = { text, offset: this.offset };
    this.printed.push(line);
    this.out.push(line);
  }

  /** A new reader of this live process from `fromOffset` (bytes), as after a bot restart. */
  reattach(fromOffset: number): this {
    this.out = new AsyncQueue<OutputLine>();
    for (const line of this.printed) if (line.offset > fromOffset) this.out.push(line);
    return this;
  }
}

export class FakeBackend implements ProcessBackend {
  readonly kind = 'tmux' as const;

  /** `configDir`: Claude Code's config home, where taken messages are recorded in transcripts. */
  constructor(readonly configDir: string | null = null) {}

  readonly started: FakeProcess[] = [];
  /** New turns wait for `release()` instead of being answered at once. */
  hold = false;
  /** What a message steered into a held turn does (see the class comment). */
  steerMode: 'fold' | 'queue' | 'split' = 'fold';
  /** While set (epoch s), every turn is refused for the plan's usage limit, resetting then. */
  limitResetsAt: number | null = null;
  /** The next start fails with this error. */
  failNextStart: Error | null = null;
  /** Starts wait for this before they complete (a process that takes its time to start). */
  startGate: Promise<void> | null = null;

  async probe(): Promise<string | null> { return null; }

  async start(spec: ProcessSpec): Promise<ProcessHandle> {
    if (this.startGate) await this.startGate;
    if (this.failNextStart) {
      const err = this.failNextStart;
      this.failNextStart = null;
      throw err;
    }
    const p = new FakeProcess(spec.name, spec, this);
    this.started.push(p);
    return p;
  }

  /** A process of that name still running (not ended, not killed), read again from `fromOffset`. */
  async attach(name: string, fromOffset: number): Promise<ProcessHandle | null> {
    const p = [...this.started].reverse().find((x) => x.name === name);
    return p && !p.ended ? p.reattach(fromOffset) : null;
  }
  async list(): Promise<string[]> { return []; }
  async end(): Promise<void> { /* nothing outlives a test */ }

  /** The newest process. */
  get last(): FakeProcess {
    return this.started.at(-1)!;
  }
}
