/** `/claude ask prompt:<text>`: send a prompt to the user's session in this channel and stream the answer. */
import { BridgeError } from '../../core/errors.js';
import { parseSnowflake } from '../../core/ids.js';
import { makeReplyRef } from '../reply-ref.js';
import { interactionTarget } from '../render/targets.js';
import { TurnView } from '../render/turn-view.js';
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
    // Within Discord's 3 s; starting a process can take longer. The response names the reply
    // message, stored with the turn so a restarted bot can finish the answer in it.
    const deferred = await interaction.deferReply({ withResponse: true });
    const messageId = deferred.resource?.message?.id;
    const session = manager.getOrCreateSession(
      parseSnowflake(interaction.user.id),
      parseSnowflake(interaction.channelId),
      interaction.guildId ? parseSnowflake(interaction.guildId) : null,
    );
    const replyRef = messageId ? makeReplyRef({ channelId: interaction.channelId, messageId }) : undefined;
    const turn = session.sendMessage(prompt, { replyRef });
    const result = await new TurnView(interactionTarget(interaction), turn, session.id, { log: log.child({ session: session.id }) }).run();
    session.delivered(turn);
    log.info({ session: session.id, outcome: result.outcome, costUsd: result.costUsd }, 'turn shown');
  },
} satisfies Command;
