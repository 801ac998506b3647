/**
 * `TranscriptTail`: the newest conversation entry of a transcript (`projects/<slug>/<id>.jsonl`),
 * kept up to date by reading only what was appended since the last look. Claude Code appends to a
 * transcript and never rewrites it in place; a file that shrank (replaced) is read again from its
 * tail. Reads are synchronous and small (one turn's lines, a few KiB): on the path of every turn,
 * one `stat` and one short read cost less than the thread-pool hops of async I/O.
 */
import fs from 'node:fs';
import { parseEntry, promptText } from './transcript.js';

/** At most this much of a transcript is read at once (a first look, or a very long turn), bytes. */
const TAIL_BYTES = 256 * 1024;

export interface ConversationEntry {
  type: string;
  uuid: string;
}

export class TranscriptTail {
  private offset = 0;
  /** Bytes of an incomplete last line (kept as bytes: a read may end inside a UTF-8 character). */
  private partial: Buffer = Buffer.alloc(0);
  private last: ConversationEntry | null = null;

  constructor(private readonly file: string) {}

  /**
   * The newest main-thread `assistant` entry or user prompt, or `null` when there is none (or no
   * file). Never throws: an unreadable file reads as empty.
   */
  newest(): ConversationEntry | null {
    let size: number;
    try { size = fs.statSync(this.file).size; } catch { return this.reset(); }
    if (size < this.offset) this.reset();
    if (size === this.offset) return this.last;
    let start = this.offset;
    if (size - start > TAIL_BYTES) { start = size - TAIL_BYTES; this.partial = Buffer.alloc(0); }
    const buf = Buffer.alloc(size - start);
    let fd: number | null = null;
    try {
      fd = fs.openSync(this.file, 'r');
      fs.readSync(fd, buf, 0, buf.length, start);
    } catch {
      return this.last;
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
    const all = Buffer.concat([this.partial, buf]);
    const end = all.lastIndexOf(0x0a) + 1; // past the last complete line; the rest waits for more
    this.partial = Buffer.from(all.subarray(end));
    const lines = all.subarray(0, end).toString('utf8').split('\n');
    const cut = start > this.offset; // the first line may be cut
    for (let i = cut ? 1 : 0; i < lines.length; i++) {
      const e = parseEntry(lines[i]!);
      if (!e?.uuid) continue;
      if ((e.type === 'assistant' && !e.isSidechain) || promptText(e) !== null) this.last = { type: e.type, uuid: e.uuid };
    }
    this.offset = size;
    return this.last;
  }

  private reset(): null {
    this.offset = 0;
    this.partial = Buffer.alloc(0);
    this.last = null;
    return null;
  }
}
