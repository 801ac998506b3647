/** `/claude import file:<attachment>`: a JSONL transcript or a JSON export becomes a session that continues it. */
import { BridgeError } from '../../core/errors.js';
import { makeClaudeSessionId } from '../../core/ids.js';
import { importConversation } from '../../claude/import.js';
import { placeOf } from '../context.js';
import { DISCORD_FILE_LIMIT, formatBytes } from '../operations/export.js';
import type { Command } from './types.js';

export const importCommand = {
  name: 'import',
  data: (sub) =>
    sub.setName('import').setDescription('Continue a conversation from a transcript (.jsonl) or a JSON export')
      .addAttachmentOption((o) => o.setName('file').setDescription('The .jsonl transcript or .json export').setRequired(true)),
  async execute({ interaction, manager, log }) {
    const file = interaction.options.getAttachment('file', true);
    if (file.size > DISCORD_FILE_LIMIT) throw new BridgeError('IMPORT_TOO_LARGE', { size: formatBytes(file.size), limit: formatBytes(DISCORD_FILE_LIMIT) });
    await interaction.deferReply();
    const res = await fetch(file.url);
    if (!res.ok) throw new Error(`attachment download failed: HTTP ${res.status}`);
    const text = await res.text();
    if (Buffer.byteLength(text) > DISCORD_FILE_LIMIT) throw new BridgeError('IMPORT_TOO_LARGE', { size: formatBytes(Buffer.byteLength(text)), limit: formatBytes(DISCORD_FILE_LIMIT) });
    const newId = makeClaudeSessionId();
    const p = placeOf(interaction);
    const cwd = manager.workspace.cwdFor(p.channelId, p.parentId);
    const imported = await importConversation(text, { configDir: manager.claudeConfigDir, cwd, newId });
    const session = manager.createSession(p.userId, p.channelId, p.guildId, { claudeSessionId: newId, cwd });
    log.info({ session: session.id, messages: imported.messages, brokenLines: imported.brokenLines }, 'conversation imported');
    const broken = imported.brokenLines > 0 ? ` (${imported.brokenLines} broken lines skipped)` : '';
    await interaction.editReply(`📥 Imported ${imported.messages} messages${broken} from **${file.name}** into session \`${session.id}\`. \`/claude ask\` here continues it.`);
  },
} satisfies Command;
