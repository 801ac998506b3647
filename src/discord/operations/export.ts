/** Posts a session's conversation as a file (Markdown, JSON or the raw JSONL transcript). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AttachmentBuilder, type ChatInputCommandInteraction, type MessageComponentInteraction } from 'discord.js';
import type { ExportFormat } from '../../claude/export.js';
import { formatBytes, UPLOAD_LIMIT_BYTES, writeExportFile } from '../../claude/export-file.js';
import type { Session } from '../../sessions/session.js';

export { formatBytes };
/** Discord's upload limit for bots without boosts (API docs, "Uploading Files"), bytes. */
export const DISCORD_FILE_LIMIT = UPLOAD_LIMIT_BYTES;

/** @throws BridgeError `TRANSCRIPT_NOT_FOUND`, `EXPORT_TOO_LARGE` */
export async function postExport(interaction: ChatInputCommandInteraction | MessageComponentInteraction, session: Session, format: ExportFormat): Promise<void> {
  await interaction.deferReply();
  const r = session.record;
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cdb-export-'));
  try {
    const { file, size, brokenLines } = await writeExportFile(session.transcriptFile, format, dir, r);
    const note = brokenLines > 0 ? ` (${brokenLines} broken transcript lines skipped)` : '';
    await interaction.editReply({
      content: `📄 Conversation \`${r.claudeSessionId}\` as ${format}, ${formatBytes(size)}${note}.`,
      files: [new AttachmentBuilder(file, { name: path.basename(file) })],
    });
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
