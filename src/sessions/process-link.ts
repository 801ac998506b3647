/**
 * `ProcessLink`: a session's bond to one live `claude` process — the loop reading its stream-json
 * output, what that process has reported (cost so far, results, a failed `--resume`), when it last
 * said anything, and how its exit is handled. A session has at most one at a time.
 */
import type { Logger } from '../core/logger.js';
import type { KnownMessage, SDKResultMessage } from '../claude/stream-json.js';
import { lastConversationEntry } from '../claude/transcript.js';
import type { ExitInfo, ProcessHandle } from '../backends/types.js';
import { readOutput, resumeNotFound, turnStats } from './output.js';

export interface LinkListener {
  /** Every parsed output line, with the byte offset past it. */
  message: (msg: KnownMessage, offset: number) => void;
  /** A `result` line, with this turn's own figures. */
  result: (result: SDKResultMessage, offset: number, stats: ReturnType<typeof turnStats>) => void;
  /** The process's first answer says `--resume` found no conversation. */
  resumeFailed: () => void;
  /** The process is gone and every line before its exit was delivered. */
  exit: (exit: ExitInfo, stalledAfterMs: number | null) => void | Promise<void>;
}

export class ProcessLink {
  /** Settles once the exit has been fully handled by the listener. */
  readonly exitHandled: Promise<void>;
  resumeFailed = false;
  private costUsd = 0;
  private results = 0;
  private lastOutputAt: number;
  private stalledAfterMs: number | null = null;
  /** uuid of the newest main-thread `assistant` message this process printed. */
  private lastAnswerUuid: string | null = null;

  constructor(
    readonly handle: ProcessHandle,
    private readonly o: { resumed: boolean; now: () => number; log: Logger; on: LinkListener },
  ) {
    this.lastOutputAt = o.now();
    this.exitHandled = readOutput(handle, { log: o.log, onMessage: (msg, offset) => this.onMessage(msg, offset) })
      .then(async () => {
        const exit = await handle.exited;
        await o.on.exit(exit, this.stalledAfterMs);
      });
  }

  /** A new turn was written: the stall clock starts again. */
  turnStarted(): void {
    this.lastOutputAt = this.o.now();
  }

  /** Ends the process when nothing came out for `stallMs`; `true` if it did. */
  endIfStalled(stallMs: number): boolean {
    if (this.o.now() - this.lastOutputAt < stallMs) return false;
    this.stalledAfterMs = stallMs;
    void this.handle.kill();
    return true;
  }

  /** The transcript's newest message is not the last answer this process gave: it went on elsewhere. */
  async wentOnElsewhere(transcriptFile: string): Promise<boolean> {
    if (!this.lastAnswerUuid) return false;
    const last = await lastConversationEntry(transcriptFile).catch(() => null);
    return last !== null && last.uuid !== this.lastAnswerUuid;
  }

  private onMessage(msg: KnownMessage, offset: number): void {
    this.lastOutputAt = this.o.now();
    if (msg.type === 'assistant' && msg.parent_tool_use_id === null) this.lastAnswerUuid = msg.uuid;
    this.o.on.message(msg, offset);
    if (msg.type !== 'result') return;
    const stats = turnStats(msg, this.costUsd); // total_cost_usd counts from this process's start
    this.costUsd = msg.total_cost_usd;
    this.results++;
    if (this.o.resumed && this.results === 1 && resumeNotFound(msg)) {
      this.resumeFailed = true;
      this.o.on.resumeFailed();
      return;
    }
    this.o.on.result(msg, offset, stats);
  }
}
