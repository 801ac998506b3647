/**
 * `Session`: one bridge session — one owner, place and working directory bound to one Claude
 * session id — and its kept-alive `claude` stream-json process. Work runs through one serial queue;
 * the process's stdout is read by one loop that feeds the current {@link Turn}.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import PQueue from 'p-queue';
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { buildClaudeArgs } from '../claude/args.js';
import { encodeInterrupt, encodePermissionDecision, encodeUserMessage } from '../claude/input.js';
import { transcriptPath } from '../claude/slug.js';
import { parseStreamJsonLine, type KnownMessage, type SDKResultMessage } from '../claude/stream-json.js';
import type { ProcessBackend, ProcessHandle } from '../backends/types.js';
import type { SessionPatch, SessionRecord, SessionState, SessionStore } from '../store/types.js';
import { Turn } from './turn.js';

export interface SessionEvents {
  state: (state: SessionState, previous: SessionState) => void;
  /** Every parsed output line of the process. */
  event: (message: KnownMessage) => void;
  error: (error: BridgeError) => void;
}

export interface SessionDeps {
  backend: ProcessBackend;
  store: SessionStore;
  /** Path of the `claude` executable. */
  claudeBin: string;
  /** The whole environment of the `claude` process. */
  env: Record<string, string>;
  /** Claude Code's config home (`$CLAUDE_CONFIG_DIR` or `~/.claude`), where transcripts live. */
  claudeConfigDir: string;
  log: Logger;
  now: () => number;
  /** Asked before a process starts: makes room or throws BridgeError `SESSION_LIMIT`. */
  acquireSlot: (session: Session) => Promise<void>;
  /** Called once the start attempt is over, whatever its outcome. */
  releaseSlot: (session: Session) => void;
}

/** Shown to Claude when it asks to use a tool: the Discord permission prompt is not built yet. */
const PERMISSION_DENIED = 'Tool permission prompts are not available from Discord in this version; the tool was denied.';

export class Session extends EventEmitter<SessionEvents> {
  private handle: ProcessHandle | null = null;
  private readonly queue = new PQueue({ concurrency: 1 });
  private current: Turn | null = null;
  /** `total_cost_usd` the live process has reported so far (it counts from its own start), USD. */
  private processCost = 0;
  private readonly log: Logger;

  constructor(private rec: SessionRecord, private readonly deps: SessionDeps) {
    super();
    this.log = deps.log.child({ session: rec.id });
  }

  get id() { return this.rec.id; }
  get record(): Readonly<SessionRecord> { return this.rec; }
  get state(): SessionState { return this.rec.state; }
  /** Has a process, or is starting one. */
  get isLive(): boolean { return this.handle !== null || this.rec.state === 'starting'; }
  get currentTurn(): Turn | null { return this.current; }

  /** Queues `text` as the next user message. Never throws: failures end the returned turn with an error. */
  sendMessage(text: string): Turn {
    const turn = new Turn(text);
    this.patch({ messageCount: this.rec.messageCount + 1, lastActivityAt: this.deps.now() });
    void this.queue.add(() => this.runTurn(turn));
    return turn;
  }

  /** Interrupts the running turn (stream-json `interrupt` control request). `false` when nothing runs. */
  async interrupt(): Promise<boolean> {
    const turn = this.current;
    if (!turn || turn.isEnded || !this.handle) return false;
    turn.interruptRequested = true;
    await this.handle.write(encodeInterrupt(randomUUID()));
    return true;
  }

  /** Ends the process, keeps the record: the next message resumes with `--resume`. */
  async suspend(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    await handle.kill();
    await handle.exited;
    this.setState('suspended');
  }

  /** Stops reading but leaves a tmux-held process running (bot shutdown). */
  async detach(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.detach();
  }

  private async runTurn(turn: Turn): Promise<void> {
    try {
      await this.ensureProcess();
      this.current = turn;
      this.setState('running');
      await this.handle!.write(encodeUserMessage(turn.prompt));
      turn.emit('started');
    } catch (err) {
      const error = err instanceof BridgeError ? err : new BridgeError('PROCESS_START_FAILED', { reason: 'see log' }, { cause: err });
      this.log.error({ err }, 'turn could not start');
      this.emit('error', error);
      turn.end({ outcome: 'error', error, costUsd: 0, inputTokens: 0, outputTokens: 0, durationMs: 0 });
      if (!this.handle) this.setState(error.code === 'SESSION_LIMIT' ? this.rec.state : 'failed');
      return;
    }
    await turn.done; // settled by finishTurn(), which also moved the state on
  }

  /** Ends the current turn after the session's own state is settled, so awaiting callers see it. */
  private finishTurn(turn: Turn, result: Parameters<Turn['end']>[0]): void {
    if (this.current === turn) this.current = null;
    if (this.handle) this.setState('idle');
    turn.end(result);
  }

  private async ensureProcess(): Promise<void> {
    if (this.handle) return;
    await this.deps.acquireSlot(this);
    try {
      const previous = this.rec.backend === this.deps.backend.kind
        ? await this.deps.backend.attach(this.rec.id, this.rec.outputOffset)
        : null;
      this.setState('starting');
      const handle = previous ?? (await this.deps.backend.start({
        name: this.rec.id,
        command: this.deps.claudeBin,
        args: buildClaudeArgs({
          session: { kind: this.hasTranscript() ? 'resume' : 'new', id: this.rec.claudeSessionId },
          model: this.rec.model ?? undefined,
        }),
        cwd: this.rec.cwd,
        env: this.deps.env,
      }));
      this.handle = handle;
      this.processCost = 0;
      this.patch({ backend: handle.backend, outputOffset: previous ? this.rec.outputOffset : 0 });
      this.log.info({ backend: handle.backend, reattached: previous !== null }, 'process ready');
      void this.readLoop(handle);
      this.setState('idle');
    } finally {
      this.deps.releaseSlot(this);
    }
  }

  private hasTranscript(): boolean {
    return fs.existsSync(transcriptPath(this.deps.claudeConfigDir, this.rec.cwd, this.rec.claudeSessionId));
  }

  private async readLoop(handle: ProcessHandle): Promise<void> {
    for await (const line of handle.lines()) {
      const out = parseStreamJsonLine(line.text);
      if (out.kind !== 'message') {
        if (out.kind === 'invalid') this.log.debug({ line: out.line.slice(0, 200) }, 'non-JSON output line');
        continue;
      }
      const msg = out.message;
      this.emit('event', msg);
      if (msg.type === 'control_request' && msg.request.subtype === 'can_use_tool') {
        this.log.warn({ tool: msg.request.tool_name }, 'tool permission requested; denied (no prompt UI yet)');
        void handle.write(encodePermissionDecision(msg.request_id, { behavior: 'deny', message: PERMISSION_DENIED }));
      }
      const result = this.current ? this.current.feed(msg) : msg.type === 'result' ? msg : null;
      if (result) this.onResult(result, line.offset);
    }
    if (this.handle !== handle) return; // detached or replaced
    const exit = await handle.exited;
    this.handle = null;
    this.patch({ backend: null, outputOffset: 0 });
    const turn = this.current;
    if (turn && !turn.isEnded) {
      this.log.warn({ exit }, 'process exited during a turn');
      const error = new BridgeError('PROCESS_EXITED', { exitCode: exit.code ?? exit.signal ?? 'unknown' });
      if (this.rec.state !== 'stopped') this.setState('suspended');
      this.finishTurn(turn, { outcome: 'process-exited', error, costUsd: 0, inputTokens: 0, outputTokens: 0, durationMs: 0 });
      return;
    }
    this.log.info({ exit }, 'process exited');
    if (this.rec.state !== 'stopped') this.setState('suspended');
  }

  private onResult(result: SDKResultMessage, offset: number): void {
    const costUsd = Math.max(0, result.total_cost_usd - this.processCost);
    this.processCost = result.total_cost_usd;
    const inputTokens = result.usage.input_tokens + (result.usage.cache_read_input_tokens ?? 0) + (result.usage.cache_creation_input_tokens ?? 0);
    const outputTokens = result.usage.output_tokens;
    this.patch({
      turnCount: this.rec.turnCount + 1,
      inputTokens: this.rec.inputTokens + inputTokens,
      outputTokens: this.rec.outputTokens + outputTokens,
      costUsd: this.rec.costUsd + costUsd,
      lastActivityAt: this.deps.now(),
      outputOffset: offset,
    });
    const turn = this.current;
    if (!turn) return;
    const ok = result.subtype === 'success' && !result.is_error;
    const common = { costUsd, inputTokens, outputTokens, durationMs: result.duration_ms };
    if (ok) this.finishTurn(turn, { outcome: 'success', ...common, text: turn.text || result.result });
    else if (turn.interruptRequested) this.finishTurn(turn, { outcome: 'interrupted', ...common });
    else {
      const reason = 'errors' in result && result.errors.length > 0 ? result.errors.join('; ') : result.subtype;
      this.finishTurn(turn, { outcome: 'error', error: new BridgeError('TURN_FAILED', { reason: reason.slice(0, 300) }), ...common });
    }
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
