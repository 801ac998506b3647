/**
 * Answering an interaction with a turn: acknowledge, accept the message, return. The
 * {@link Presenter} shows the turn; this only lends it the interaction's reply.
 */
import type { ChatInputCommandInteraction, MessageComponentInteraction } from 'discord.js';
import type { Session } from '../../sessions/session.js';
import type { Turn } from '../../sessions/turn.js';
import type { BotContext } from '../context.js';
import { makeReplyRef } from '../reply-ref.js';
import { nonceOf } from '../nonce.js';
import { interactionTarget, pendingTarget, postedLaterTarget } from '../render/targets.js';

/** Each interaction's pending acknowledgement (its deferred reply), for code that answers it itself. */
const deferrals = new WeakMap<object, Promise<unknown>>();

/** Resolves once `interaction`'s deferred reply is acknowledged (at once when `answer` did not defer it). */
export async function whenDeferred(interaction: object): Promise<void> {
  await deferrals.get(interaction);
}

/**
 * Defers (within Discord's 3 s) with a public reply and, without waiting for Discord's answer,
 * finds the session and accepts the message: the acknowledgement's round trip overlaps the
 * session's work instead of preceding it. The reply is lent to the presenter at once (its edits
 * wait for the acknowledgement); the stored reply ref gets the reply's message id as soon as Discord
 * returns it (`Session.setReplyRef`), for answers shown after a restart. `start` returns `null` when
 * it answered the interaction itself (a message steered into a running turn: it must
 * {@link whenDeferred} first).
 * @throws what `sessionOrFind` or `start` throw, once the acknowledgement has settled
 */
export async function answer(
  ctx: BotContext,
  interaction: ChatInputCommandInteraction | MessageComponentInteraction,
  sessionOrFind: Session | (() => Promise<Session>),
  start: (session: Session, replyRef: string | undefined) => Turn | null | Promise<Turn | null>,
): Promise<void> {
  const deferring = interaction.deferReply({ withResponse: true });
  deferrals.set(interaction, deferring);
  const messageId = deferring.then((d) => d.resource?.message?.id, () => undefined);
  const channelId = interaction.channelId;
  ctx.replies.lend(interaction.id, pendingTarget(deferring.then(
    async () => interactionTarget(interaction, { messageId: await messageId, log: ctx.log }),
    () => postedLaterTarget(interaction.client, channelId, nonceOf('interaction', interaction.id)), // not acknowledged: a channel message
  )));
  let turn: Turn | null = null;
  let session: Session | null = null;
  try {
    session = typeof sessionOrFind === 'function' ? await sessionOrFind() : sessionOrFind;
    turn = await start(session, channelId ? makeReplyRef({ channelId, via: interaction.id }) : undefined);
  } finally {
    if (!turn) ctx.replies.unlend(interaction.id);
    await deferring.catch(() => undefined); // an error handler then edits the acknowledged reply
  }
  // The message is accepted: a failed acknowledgement only moves its answer to a channel message.
  const acknowledged = await deferring.then(() => true, (err) => {
    ctx.log.warn({ err, interaction: interaction.id }, 'interaction not acknowledged; the answer goes to a channel message');
    return false;
  });
  const id = acknowledged ? await messageId : undefined;
  if (turn && session && id && channelId) await session.setReplyRef(turn, makeReplyRef({ channelId, messageId: id, via: interaction.id }));
}
