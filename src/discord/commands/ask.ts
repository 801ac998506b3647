/** `/claude ask prompt:<text>`: send a prompt to the user's session in this channel and stream the answer. */
import { BridgeError } from '../../core/errors.js';
import { parseSnowflake } from '../../core/ids.js';
import { answer } from '../operations/answer.js';
import type { Command } from './types.js';

/** Discord's limit for a string option (API docs, "Application Command Option"). */
export const PROMPT_MAX = 6000;

export const ask = {
  name: 'ask',
  data: (sub) =>
    sub
      .setName('ask')
      .setDescription('Send a prompt to Claude Code; continues your session in this channel')
      .addStringOption((o) => o.setName('prompt').setDescription('What Claude should do').setRequired(true).setMaxLength(PROMPT_MAX)),
  async execute({ interaction, manager, log }) {
    const prompt = interaction.options.getString('prompt', true);
    if (prompt.trim() === '') throw new BridgeError('PROMPT_EMPTY');
    const find = () => manager.getOrCreateSession(
      parseSnowflake(interaction.user.id),
      parseSnowflake(interaction.channelId),
      interaction.guildId ? parseSnowflake(interaction.guildId) : null,
    );
    await answer(interaction, find, (session, replyRef) => session.sendMessage(prompt, { replyRef }), log);
  },
} satisfies Command;
