/**
 * The files Claude sent during a turn (`send_file`, see `sessions/outbox.ts`), read for upload with
 * the turn's final message. Each is checked again — inside the session's directory (realpath),
 * a regular file, within the upload limit — since it may have changed after it was asked for; one
 * that fails is named with the reason instead. Together they stay within the upload limit too
 * (Discord refuses a request over it, and an answer that can never be posted would stay owed).
 */
import { readFile } from 'node:fs/promises';
import { BridgeError } from '../../core/errors.js';
import type { SentFile } from '../../sessions/outbox.js';
import { formatBytes, resolveSessionFile } from '../../sessions/session-files.js';
import type { OutFile } from './activity.js';

/** Discord: at most 10 files per message. */
export const MAX_FILES = 10;

/**
 * @param cwd the session's directory
 * @param maxBytes the upload limit, bytes
 * @returns the files to attach (at most {@link MAX_FILES}) and one line per file for the message
 */
export async function loadSentFiles(sent: readonly SentFile[], cwd: string, maxBytes: number): Promise<{ files: OutFile[]; lines: string[] }> {
  const files: OutFile[] = [];
  const lines: string[] = [];
  const names = new Set<string>();
  let total = 0;
  for (const f of sent) {
    const caption = f.caption ? ` — ${f.caption.replace(/\s+/g, ' ').slice(0, 300)}` : '';
    if (files.length >= MAX_FILES) { lines.push(`📎 \`${f.name}\` not attached: Discord takes at most ${MAX_FILES} files a message.`); continue; }
    try {
      const file = await resolveSessionFile(cwd, f.path, maxBytes);
      if (total + file.size > maxBytes) {
        lines.push(`📎 \`${f.name}\` not attached: with the files before it, the answer would exceed the ${formatBytes(maxBytes)} upload limit.`);
        continue;
      }
      total += file.size;
      let name = file.name;
      for (let n = 2; names.has(name); n++) name = `${n}-${file.name}`;
      names.add(name);
      files.push({ name, data: await readFile(file.real) });
      lines.push(`📎 \`${name}\`${caption}`);
    } catch (err) {
      const reason = err instanceof BridgeError ? err.userMessage : 'it could not be read';
      lines.push(`📎 \`${f.name}\` not attached: ${reason}`);
    }
  }
  return { files, lines };
}
