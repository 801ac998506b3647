/**
 * Resuming a conversation from Discord (`/claude resume`, the `/claude sessions` menu). Where
 * sessions live in threads (`THREADS=true`, in a text channel) the resumed session gets a thread:
 * the one it already lives in, if that thread is in this channel and still there, else a new one
 * opened on a short message in the channel. The next message in that thread continues the
 * conversation with its context. Elsewhere it becomes the user's current session in this channel.
 */
import { ChannelType, ThreadAutoArchiveDuration, type ChatInputCommandInteraction, type MessageComponentInteraction } from 'discord.js';
import { parseClaudeSessionId, parseSnowflake, type Snowflake } from '../../core/ids.js';
import { placeOf, type BotContext } from '../context.js';
import { threadHint } from './thread.js';

/**
 * @returns the text to answer the user with (where to go on)
 * @throws BridgeError `INVALID_ID`, `NOT_YOURS`, `TRANSCRIPT_NOT_FOUND` (from the manager)
 */
export async function resumeHere(ctx: BotContext, interaction: ChatInputCommandInteraction | MessageComponentInteraction, claudeId: string): Promise<string> {
  const p = placeOf(interaction);
  const cwd = ctx.manager.workspace.cwdFor(p.channelId, p.parentId);
  const id = parseClaudeSessionId(claudeId.trim());
  if (!ctx.threads || interaction.channel?.type !== ChannelType.GuildText) {
    const session = await ctx.manager.resumeSession(p.userId, p.channelId, p.guildId, id, cwd);
    return `▶️ Resumed \`${session.record.claudeSessionId}\` here: \`/claude ask\` continues it.`;
  }
  const threadId = (await existingThread(ctx, p.userId, id, p.channelId)) ?? (await openThread(ctx, interaction, id));
  const session = await ctx.manager.resumeSession(p.userId, threadId, p.guildId, id, cwd);
  ctx.manager.messageHandled(threadId, threadId); // from here on its messages are caught up after a crash
  ctx.log.info({ session: session.id, thread: threadId }, 'resumed into a thread');
  return `▶️ Resumed \`${session.record.claudeSessionId}\` in <#${threadId}>: ${ctx.plainMessages() ? 'reply there' : 'use `/claude ask` there'} to continue, with its context.`;
}

/** The thread the session bound to `claudeId` lives in, when it belongs to `channelId` and still exists. */
async function existingThread(ctx: BotContext, userId: Snowflake, claudeId: string, channelId: string): Promise<Snowflake | null> {
  const current = ctx.manager.getUserSessions(userId).find((r) => r.claudeSessionId === claudeId);
  if (!current) return null;
  const c = await ctx.client.channels.fetch(current.channelId).catch(() => null);
  return c?.isThread() && c.parentId === channelId ? parseSnowflake(c.id) : null;
}

async function openThread(ctx: BotContext, interaction: ChatInputCommandInteraction | MessageComponentInteraction, claudeId: string): Promise<Snowflake> {
  const channel = interaction.channel;
  if (!channel || channel.type !== ChannelType.GuildText) throw new Error('not a text channel');
  const starter = await channel.send({ content: `▶️ <@${interaction.user.id}> resumed \`${claudeId}\``, allowedMentions: { parse: [] } });
  const thread = await starter.startThread({ name: `Resumed ${claudeId.slice(0, 8)}`, autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
  await thread.send({ content: threadHint(ctx.plainMessages()) });
  return parseSnowflake(thread.id);
}
