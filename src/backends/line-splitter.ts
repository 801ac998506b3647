/**
 * Splits a byte stream into `\n`-terminated lines, tracking the byte offset past each newline.
 * Splits on bytes, so a multi-byte UTF-8 character cut between chunks is decoded whole.
 */
import type { OutputLine } from './types.js';

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** @param offset byte offset of the first byte that will be pushed */
  constructor(private offset = 0) {}

  push(chunk: Buffer): OutputLine[] {
    const lines: OutputLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const whole = this.pendingBytes > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      this.offset += this.pendingBytes + piece.length + 1;
      this.pending = [];
      this.pendingBytes = 0;
      let text = whole.toString('utf8');
      if (text.endsWith('\r')) text = text.slice(0, -1);
      lines.push({ text, offset: this.offset });
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }
}
