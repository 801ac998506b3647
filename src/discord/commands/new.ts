/** `/claude new [prompt]`: start a fresh session in this channel (the old one stays resumable). */
import { MessageFlags } from 'discord.js';
import { placeOf } from '../context.js';
import { answer } from '../operations/answer.js';
import { PROMPT_MAX } from './ask.js';
import type { Command } from './types.js';

export const newCommand = {
  name: 'new',
  data: (sub) =>
    sub.setName('new').setDescription('Start a fresh Claude Code session in this channel')
      .addStringOption((o) => o.setName('prompt').setDescription('First prompt (optional)').setMaxLength(PROMPT_MAX)),
  async execute({ interaction, manager, bot }) {
    const p = placeOf(interaction);
    const session = manager.createSession(p.userId, p.channelId, p.guildId, { cwd: manager.workspace.cwdFor(p.channelId, p.parentId) });
    const prompt = interaction.options.getString('prompt');
    if (prompt?.trim()) return answer(bot, interaction, session, (s, replyRef) => s.sendMessage(prompt, { replyRef }));
    await interaction.reply({ content: `🆕 New session \`${session.id}\`. \`/claude ask\` here talks to it.`, flags: MessageFlags.Ephemeral });
  },
} satisfies Command;
