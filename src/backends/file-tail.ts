/**
 * Follows a growing file from a byte offset and yields its complete lines. It does not watch the
 * file itself: its owner calls {@link FileTail.kick} on an inotify event (the tmux handle watches the
 * process's run dir once, for output and exit alike). One shared slow timer kicks every live tail as
 * a safety net for a missed event; there is no timer per tail.
 */
import fs from 'node:fs';
import { AsyncQueue } from './async-queue.js';
import { LineSplitter } from './line-splitter.js';
import type { OutputLine } from './types.js';

const CHUNK = 64 * 1024;
/** Safety-net period for all tails together, ms. A read of an idle tail returns 0 bytes. */
const SWEEP_MS = 10_000;

const live = new Set<FileTail>();
let sweeper: NodeJS.Timeout | null = null;

function track(tail: FileTail, on: boolean): void {
  if (on) live.add(tail);
  else live.delete(tail);
  if (live.size > 0 && !sweeper) {
    sweeper = setInterval(() => live.forEach((t) => t.kick()), SWEEP_MS);
    sweeper.unref();
  } else if (live.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

export class FileTail {
  readonly lines = new AsyncQueue<OutputLine>();
  private readonly splitter: LineSplitter;
  private offset: number;
  private fd: fs.promises.FileHandle | null = null;
  private reading: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;

  /** @param fromOffset byte offset to start reading at (bytes before it were delivered already) */
  constructor(private readonly path: string, fromOffset: number) {
    this.offset = fromOffset;
    this.splitter = new LineSplitter(fromOffset);
  }

  /** Opens the file and reads what is there. @throws the `open` error (e.g. ENOENT) */
  async start(): Promise<void> {
    this.fd = await fs.promises.open(this.path, 'r');
    track(this, true);
    this.kick();
  }

  /** Reads what is there now; resolves when caught up. */
  drain(): Promise<void> {
    this.kick();
    return this.reading;
  }

  /** Reads the rest, then ends the line stream. */
  async finish(): Promise<void> {
    await this.drain();
    await this.stop();
    this.lines.end();
  }

  /** Stops following without ending the stream's consumer (used for detach). */
  async stop(): Promise<void> {
    this.stopped = true;
    track(this, false);
    await this.reading.catch(() => undefined);
    await this.fd?.close().catch(() => undefined);
    this.fd = null;
  }

  /** Something may have been appended: read it (coalesces with a read already queued). */
  kick(): void {
    if (this.stopped || !this.fd) return;
    if (this.again) return;
    this.again = true;
    this.reading = this.reading.then(async () => {
      this.again = false;
      await this.readAvailable().catch(() => undefined); // a later kick retries
    });
  }

  private async readAvailable(): Promise<void> {
    const buf = Buffer.alloc(CHUNK);
    while (this.fd && !this.stopped) {
      const { bytesRead } = await this.fd.read(buf, 0, CHUNK, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      for (const line of this.splitter.push(buf.subarray(0, bytesRead))) this.lines.push(line);
    }
  }
}
