/** Shows a turn as the reply to an interaction, from deferral to the final answer. */
import type { ChatInputCommandInteraction, MessageComponentInteraction } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import type { Session } from '../../sessions/session.js';
import type { Turn } from '../../sessions/turn.js';
import { makeReplyRef } from '../reply-ref.js';
import { interactionTarget } from '../render/targets.js';
import { TurnView } from '../render/turn-view.js';

/**
 * Defers (within Discord's 3 s) with a public reply — before anything slow, including finding the
 * session (`AUTO_RESUME` may scan the directory's transcripts) — then starts the turn with the
 * reply's message as its `replyRef` (so a restarted bot can finish it there), streams it, and marks
 * it delivered.
 */
export async function answer(
  interaction: ChatInputCommandInteraction | MessageComponentInteraction,
  sessionOrFind: Session | (() => Promise<Session>),
  start: (session: Session, replyRef: string | undefined) => Turn | Promise<Turn>,
  log: Logger,
): Promise<void> {
  const deferred = await interaction.deferReply({ withResponse: true });
  const session = typeof sessionOrFind === 'function' ? await sessionOrFind() : sessionOrFind;
  const messageId = deferred.resource?.message?.id;
  const replyRef = messageId && interaction.channelId ? makeReplyRef({ channelId: interaction.channelId, messageId }) : undefined;
  const turn = await start(session, replyRef);
  const result = await new TurnView(interactionTarget(interaction), turn, session.id, { log: log.child({ session: session.id }) }).run();
  session.delivered(turn);
  log.info({ session: session.id, outcome: result.outcome, costUsd: result.costUsd }, 'turn shown');
}
