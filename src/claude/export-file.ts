/**
 * A conversation's export written to a file for upload: Markdown, JSON or the raw JSONL transcript
 * ({@link exportTranscript}), gzipped when it is over the upload limit, refused when it is still
 * over. Used by `/claude export` in the all-in-one bridge and by a runner answering the hub.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BridgeError } from '../core/errors.js';
import { EXPORT_EXTENSIONS, exportTranscript, type ExportFormat } from './export.js';

/** Discord's upload limit for bots without boosts (API docs, "Uploading Files"), bytes. */
export const UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * Writes the export of `transcript` into `dir` as `claude-<id>.<ext>` (`.gz` added when gzipped).
 * @returns the file's path and size (bytes), and how many transcript lines could not be read
 * @throws BridgeError `TRANSCRIPT_NOT_FOUND`, `EXPORT_TOO_LARGE` (with the bridge session id, for the CLI hint)
 */
export async function writeExportFile(
  transcript: string, format: ExportFormat, dir: string, r: { id: string; claudeSessionId: string; cwd: string }, limit = UPLOAD_LIMIT_BYTES,
): Promise<{ file: string; size: number; brokenLines: number }> {
  if (!fs.existsSync(transcript)) throw new BridgeError('TRANSCRIPT_NOT_FOUND');
  let file = path.join(dir, `claude-${r.claudeSessionId}.${EXPORT_EXTENSIONS[format]}`);
  const out = fs.createWriteStream(file);
  const { brokenLines } = await exportTranscript(transcript, format, out, { sessionId: r.claudeSessionId, cwd: r.cwd });
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  let size = (await fs.promises.stat(file)).size;
  if (size > limit) {
    await pipeline(fs.createReadStream(file), createGzip(), fs.createWriteStream(`${file}.gz`));
    file = `${file}.gz`;
    size = (await fs.promises.stat(file)).size;
  }
  if (size > limit) throw new BridgeError('EXPORT_TOO_LARGE', { size: formatBytes(size), limit: formatBytes(limit), id: r.id, format });
  return { file, size, brokenLines };
}
