/** What the answer buttons and their `/claude` twins do to a session. */
import { MessageFlags, type ChatInputCommandInteraction, type MessageComponentInteraction } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import { parseSnowflake } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { regenerate } from '../../sessions/conversation.js';
import type { SessionManager } from '../../sessions/manager.js';
import type { Session } from '../../sessions/session.js';
import { answer } from './answer.js';

type Interaction = ChatInputCommandInteraction | MessageComponentInteraction;

/** Sends "continue" to the session. */
export function continueSession(interaction: Interaction, session: Session, log: Logger): Promise<void> {
  return answer(interaction, session, (s, replyRef) => s.sendMessage('continue', { replyRef }), log);
}

/** A new answer to the last prompt, from the same point. @throws BridgeError `SESSION_BUSY` */
export async function regenerateAnswer(interaction: Interaction, session: Session, log: Logger): Promise<void> {
  if (session.isBusy) throw new BridgeError('SESSION_BUSY'); // before deferring: the refusal stays private
  await answer(interaction, session, (s, replyRef) => regenerate(s, { replyRef }), log);
}

/** Interrupts the running turn. */
export async function stopSession(interaction: Interaction, session: Session): Promise<void> {
  const stopped = await session.interrupt();
  await interaction.reply({ content: stopped ? '⏹️ Stopping.' : 'Nothing is running in this session.', flags: MessageFlags.Ephemeral });
}

/** Forks the session; the branch becomes the user's current session in this channel. */
export async function branchSession(interaction: Interaction, session: Session, manager: SessionManager): Promise<void> {
  const guildId = interaction.guildId ? parseSnowflake(interaction.guildId) : null;
  const branch = manager.branchSession(session, parseSnowflake(interaction.channelId!), guildId);
  await interaction.reply({
    content: `🌿 Branched session \`${session.id}\` into \`${branch.id}\` with the same history. ` +
      '`/claude ask` here now continues the branch; the original stays in `/claude sessions`.',
  });
}
