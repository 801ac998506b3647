/**
 * Follows a growing file from a byte offset and yields its complete lines: inotify (`fs.watch`) for
 * low latency, a slow poll as a safety net for missed events.
 */
import fs from 'node:fs';
import { AsyncQueue } from './async-queue.js';
import { LineSplitter } from './line-splitter.js';
import type { OutputLine } from './types.js';

const CHUNK = 64 * 1024;

export class FileTail {
  readonly lines = new AsyncQueue<OutputLine>();
  private readonly splitter: LineSplitter;
  private offset: number;
  private fd: fs.promises.FileHandle | null = null;
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;

  constructor(private readonly path: string, fromOffset: number, private readonly pollMs = 250) {
    this.offset = fromOffset;
    this.splitter = new LineSplitter(fromOffset);
  }

  async start(): Promise<void> {
    this.fd = await fs.promises.open(this.path, 'r');
    this.watcher = fs.watch(this.path, () => this.kick());
    this.watcher.on('error', () => undefined); // the poll keeps going
    this.timer = setInterval(() => this.kick(), this.pollMs);
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
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    await this.reading.catch(() => undefined);
    await this.fd?.close().catch(() => undefined);
    this.fd = null;
  }

  private kick(): void {
    if (this.stopped || !this.fd) return;
    if (this.again) return;
    this.again = true;
    this.reading = this.reading.then(async () => {
      this.again = false;
      await this.readAvailable();
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
