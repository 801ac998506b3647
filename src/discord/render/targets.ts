/** The places a {@link TurnView} can draw into. */
import type { ChatInputCommandInteraction, Client, MessageComponentInteraction } from 'discord.js';
import type { ReplyRef } from '../reply-ref.js';
import type { ReplyTarget } from './turn-view.js';

/** The interaction's deferred reply (`@original`) and its follow-ups (interaction token, 15 min). */
export function interactionTarget(interaction: ChatInputCommandInteraction | MessageComponentInteraction): ReplyTarget {
  return {
    edit: async (m) => void (await interaction.editReply({ content: m.content, components: m.components })),
    followUp: async (m) => void (await interaction.followUp({ content: m.content, components: m.components })),
  };
}

/** A message of the bot's in a channel, edited with the bot token; follow-ups as channel messages. */
export function channelTarget(client: Client, ref: ReplyRef): ReplyTarget {
  const channel = async () => {
    const c = client.channels.cache.get(ref.channelId) ?? (await client.channels.fetch(ref.channelId));
    if (!c?.isSendable()) throw new Error(`channel ${ref.channelId} cannot take messages`);
    return c;
  };
  return {
    edit: async (m) => void (await (await channel()).messages.edit(ref.messageId, { content: m.content, components: m.components })),
    followUp: async (m) => void (await (await channel()).send({ content: m.content, components: m.components })),
  };
}
