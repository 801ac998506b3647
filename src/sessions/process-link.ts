/**
 * `ProcessLink`: a session's bond to one live `claude` process — the reader that posts its
 * stream-json output to the session's mailbox, and what the loop has learnt from that output (cost
 * so far, results, a failed `--resume`, when it last said anything). A session has at most one at a
 * time; `gen` tells its inputs from those of an earlier process.
 */
import type { Logger } from '../core/logger.js';
import type { KnownMessage, SDKResultMessage } from '../claude/stream-json.js';
import { TranscriptTail } from '../claude/transcript-tail.js';
import type { ExitInfo, ProcessHandle } from '../backends/types.js';
import { readOutput, resumeNotFound, turnStats } from './output.js';

export interface LinkSink {
  /** Every parsed output line, in order, with the byte offset past it. */
  output: (message: KnownMessage, offset: number) => void;
  /** The process is gone; every line before its exit was passed to `output` first. */
  exit: (exit: ExitInfo) => void;
}

/** What a `result` line means for the session, as the loop sees it. */
export type ResultNews =
  | { kind: 'resume-failed' }
  | { kind: 'result'; result: SDKResultMessage; stats: ReturnType<typeof turnStats> };

export class ProcessLink {
  resumeFailed = false;
  /** Set when the loop ended the process because a turn stalled for this long, ms. */
  stalledAfterMs: number | null = null;
  private costUsd = 0;
  private results = 0;
  private lastOutputAt: number;
  /** uuid of the newest main-thread `assistant` message this process printed. */
  private lastAnswerUuid: string | null = null;

  constructor(
    readonly handle: ProcessHandle,
    readonly gen: number,
    private readonly o: { resumed: boolean; now: () => number; log: Logger; sink: LinkSink },
  ) {
    this.lastOutputAt = o.now();
    void readOutput(handle, { log: o.log, onMessage: (msg, offset) => o.sink.output(msg, offset) })
      .then(() => handle.exited)
      .then((exit) => o.sink.exit(exit))
      .catch((err) => o.log.error({ err }, 'reading process output failed'));
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

  /**
   * The transcript's newest message is not the last answer this process gave: it went on elsewhere
   * (a terminal). Reads only what was appended since the last call ({@link TranscriptTail}).
   */
  wentOnElsewhere(transcriptFile: string): boolean {
    if (!this.lastAnswerUuid) return false;
    if (this.tail?.file !== transcriptFile) this.tail = { file: transcriptFile, reader: new TranscriptTail(transcriptFile) };
    const last = this.tail.reader.newest();
    return last !== null && last.uuid !== this.lastAnswerUuid;
  }
  private tail: { file: string; reader: TranscriptTail } | null = null;

  /** Called by the loop for every output line; for a `result` line, says what it means. */
  take(msg: KnownMessage): ResultNews | null {
    this.lastOutputAt = this.o.now();
    if (msg.type === 'assistant' && msg.parent_tool_use_id === null) this.lastAnswerUuid = msg.uuid;
    // Compaction (`/compact`, or automatic) rewrites the conversation's tail itself: the transcript's
    // newest entry is then its summary, not an answer; the next answer sets the mark again.
    if (msg.type === 'system' && msg.subtype === 'compact_boundary') this.lastAnswerUuid = null;
    if (msg.type !== 'result') return null;
    const stats = turnStats(msg, this.costUsd); // total_cost_usd counts from this process's start
    this.costUsd = msg.total_cost_usd;
    this.results++;
    if (this.o.resumed && this.results === 1 && resumeNotFound(msg)) {
      this.resumeFailed = true;
      return { kind: 'resume-failed' };
    }
    return { kind: 'result', result: msg, stats };
  }
}
