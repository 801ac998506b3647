/**
 * Message components (buttons, the sessions menu). Session buttons act only for the session's
 * owner; the clean-up confirmation only for the user who asked for it.
 */
import type { MessageComponentInteraction } from 'discord.js';
import { BridgeError } from '../core/errors.js';
import { parseSnowflake, type ParsedComponentId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SessionManager } from '../sessions/manager.js';
import { pendingCleanups } from './commands/clean.js';
import { formatBytes, postExport } from './operations/export.js';
import { branchSession, continueSession, regenerateAnswer, stopSession } from './operations/session-actions.js';

export async function handleComponent(
  interaction: MessageComponentInteraction,
  id: ParsedComponentId,
  ctx: { manager: SessionManager; log: Logger },
): Promise<void> {
  if (id.action === 'resume') {
    if (!interaction.isStringSelectMenu()) return;
    const guildId = interaction.guildId ? parseSnowflake(interaction.guildId) : null;
    const session = await ctx.manager.resumeSession(
      parseSnowflake(interaction.user.id), parseSnowflake(interaction.channelId), guildId, interaction.values[0] ?? '');
    await interaction.update({ content: `▶️ Resumed \`${session.record.claudeSessionId}\` here: \`/claude ask\` continues it.`, components: [] });
    return;
  }
  if (id.action === 'clean') {
    const pending = pendingCleanups.get(id.token);
    if (!pending || pending.expires < Date.now()) throw new BridgeError('SESSION_NOT_FOUND');
    if (pending.ownerId !== interaction.user.id) throw new BridgeError('NOT_SESSION_OWNER');
    pendingCleanups.delete(id.token);
    const { count, bytes } = await ctx.manager.deleteTranscripts(pending.files);
    await interaction.update({ content: `🧹 Deleted ${count} transcripts, ${formatBytes(bytes)} freed.`, components: [] });
    return;
  }
  const session = ctx.manager.getSession(id.sessionId);
  if (!session) throw new BridgeError('SESSION_NOT_FOUND');
  if (session.record.ownerId !== interaction.user.id) throw new BridgeError('NOT_SESSION_OWNER');
  if (id.action === 'allow' || id.action === 'deny' || id.action === 'always') {
    if (!(await session.decidePermission(id.key, id.action, interaction.user.id))) throw new BridgeError('PERMISSION_SETTLED');
    const tool = /\*\*([^*]+)\*\*/.exec(interaction.message.content)?.[1] ?? 'the tool';
    const verdict = id.action === 'deny' ? '❌ Denied' : '✅ Allowed';
    const always = id.action === 'always' ? ` (and from now on in this session)` : '';
    await interaction.update({ content: `${verdict}: **${tool}**${always}, by <@${interaction.user.id}>`, components: [] });
    return;
  }
  switch (id.action) {
    case 'stop': return stopSession(interaction, session);
    case 'continue': return continueSession(interaction, session, ctx.log);
    case 'regenerate': return regenerateAnswer(interaction, session, ctx.log);
    case 'branch': return branchSession(interaction, session, ctx.manager);
    case 'export': return postExport(interaction, session, 'markdown');
  }
}

