/**
 * The stdin channel both backends use: a named pipe the child holds open read-write (so it never
 * sees EOF while the bot is away), and a writer that keeps its own read-write descriptor (a FIFO
 * opened `r+` never blocks on Linux, and the pipe's buffer survives while either end is open).
 * Claude Code 2.1.330 in `-p` mode refuses a terminal on stdin, so even the pty backend feeds it here.
 */
import fs from 'node:fs';
import { execFileAsync } from './exec.js';

/** Creates a FIFO with mode 0600 (Node has no mkfifo; `mkfifo` is POSIX). */
export async function makeFifo(file: string): Promise<void> {
  await execFileAsync('mkfifo', ['-m', '600', file]);
}

export class FifoWriter {
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly fh: fs.promises.FileHandle) {}

  static async open(file: string): Promise<FifoWriter> {
    return new FifoWriter(await fs.promises.open(file, 'r+'));
  }

  /** Writes `line` plus `\n`; writes are serialised so lines never interleave. */
  writeLine(line: string): Promise<void> {
    const data = Buffer.from(`${line}\n`, 'utf8');
    const next = this.writing.then(async () => {
      await this.fh.write(data, 0, data.length);
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending writes, then closes. */
  async close(): Promise<void> {
    await this.writing;
    await this.fh.close().catch(() => undefined);
  }
}
