/**
 * Exports of a runner's conversations, asked by the hub over request/reply in chunks (issue 12:
 * "request/reply for listings, transcripts and exports, chunked, bounded memory"). The first
 * request of an export (offset 0) writes it to a file — Markdown, JSON or the raw JSONL
 * transcript, gzipped when over Discord's upload limit, refused when still over — which later
 * requests read from, {@link EXPORT_CHUNK_BYTES} at a time, for 5 minutes. Neither side ever holds
 * more than one chunk (the hub: the file it uploads).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExportFormat } from '../claude/export.js';
import { UPLOAD_LIMIT_BYTES, writeExportFile } from '../claude/export-file.js';
import { BridgeError } from '../core/errors.js';
import { parseBridgeSessionId } from '../core/ids.js';
import type { SessionManager } from '../sessions/manager.js';

/** Bytes of an export per reply: base64 of it stays well under NATS's 1 MiB max payload. */
export const EXPORT_CHUNK_BYTES = 512 * 1024;
/** Discord's upload limit for bots without boosts (API docs, "Uploading Files"), bytes. */
export const EXPORT_LIMIT_BYTES = UPLOAD_LIMIT_BYTES;
/** How long an export's file is kept for the requests of its later chunks, ms. */
const KEEP_MS = 5 * 60_000;

export interface ExportChunk {
  /** The file's name (`claude-<id>.md`, `.json`, `.jsonl`, with `.gz` when gzipped). */
  name: string;
  /** The whole file, bytes. */
  size: number;
  offset: number;
  /** This chunk, base64. */
  data: string;
  done: boolean;
  /** Transcript lines that could not be read (skipped). */
  brokenLines: number;
}

export class RunnerExports {
  private readonly files = new Map<string, { path: string; name: string; size: number; brokenLines: number; timer: NodeJS.Timeout }>();

  constructor(private readonly manager: SessionManager) {}

  /**
   * The chunk of the session's export at `offset` (0 makes the export anew).
   * @throws BridgeError `SESSION_NOT_FOUND`, `NOT_YOURS` (another owner's), `TRANSCRIPT_NOT_FOUND`, `EXPORT_TOO_LARGE`
   */
  async chunk(sessionId: string, ownerId: string, format: ExportFormat, offset: number): Promise<ExportChunk> {
    const session = this.manager.getSession(parseBridgeSessionId(sessionId));
    if (!session) throw new BridgeError('SESSION_NOT_FOUND');
    if (session.record.ownerId !== ownerId) throw new BridgeError('NOT_YOURS');
    const key = `${sessionId}:${format}`;
    let f = this.files.get(key);
    if (offset === 0 || !f) f = await this.make(key, session.transcriptFile, format, session.record);
    const len = Math.max(0, Math.min(EXPORT_CHUNK_BYTES, f.size - offset));
    const buf = Buffer.alloc(len);
    const fd = await fs.promises.open(f.path, 'r');
    try {
      await fd.read(buf, 0, len, offset);
    } finally {
      await fd.close();
    }
    return { name: f.name, size: f.size, offset, data: buf.toString('base64'), done: offset + len >= f.size, brokenLines: f.brokenLines };
  }

  /** Removes every export file. */
  close(): void {
    for (const key of [...this.files.keys()]) this.drop(key);
  }

  private async make(key: string, transcript: string, format: ExportFormat, r: { id: string; claudeSessionId: string; cwd: string }) {
    this.drop(key);
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cdb-export-'));
    try {
      const { file, size, brokenLines } = await writeExportFile(transcript, format, dir, r, EXPORT_LIMIT_BYTES);
      const timer = setTimeout(() => this.drop(key), KEEP_MS);
      timer.unref();
      const f = { path: file, name: path.basename(file), size, brokenLines, timer };
      this.files.set(key, f);
      return f;
    } catch (err) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private drop(key: string): void {
    const f = this.files.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    this.files.delete(key);
    fs.rmSync(path.dirname(f.path), { recursive: true, force: true });
  }
}
