/**
 * Sessions in threads (`THREADS=true`): `/claude ask` in a channel opens a public thread on its
 * reply, named from the prompt, and the session lives there; the answer streams in the thread with
 * the bot token (no 15-minute interaction limit). Discord API: "Start Thread from Message" — the
 * thread's id is the message's id; name 1–100 chars; the bot needs Create Public Threads.
 *
 * Opening the thread must come before the message can be stored with where its answer goes, so the
 * ask is first recorded as an intent (`thread-ask`); the message's acceptance finishes it in the same
 * transaction. A crash in between is finished or undone at start-up by {@link reconcileThreadAsks}.
 */
import { DiscordAPIError, ThreadAutoArchiveDuration, type ChatInputCommandInteraction, type Client, type Message } from 'discord.js';
import { BridgeError, makeErrorRef } from '../../core/errors.js';
import { z } from 'zod';
import { parseSnowflake } from '../../core/ids.js';
import { placeOf, type BotContext } from '../context.js';
import { nonceOf } from '../nonce.js';
import { makeReplyRef } from '../reply-ref.js';
import { sessionWithWorktree } from './worktree.js';
import { promptOrRefuse, promptShown, tellRefused, type PromptInput } from './prompt.js';

/** A thread name from a prompt: its first 90 chars on one line, or "Claude session". */
export function threadName(prompt: string): string {
  const line = prompt.replace(/[\s\u0000-\u001f]+/g, ' ').trim();
  return line.length > 90 ? `${line.slice(0, 89)}…` : line || 'Claude session';
}

/** The first `max` chars of `text`, marked when cut. */
export function excerpt(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const imageSchema = z.object({
  type: z.literal('image'),
  source: z.object({ type: z.literal('base64'), media_type: z.enum(['image/png', 'image/jpeg', 'image/gif', 'image/webp']), data: z.string() }),
});
const askSchema = z.object({
  userId: z.string(), channelId: z.string(), guildId: z.string().nullable(), prompt: z.string(), messageId: z.string(),
  /** The session works in a git worktree (`/claude ask worktree:true`). */
  worktree: z.boolean().optional(),
  /** Images sent with the prompt (kept in the intent, so a restart still sends them). */
  images: z.array(imageSchema).optional(),
});
type ThreadAsk = z.infer<typeof askSchema>;

/**
 * Defers, shows the prompt as the reply, opens a thread on it and accepts the prompt into a new
 * session there. Without the permission to open threads it answers in the channel, and says so.
 */
export async function askInThread(ctx: BotContext, interaction: ChatInputCommandInteraction, getPrompt: (cwd: string) => Promise<PromptInput>, o: { worktree?: boolean } = {}): Promise<void> {
  const deferred = await interaction.deferReply({ withResponse: true });
  const place = placeOf(interaction);
  // The thread's session will work in the channel's directory: other files are saved there.
  const input = await promptOrRefuse(interaction, () => getPrompt(ctx.manager.workspace.cwdFor(place.channelId)));
  if (!input) return; // refused privately
  const prompt = input.text;
  const messageId = deferred.resource?.message?.id;
  if (!messageId) throw new Error('the deferred reply has no message id');
  const ask: ThreadAsk = { userId: place.userId, channelId: place.channelId, guildId: place.guildId, prompt, messageId, images: input.images, ...(o.worktree ? { worktree: true } : {}) };
  const intentId = ctx.manager.recordIntent('thread-ask', ask);
  try {
    const reply = await interaction.editReply({
      content: `🧵 <@${place.userId}> asked Claude Code:\n>>> ${excerpt(promptShown(input), 1800)}`, allowedMentions: { parse: [] },
    });
    await tellRefused(interaction, input.refused).catch((err) => ctx.log.warn({ err }, 'could not tell the user about refused files'));
    try {
      await reply.startThread({ name: threadName(prompt), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
    } catch (err) {
      if (!(err instanceof DiscordAPIError && NO_THREAD_RIGHTS.has(Number(err.code)))) throw err;
      ctx.log.warn({ err, channel: place.channelId }, 'may not open a thread here; answering in the channel');
      return await answerInChannel(ctx, ask, intentId, 'A thread could not be opened here (the bot needs "Create Public Threads"), so the answer is in the channel.');
    }
    await acceptInThread(ctx, ask, intentId);
  } catch (err) {
    // Not accepted: undo the intent and say so plainly (a later restart must not answer it behind the user's back).
    const ref = makeErrorRef();
    ctx.log.error({ err, ref, channel: place.channelId }, 'an ask could not be set up in a thread');
    ctx.manager.dropIntent(intentId);
    if (err instanceof BridgeError) throw err; // a safe reason of its own (no repository for a worktree, …)
    throw new BridgeError('ASK_NOT_TAKEN', { ref }, { cause: err });
  }
}

/** Discord JSON error codes for a bot that may not open threads here: 50013 Missing Permissions, 50001 Missing Access. */
const NO_THREAD_RIGHTS = new Set([50013, 50001]);

/** The thread exists (its id is the reply's): the session there takes the prompt, finishing the intent. */
async function acceptInThread(ctx: BotContext, ask: ThreadAsk, intentId: string): Promise<void> {
  const threadId = parseSnowflake(ask.messageId);
  const session = await sessionWithWorktree(ctx, {
    ownerId: parseSnowflake(ask.userId), channelId: threadId, guildId: ask.guildId ? parseSnowflake(ask.guildId) : null,
    parentId: parseSnowflake(ask.channelId), name: threadName(ask.prompt), worktree: ask.worktree ?? false, fresh: true,
  });
  const thread = ctx.client.channels.cache.get(threadId) ?? (await ctx.client.channels.fetch(threadId));
  if (thread?.isSendable()) {
    await thread.send({ content: threadHint(ctx.plainMessages()), nonce: nonceOf('hint', intentId), enforceNonce: true })
      .catch((err) => ctx.log.warn({ err }, 'could not post the thread hint'));
  }
  // The thread's cursor starts at the thread itself: its later messages are caught up after a crash.
  session.sendMessage(ask.prompt, { replyRef: makeReplyRef({ channelId: threadId }), intentId, cursor: { channelId: threadId, messageId: threadId }, images: ask.images });
}

/** No thread: the answer goes under the reply in the channel. */
async function answerInChannel(ctx: BotContext, ask: ThreadAsk, intentId: string, notice: string): Promise<void> {
  const session = await ctx.manager.getOrCreateSession(parseSnowflake(ask.userId), parseSnowflake(ask.channelId), ask.guildId ? parseSnowflake(ask.guildId) : null);
  const turn = session.sendMessage(ask.prompt, { replyRef: makeReplyRef({ channelId: ask.channelId, messageId: ask.messageId }), intentId, images: ask.images });
  turn.notice(notice);
}

/**
 * Start-up: asks whose thread was being opened when the bot stopped. The thread exists → the
 * prompt is accepted there now; the reply exists but no thread → the thread is opened now; else the
 * user is told in the channel that the prompt was not taken. Never throws; each ask on its own.
 */
export async function reconcileThreadAsks(ctx: BotContext): Promise<void> {
  for (const intent of ctx.manager.pendingIntents()) {
    if (intent.kind !== 'thread-ask') continue;
    const parsed = askSchema.safeParse(intent.payload);
    if (!parsed.success) { ctx.manager.dropIntent(intent.id); continue; }
    const ask = parsed.data;
    try {
      if (await threadExists(ctx.client, ask.messageId)) await acceptInThread(ctx, ask, intent.id);
      else if (await openThreadNow(ctx.client, ask)) await acceptInThread(ctx, ask, intent.id);
      else await tellNotTaken(ctx, ask, intent.id);
      ctx.log.info({ intent: intent.id }, 'finished an ask interrupted by a restart');
    } catch (err) {
      ctx.log.error({ err, intent: intent.id }, 'could not finish an interrupted ask');
      await tellNotTaken(ctx, ask, intent.id).catch((e) => ctx.log.error({ err: e }, 'could not tell the user'));
    }
  }
}

async function threadExists(client: Client, id: string): Promise<boolean> {
  const c = client.channels.cache.get(id) ?? (await client.channels.fetch(id).catch(() => null));
  return c?.isThread() ?? false;
}

async function openThreadNow(client: Client, ask: ThreadAsk): Promise<boolean> {
  const channel = await client.channels.fetch(ask.channelId).catch(() => null);
  if (!channel?.isSendable() || !('messages' in channel)) return false;
  const message: Message | null = await channel.messages.fetch(ask.messageId).catch(() => null);
  if (!message) return false;
  if (!message.content) {
    await message.edit({ content: `🧵 <@${ask.userId}> asked Claude Code:\n>>> ${excerpt(promptShown({ text: ask.prompt, images: ask.images ?? [] }), 1800)}`, allowedMentions: { parse: [] } });
  }
  return message.startThread({ name: threadName(ask.prompt), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay }).then(() => true, () => false);
}

async function tellNotTaken(ctx: BotContext, ask: ThreadAsk, intentId: string): Promise<void> {
  const channel = await ctx.client.channels.fetch(ask.channelId).catch(() => null);
  if (channel?.isSendable()) {
    await channel.send({
      content: `⚠️ <@${ask.userId}> the bot restarted before your prompt could be taken, so Claude never saw it. Please send it again:\n>>> ${excerpt(ask.prompt, 1500)}`,
      allowedMentions: { users: [ask.userId] }, nonce: nonceOf('lost', intentId), enforceNonce: true,
    });
  }
  ctx.manager.dropIntent(intentId);
}

/** The first line of a session's thread: how to go on. */
export function threadHint(plainMessages: boolean): string {
  return plainMessages
    ? '-# 💬 Reply in this thread to go on. A message sent while Claude works goes into the running turn; **Stop** interrupts it.'
    : '-# 💬 Use `/claude ask` in this thread to go on (plain messages need the Message Content intent; see the bot\'s log).';
}
