/**
 * `/claude ask prompt:<text> [file:<image, text or other file>]`: in a channel with `THREADS=true`, opens a thread for a
 * new session; in a session's thread (or with `THREADS=false`), talks to the user's session there —
 * into the running turn when one runs (steering), else as the next turn.
 */
import { ChannelType, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { placeOf } from '../context.js';
import { answer, whenDeferred } from '../operations/answer.js';
import { promptOrRefuse, promptSource, tellRefused, type PromptInput } from '../operations/prompt.js';
import { askInThread, excerpt, threadName } from '../operations/thread.js';
import { sessionWithWorktree } from '../operations/worktree.js';
import type { Command } from './types.js';

/** Discord's limit for a string option (API docs, "Application Command Option"). */
export const PROMPT_MAX = 6000;

export const ask = {
  name: 'ask',
  data: (sub) =>
    sub
      .setName('ask')
      .setDescription('Send a prompt to Claude Code; continues your session here')
      .addStringOption((o) => o.setName('prompt').setDescription('What Claude should do').setMaxLength(PROMPT_MAX))
      .addAttachmentOption((o) => o.setName('file').setDescription('An image, a longer prompt (.txt/.md), or a file for Claude to work on'))
      .addBooleanOption((o) => o.setName('worktree').setDescription('A new session in its own git worktree and branch claude/<name> of this channel\'s repository')),
  async execute({ interaction, bot }) {
    const getPrompt = promptSource(interaction)!;
    const inThread = bot.threads && interaction.channel?.type === ChannelType.GuildText;
    const p = placeOf(interaction);
    bot.manager.assertRoomFor(inThread ? null : bot.manager.getCurrentSession(p.userId, p.channelId)); // before deferring: a refusal stays private
    const worktree = interaction.options.getBoolean('worktree') ?? false;
    if (inThread) return askInThread(bot, interaction, getPrompt, { worktree });
    return askHere(bot, interaction, getPrompt, worktree);
  },
} satisfies Command;

/** Into the user's session in this channel or thread: steered into a running turn, or a turn of its own. */
async function askHere(bot: BotContext, interaction: ChatInputCommandInteraction, getPrompt: (cwd: string) => Promise<PromptInput>, worktree: boolean): Promise<void> {
  const place = placeOf(interaction);
  const find = () => sessionWithWorktree(bot, {
    ownerId: place.userId, channelId: place.channelId, guildId: place.guildId, parentId: place.parentId,
    name: threadName(interaction.options.getString('prompt') ?? ''), worktree, fresh: worktree,
  });
  let refused: PromptInput['refused'] = [];
  await answer(bot, interaction, find, async (session, replyRef) => {
    const prompt = await promptOrRefuse(interaction, () => getPrompt(session.record.cwd));
    if (!prompt) return null; // refused privately
    refused = prompt.refused;
    const sent = await session.steer(prompt.text, { replyRef, images: prompt.images });
    if (sent.kind === 'turn') return sent.turn;
    await whenDeferred(interaction);
    await interaction.editReply({ content: `↪️ Sent into the running answer: *${excerpt(prompt.text.replace(/\s+/g, ' '), 200).replace(/[*_`~|]/g, '')}*` });
    return null;
  });
  await tellRefused(interaction, refused).catch((err) => bot.log.warn({ err }, 'could not tell the user about refused files'));
}
