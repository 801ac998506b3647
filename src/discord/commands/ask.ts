/** `/claude ask prompt:<text>`: send a prompt to the user's session in this channel and stream the answer. */
import { BridgeError } from '../../core/errors.js';
import { parseSnowflake } from '../../core/ids.js';
import { TurnView, type ReplyTarget } from '../render/turn-view.js';
import type { Command } from './types.js';

/** Discord's limit for a string option (API docs, "Application Command Option"). */
const PROMPT_MAX = 6000;

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
    await interaction.deferReply(); // within Discord's 3 s; starting a process can take longer
    const session = manager.getOrCreateSession(
      parseSnowflake(interaction.user.id),
      parseSnowflake(interaction.channelId),
      interaction.guildId ? parseSnowflake(interaction.guildId) : null,
    );
    const target: ReplyTarget = {
      edit: async (m) => void (await interaction.editReply({ content: m.content, components: m.components })),
      followUp: async (m) => void (await interaction.followUp({ content: m.content })),
    };
    const turn = session.sendMessage(prompt);
    const result = await new TurnView(target, turn, session.id, { log: log.child({ session: session.id }) }).run();
    log.info({ session: session.id, outcome: result.outcome, costUsd: result.costUsd }, 'turn shown');
  },
} satisfies Command;
