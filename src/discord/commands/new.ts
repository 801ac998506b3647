/**
 * `/claude new [prompt]`: start a fresh session here (the old one stays resumable). With threads, in
 * a channel, a prompt opens a thread for the new session, as `/claude ask` does.
 */
import { ChannelType, MessageFlags } from 'discord.js';
import { placeOf } from '../context.js';
import { answer } from '../operations/answer.js';
import { askInThread } from '../operations/thread.js';
import { PROMPT_MAX } from './ask.js';
import type { Command } from './types.js';

export const newCommand = {
  name: 'new',
  data: (sub) =>
    sub.setName('new').setDescription('Start a fresh Claude Code session in this channel')
      .addStringOption((o) => o.setName('prompt').setDescription('First prompt (optional)').setMaxLength(PROMPT_MAX)),
  async execute({ interaction, manager, bot }) {
    const prompt = interaction.options.getString('prompt');
    if (bot.threads && interaction.channel?.type === ChannelType.GuildText) {
      if (prompt?.trim()) return askInThread(bot, interaction, async () => ({ text: prompt, images: [], refused: [] }));
      const content = '🆕 Here every `/claude ask` opens a new session in a thread of its own; `/claude new` inside a thread starts over there.';
      return void (await interaction.reply({ content, flags: MessageFlags.Ephemeral }));
    }
    const p = placeOf(interaction);
    const session = manager.createSession(p.userId, p.channelId, p.guildId, { cwd: manager.workspace.cwdFor(p.channelId, p.parentId) });
    if (prompt?.trim()) return answer(bot, interaction, session, (s, replyRef) => s.sendMessage(prompt, { replyRef }));
    await interaction.reply({ content: `🆕 New session \`${session.id}\`. \`/claude ask\` here talks to it.`, flags: MessageFlags.Ephemeral });
  },
} satisfies Command;
