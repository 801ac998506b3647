/**
 * Answering an interaction with a turn: acknowledge, accept the message, return. The
 * {@link Presenter} shows the turn; this only lends it the interaction's reply.
 */
import type { ChatInputCommandInteraction, MessageComponentInteraction } from 'discord.js';
import type { Session } from '../../sessions/session.js';
import type { Turn } from '../../sessions/turn.js';
import type { BotContext } from '../context.js';
import { makeReplyRef } from '../reply-ref.js';
import { interactionTarget } from '../render/targets.js';

/**
 * Defers (within Discord's 3 s) with a public reply — before anything slow, including finding the
 * session (`AUTO_RESUME` may scan the directory's transcripts) — then lends the reply to the
 * presenter and calls `start` with the reply ref to store with the message. `start` returns `null`
 * when it answered the interaction itself (a message steered into a running turn).
 */
export async function answer(
  ctx: BotContext,
  interaction: ChatInputCommandInteraction | MessageComponentInteraction,
  sessionOrFind: Session | (() => Promise<Session>),
  start: (session: Session, replyRef: string | undefined) => Turn | null | Promise<Turn | null>,
): Promise<void> {
  const deferred = await interaction.deferReply({ withResponse: true });
  const session = typeof sessionOrFind === 'function' ? await sessionOrFind() : sessionOrFind;
  const messageId = deferred.resource?.message?.id;
  const channelId = interaction.channelId;
  let replyRef: string | undefined;
  if (messageId && channelId) {
    ctx.replies.lend(interaction.id, interactionTarget(interaction, { messageId, log: ctx.log }));
    replyRef = makeReplyRef({ channelId, messageId, via: interaction.id });
  }
  let turn: Turn | null = null;
  try {
    turn = await start(session, replyRef);
  } finally {
    if (!turn) ctx.replies.unlend(interaction.id);
  }
}
