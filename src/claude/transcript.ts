/**
 * Reading Claude Code transcripts (`<config>/projects/<slug>/<session id>.jsonl`, measured on
 * 2.1.330): one JSON object per line, `user | assistant | system | attachment | summary | …`, chained
 * by `uuid`/`parentUuid`, with `sessionId`, `cwd`, `timestamp` (ISO) and `message`. Unknown types are
 * skipped and broken lines counted, never fatal. Files are streamed, so size does not cost memory.
 */
import fs from 'node:fs';

export interface TranscriptEntry {
  type: string;
  uuid?: string;
  parentUuid?: string | null;
  sessionId?: string;
  cwd?: string;
  timestamp?: string;
  isSidechain?: boolean;
  isMeta?: boolean;
  summary?: string;
  message?: { role?: string; content?: unknown; model?: string };
}

export interface ReadStats {
  /** Lines that were not JSON objects with a string `type`. */
  brokenLines: number;
}

/** Files up to this size are read whole (far faster than streaming small files), bytes. */
const READ_WHOLE_MAX = 8 * 1024 * 1024;

/** The lines of a file: read whole when small, else streamed in 1 MiB chunks (memory stays bounded). */
export async function* readLines(file: string): AsyncGenerator<string> {
  const { size } = await fs.promises.stat(file);
  if (size <= READ_WHOLE_MAX) {
    yield* (await fs.promises.readFile(file, 'utf8')).split('\n');
    return;
  }
  let rest = '';
  for await (const chunk of fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop()!;
    yield* lines;
  }
  if (rest) yield rest;
}

/**
 * Streams the entries of a transcript. `want` is a cheap test of the raw line: lines it rejects
 * are not parsed (only checked for being cut off), which is most of the cost on large transcripts.
 * @throws the fs error when the file cannot be opened
 */
export async function* readTranscript(
  file: string,
  stats: ReadStats = { brokenLines: 0 },
  want: (line: string) => boolean = () => true,
): AsyncGenerator<TranscriptEntry> {
  for await (const raw of readLines(file)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!want(line)) {
      if (!line.startsWith('{') || !line.endsWith('}')) stats.brokenLines++;
      continue;
    }
    const entry = parseEntry(line);
    if (entry) yield entry;
    else stats.brokenLines++;
  }
}

/** Lines that may hold a prompt, an answer or a title (Claude Code writes compact JSON). */
export const mayBeConversation = (line: string): boolean =>
  line.includes('"type":"user"') || line.includes('"type":"assistant"') || line.includes('"type":"summary"') || line.includes('"type": "');

export function parseEntry(line: string): TranscriptEntry | null {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' ? (v as TranscriptEntry) : null;
  } catch {
    return null;
  }
}

/**
 * The text a person typed, when `entry` is one of their prompts: a main-thread `user` entry whose
 * content is text (not tool results, not the CLI's own `<command…>`/reminder insertions).
 */
export function promptText(entry: TranscriptEntry): string | null {
  if (entry.type !== 'user' || entry.isSidechain || entry.isMeta) return null;
  const content = entry.message?.content;
  let text: string | null = null;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    const blocks = content as Array<{ type?: string; text?: string }>;
    if (blocks.some((b) => b.type === 'tool_result')) return null;
    text = blocks.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => b.text).join('\n') || null;
  }
  if (text === null || text.trimStart().startsWith('<') || text.startsWith('[Request interrupted')) return null;
  return text;
}

/** The text of a main-thread `assistant` entry (text blocks joined), else `null`. */
export function answerText(entry: TranscriptEntry): string | null {
  if (entry.type !== 'assistant' || entry.isSidechain || !Array.isArray(entry.message?.content)) return null;
  const blocks = entry.message!.content as Array<{ type?: string; text?: string }>;
  const text = blocks.filter((b) => b.type === 'text').map((b) => b.text ?? '').join('');
  return text || null;
}

export interface PromptRef {
  text: string;
  uuid: string;
  /** The entry before it: resuming "at" it and forking gives a conversation without this prompt. */
  parentUuid: string | null;
}

export interface TranscriptSummary {
  sizeBytes: number;
  mtimeMs: number;
  /** A `summary` entry's text (Claude Code's title for the conversation), if any. */
  title: string | null;
  firstPrompt: string | null;
  lastPrompt: PromptRef | null;
  /** Prompts typed by a person. */
  prompts: number;
  cwd: string | null;
  /** Epoch ms of the newest timestamped entry. */
  lastActivityMs: number | null;
  brokenLines: number;
}

/** Reads a whole transcript once and sums it up. @throws the fs error when it cannot be read */
export async function summarizeTranscript(file: string): Promise<TranscriptSummary> {
  const stat = await fs.promises.stat(file);
  const stats: ReadStats = { brokenLines: 0 };
  const s: TranscriptSummary = {
    sizeBytes: stat.size, mtimeMs: stat.mtimeMs, title: null, firstPrompt: null, lastPrompt: null, prompts: 0,
    cwd: null, lastActivityMs: null, brokenLines: 0,
  };
  let lastTimestamp: string | null = null;
  const want = (line: string) => {
    const ts = TIMESTAMP.exec(line); // entries are in time order: the last timestamp is the newest
    if (ts) lastTimestamp = ts[1]!;
    return line.includes('"type":"user"') || line.includes('"type":"summary"') || line.includes('"type": "');
  };
  for await (const e of readTranscript(file, stats, want)) {
    if (e.type === 'summary' && typeof e.summary === 'string') s.title = e.summary;
    if (!s.cwd && typeof e.cwd === 'string') s.cwd = e.cwd;
    const text = promptText(e);
    if (text === null || !e.uuid) continue;
    s.prompts++;
    s.firstPrompt ??= text;
    s.lastPrompt = { text, uuid: e.uuid, parentUuid: e.parentUuid ?? null };
  }
  s.brokenLines = stats.brokenLines;
  const t = lastTimestamp === null ? NaN : Date.parse(lastTimestamp);
  s.lastActivityMs = Number.isNaN(t) ? null : t;
  return s;
}

const TIMESTAMP = /"timestamp":"([^"]+)"/;

/**
 * Whether the transcript mentions `needle` (e.g. the uuid a message was written with: Claude Code
 * 2.1.330 records it — in a `queue-operation` line — as soon as it takes the message from stdin,
 * measured). Scans the file in 1 MiB chunks; `false` when it does not exist.
 */
export async function transcriptMentions(file: string, needle: string): Promise<boolean> {
  const fh = await fs.promises.open(file, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const want = Buffer.from(needle);
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) return false;
      const hay = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      if (hay.includes(want)) return true;
      carry = hay.subarray(Math.max(0, hay.length - want.length + 1));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}
