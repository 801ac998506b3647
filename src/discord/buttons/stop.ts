/** The Stop button under a streaming answer: interrupts the running turn (owner only). */
import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import type { BridgeSessionId } from '../../core/ids.js';
import type { SessionManager } from '../../sessions/manager.js';

export async function handleStop(interaction: ButtonInteraction, sessionId: BridgeSessionId, manager: SessionManager): Promise<void> {
  const session = manager.getSession(sessionId);
  if (!session) throw new BridgeError('SESSION_NOT_FOUND');
  if (session.record.ownerId !== interaction.user.id) throw new BridgeError('NOT_SESSION_OWNER');
  await interaction.deferUpdate();
  if (!(await session.interrupt())) {
    await interaction.followUp({ content: 'Nothing is running in this session.', flags: MessageFlags.Ephemeral });
  }
}
