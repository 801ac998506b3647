/** `/claude new [prompt]`: start a fresh session in this channel (the old one stays resumable). */
import { MessageFlags } from 'discord.js';
import { parseSnowflake } from '../../core/ids.js';
import { answer } from '../operations/answer.js';
import { PROMPT_MAX } from './ask.js';
import type { Command } from './types.js';

export const newCommand = {
  name: 'new',
  data: (sub) =>
    sub.setName('new').setDescription('Start a fresh Claude Code session in this channel')
      .addStringOption((o) => o.setName('prompt').setDescription('First prompt (optional)').setMaxLength(PROMPT_MAX)),
  async execute({ interaction, manager, log }) {
    const guildId = interaction.guildId ? parseSnowflake(interaction.guildId) : null;
    const session = manager.createSession(parseSnowflake(interaction.user.id), parseSnowflake(interaction.channelId), guildId);
    const prompt = interaction.options.getString('prompt')?.trim();
    if (prompt) return answer(interaction, session, (s, replyRef) => s.sendMessage(prompt, { replyRef }), log);
    await interaction.reply({ content: `🆕 New session \`${session.id}\`. \`/claude ask\` here talks to it.`, flags: MessageFlags.Ephemeral });
  },
} satisfies Command;
