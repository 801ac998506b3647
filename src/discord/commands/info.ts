/** `/claude info`: everything about the current session, for its owner's eyes. */
import fs from 'node:fs';
import { MessageFlags } from 'discord.js';
import { whyNotResumable } from '../../sessions/catalog.js';
import { formatBytes } from '../operations/export.js';
import type { Command } from './types.js';

export const infoCommand = {
  name: 'info',
  data: (sub) => sub.setName('info').setDescription('Show this session: ids, model, state, usage, transcript'),
  requiresSession: true,
  async execute({ interaction, session, manager }) {
    const s = session!;
    const r = s.record;
    const size = fs.existsSync(s.transcriptFile) ? fs.statSync(s.transcriptFile).size : null;
    const info = size === null ? undefined : (await manager.transcripts.info(s.transcriptFile, r.claudeSessionId)) ?? undefined;
    const why = r.turnCount === 0 && !info ? 'nothing to resume yet' : whyNotResumable(info, r.cwd);
    const lines = [
      `**Session** \`${r.id}\` · Claude session \`${r.claudeSessionId}\``,
      `State: ${r.state} · Model: ${r.model ?? 'default'} · Permission mode: ${r.permissionMode ?? 'the bot\'s default'} · Working directory: \`${r.cwd}\``,
      `Turns: ${r.turnCount} · Messages: ${r.messageCount} · Tokens: ${r.inputTokens} in / ${r.outputTokens} out · Cost: $${r.costUsd.toFixed(4)}`,
      `Transcript: \`${s.transcriptFile}\`${size === null ? ' (not written yet)' : ` (${formatBytes(size)})`}`,
      `Resumable: ${why === null ? 'yes' : `no — ${why}`}`,
      ...(r.parentSessionId ? [`Branched from \`${r.parentSessionId}\``] : []),
    ];
    await interaction.reply({ content: lines.join('\n'), flags: MessageFlags.Ephemeral });
  },
} satisfies Command;
