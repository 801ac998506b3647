/**
 * Splits text into Discord messages of at most `limit` chars (Discord: 2000 per message content,
 * API docs "Create Message") without breaking code fences: a chunk that ends inside a ``` block
 * closes it, and the next chunk reopens it with the same info string (language). Prefers line
 * breaks, then spaces; a line longer than a message is cut hard.
 */
export const DISCORD_MESSAGE_LIMIT = 2000;

const FENCE = /^\s*(`{3,}|~{3,})(.*)$/;

interface Fence {
  /** The line that opens it, shortened, used to reopen it in the next chunk. */
  open: string;
  marker: string;
}

export function splitMessage(text: string, limit = DISCORD_MESSAGE_LIMIT): string[] {
  if (limit < 40) throw new RangeError('limit must be at least 40 characters');
  if (text.length <= limit) return [text];
  const chunks: string[] = [];
  let fence: Fence | null = null;
  let buf = '';
  let hasContent = false; // buf holds more than a reopened fence line

  const close = (f: Fence | null) => (f ? `\n${f.marker}` : '');
  const flush = () => {
    chunks.push(buf + close(fence));
    buf = fence ? fence.open : '';
    hasContent = false;
  };
  const append = (piece: string) => {
    buf = buf.length > 0 ? `${buf}\n${piece}` : piece;
    hasContent = true;
  };

  for (const original of text.split('\n')) {
    let line = original;
    const m = FENCE.exec(line);
    const closes: boolean = fence !== null && m !== null && m[1]!.startsWith(fence.marker[0]!) && m[1]!.length >= fence.marker.length && m[2]!.trim() === '';
    const after: Fence | null = closes ? null : fence ?? (m ? { open: `${m[1]}${m[2]!.trim().slice(0, 20)}`, marker: m[1]! } : null);
    const sep = buf.length > 0 ? 1 : 0;

    if (buf.length + sep + line.length + close(after).length <= limit) {
      append(line);
      fence = after;
      continue;
    }
    if (closes) { // flushing closes the fence anyway
      flush();
      fence = null;
      buf = '';
      continue;
    }
    if (hasContent) flush();
    // Cut the line into pieces that fit next to the (re)opened fence.
    for (;;) {
      const room = limit - buf.length - (buf.length > 0 ? 1 : 0) - close(after).length;
      if (line.length <= room) break;
      const space = line.lastIndexOf(' ', room);
      const cut = space >= room / 2 ? space : room;
      append(line.slice(0, cut));
      line = line.slice(cut).replace(/^ /, '');
      fence = after;
      flush();
    }
    append(line);
    fence = after;
  }
  if (hasContent) chunks.push(buf + close(fence));
  return chunks;
}
