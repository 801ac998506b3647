/**
 * Sessions in threads (`THREADS=true`): `/claude ask` in a channel opens a public thread on its
 * reply, named from the prompt, and the session lives there; the answer streams in the thread with
 * the bot token (no 15-minute interaction limit). Discord API: "Start Thread from Message" — name
 * 1–100 chars; the bot needs the Create Public Threads permission.
 */
import { ThreadAutoArchiveDuration, type ChatInputCommandInteraction, type ThreadChannel } from 'discord.js';
import { parseSnowflake } from '../../core/ids.js';
import { placeOf, type BotContext } from '../context.js';
import { makeReplyRef } from '../reply-ref.js';
import { channelTarget, interactionTarget } from '../render/targets.js';
import { showTurn } from './answer.js';

/** A thread name from a prompt: its first 90 chars on one line, or "Claude session". */
export function threadName(prompt: string): string {
  const line = prompt.replace(/[\s\u0000-\u001f]+/g, ' ').trim();
  return line.length > 90 ? `${line.slice(0, 89)}…` : line || 'Claude session';
}

/** The first `max` chars of `text`, marked when cut. */
export function excerpt(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Defers, shows the prompt as the reply, opens a thread on it and answers there in a new session.
 * Without the permission to open threads it answers in the channel instead, and says so.
 */
export async function askInThread(ctx: BotContext, interaction: ChatInputCommandInteraction, getPrompt: () => Promise<string>): Promise<void> {
  const deferred = await interaction.deferReply({ withResponse: true });
  const prompt = await getPrompt();
  const place = placeOf(interaction);
  const reply = await interaction.editReply({
    content: `🧵 <@${place.userId}> asked Claude Code:\n>>> ${excerpt(prompt, 1800)}`, allowedMentions: { parse: [] },
  });
  let thread: ThreadChannel;
  try {
    thread = await reply.startThread({ name: threadName(prompt), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
  } catch (err) {
    ctx.log.warn({ err, channel: place.channelId }, 'could not open a thread; answering in the channel');
    const session = await ctx.manager.getOrCreateSession(place.userId, place.channelId, place.guildId);
    const messageId = deferred.resource?.message?.id;
    const ref = messageId ? makeReplyRef({ channelId: place.channelId, messageId }) : undefined;
    const turn = session.sendMessage(prompt, { replyRef: ref });
    turn.notice('A thread could not be opened here (the bot needs "Create Public Threads"), so the answer is in the channel.');
    await showTurn(ctx, interactionTarget(interaction, { messageId, log: ctx.log }), session, turn);
    return;
  }
  const session = await ctx.manager.getOrCreateSession(place.userId, parseSnowflake(thread.id), place.guildId, { parentId: place.channelId, fresh: true });
  await thread.send({ content: threadHint(ctx.plainMessages()) });
  const message = await thread.send({ content: '-# 💭 …' });
  const ref = { channelId: thread.id, messageId: message.id };
  const turn = session.sendMessage(prompt, { replyRef: makeReplyRef(ref) });
  await showTurn(ctx, channelTarget(ctx.client, ref), session, turn);
}

/** The first line of a session's thread: how to go on. */
export function threadHint(plainMessages: boolean): string {
  return plainMessages
    ? '-# 💬 Reply in this thread to go on. A message sent while Claude works goes into the running turn; **Stop** interrupts it.'
    : '-# 💬 Use `/claude ask` in this thread to go on (plain messages need the Message Content intent; see the bot\'s log).';
}
