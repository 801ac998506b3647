/** What the answer buttons and their `/claude` twins do to a session. */
import { MessageFlags, ThreadAutoArchiveDuration, type ChatInputCommandInteraction, type MessageComponentInteraction } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import { parseSnowflake } from '../../core/ids.js';
import { regenerate } from '../../sessions/conversation.js';
import type { Session } from '../../sessions/session.js';
import { placeOf, type BotContext } from '../context.js';
import { answer } from './answer.js';
import { threadHint } from './thread.js';

type Interaction = ChatInputCommandInteraction | MessageComponentInteraction;

/** Sends "continue" to the session. */
export function continueSession(ctx: BotContext, interaction: Interaction, session: Session): Promise<void> {
  return answer(ctx, interaction, session, (s, replyRef) => s.sendMessage('continue', { replyRef }));
}

/** A new answer to the last prompt, from the same point. @throws BridgeError `SESSION_BUSY` */
export async function regenerateAnswer(ctx: BotContext, interaction: Interaction, session: Session): Promise<void> {
  if (session.isBusy) throw new BridgeError('SESSION_BUSY'); // before deferring: the refusal stays private
  await answer(ctx, interaction, session, (s, replyRef) => regenerate(s, { replyRef }));
}

/** Interrupts the running turn (only `turnId`, when the button named one). */
export async function stopSession(interaction: Interaction, session: Session, turnId?: string): Promise<void> {
  const stopped = await session.interrupt(turnId);
  const nothing = turnId ? 'That answer has already finished; nothing was stopped.' : 'Nothing is running in this session.';
  await interaction.reply({ content: stopped ? '⏹️ Stopping.' : nothing, flags: MessageFlags.Ephemeral });
}

/**
 * Forks the session. In a session's thread the branch gets a thread of its own in the same channel;
 * otherwise it becomes the user's current session in this channel.
 */
export async function branchSession(ctx: BotContext, interaction: Interaction, session: Session): Promise<void> {
  const place = placeOf(interaction);
  const parent = place.parentId && interaction.channel?.isThread() ? await ctx.client.channels.fetch(place.parentId) : null;
  if (!parent?.isSendable() || !ctx.threads) {
    const branch = ctx.manager.branchSession(session, place.channelId, place.guildId);
    await interaction.reply({
      content: `🌿 Branched session \`${session.id}\` into \`${branch.id}\` with the same history. ` +
        '`/claude ask` here now continues the branch; the original stays in `/claude sessions`.',
    });
    return;
  }
  await interaction.deferReply();
  const starter = await parent.send({ content: `🌿 <@${place.userId}> branched <#${place.channelId}>`, allowedMentions: { parse: [] } });
  const thread = await starter.startThread({ name: `Branch of ${interaction.channel!.isThread() ? interaction.channel.name : 'a session'}`.slice(0, 100), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
  const branch = ctx.manager.branchSession(session, parseSnowflake(thread.id), place.guildId);
  await thread.send({ content: threadHint(ctx.plainMessages()) });
  ctx.log.info({ session: session.id, branch: branch.id, thread: thread.id }, 'branched into a thread');
  await interaction.editReply({ content: `🌿 Branched into <#${thread.id}> with the same history; this thread goes on as it was.` });
}
