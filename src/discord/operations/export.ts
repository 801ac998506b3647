/** Posts a session's conversation as a file (Markdown, JSON or the raw JSONL transcript). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { AttachmentBuilder, type ChatInputCommandInteraction, type MessageComponentInteraction } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import { EXPORT_EXTENSIONS, exportTranscript, type ExportFormat } from '../../claude/export.js';
import type { Session } from '../../sessions/session.js';

/** Discord's upload limit for bots without boosts (API docs, "Uploading Files"), bytes. */
export const DISCORD_FILE_LIMIT = 10 * 1024 * 1024;

export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** @throws BridgeError `TRANSCRIPT_NOT_FOUND`, `EXPORT_TOO_LARGE` */
export async function postExport(interaction: ChatInputCommandInteraction | MessageComponentInteraction, session: Session, format: ExportFormat): Promise<void> {
  await interaction.deferReply();
  const r = session.record;
  if (!fs.existsSync(session.transcriptFile)) throw new BridgeError('TRANSCRIPT_NOT_FOUND');
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cdb-export-'));
  try {
    let file = path.join(dir, `claude-${r.claudeSessionId}.${EXPORT_EXTENSIONS[format]}`);
    const out = fs.createWriteStream(file);
    const { brokenLines } = await exportTranscript(session.transcriptFile, format, out, { sessionId: r.claudeSessionId, cwd: r.cwd });
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    let size = (await fs.promises.stat(file)).size;
    if (size > DISCORD_FILE_LIMIT) {
      await pipeline(fs.createReadStream(file), createGzip(), fs.createWriteStream(`${file}.gz`));
      file = `${file}.gz`;
      size = (await fs.promises.stat(file)).size;
    }
    if (size > DISCORD_FILE_LIMIT) {
      throw new BridgeError('EXPORT_TOO_LARGE', { size: formatBytes(size), limit: formatBytes(DISCORD_FILE_LIMIT), id: r.id, format });
    }
    const note = brokenLines > 0 ? ` (${brokenLines} broken transcript lines skipped)` : '';
    await interaction.editReply({
      content: `📄 Conversation \`${r.claudeSessionId}\` as ${format}, ${formatBytes(size)}${note}.`,
      files: [new AttachmentBuilder(file, { name: path.basename(file) })],
    });
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
