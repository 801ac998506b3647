/** Shows a turn in Discord: as the reply to an interaction, or in a message of the bot's. */
import type { ChatInputCommandInteraction, MessageComponentInteraction } from 'discord.js';
import type { Session } from '../../sessions/session.js';
import type { Turn, TurnResult } from '../../sessions/turn.js';
import type { BotContext } from '../context.js';
import { makeReplyRef } from '../reply-ref.js';
import { interactionTarget } from '../render/targets.js';
import { TurnView, type ReplyTarget } from '../render/turn-view.js';

/**
 * Defers (within Discord's 3 s) with a public reply — before anything slow, including finding the
 * session (`AUTO_RESUME` may scan the directory's transcripts) — then starts the turn with the
 * reply's message as its `replyRef` (so a restarted bot can finish it there) and shows it. `start`
 * returns `null` when it answered the interaction itself (a message steered into a running turn).
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
  const replyRef = messageId && interaction.channelId ? makeReplyRef({ channelId: interaction.channelId, messageId }) : undefined;
  const turn = await start(session, replyRef);
  if (!turn) return;
  await showTurn(ctx, interactionTarget(interaction, { messageId, log: ctx.log }), session, turn);
}

/** Streams `turn` into `target` until it ends, then marks it delivered. */
export async function showTurn(
  ctx: BotContext, target: ReplyTarget, session: Session, turn: Turn,
): Promise<TurnResult> {
  const log = ctx.log.child({ session: session.id, turn: turn.id });
  const result = await new TurnView(target, turn, session.id, {
    log, cwd: session.record.cwd, sessionCostUsd: session.record.costUsd, maxInlineChunks: ctx.maxInlineChunks,
  }).run();
  session.delivered(turn);
  log.info({ outcome: result.outcome, costUsd: result.costUsd }, 'turn shown');
  return result;
}
