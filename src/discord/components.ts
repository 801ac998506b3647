/**
 * Message components (buttons, the sessions menu). Session buttons act only for the session's
 * owner or an admin; the clean-up confirmation only for the user who asked for it. A button of a
 * session that no longer exists answers "this session has ended".
 */
import type { MessageComponentInteraction } from 'discord.js';
import { BridgeError } from '../core/errors.js';
import { isAskAction, type ParsedComponentId } from '../core/ids.js';
import { assertMayAct } from './access.js';
import { handleAsk } from './asks/answers.js';
import type { BotContext } from './context.js';
import { resumeHere } from './operations/resume.js';
import { pendingCleanups } from './commands/clean.js';
import { formatBytes, postExport } from './operations/export.js';
import { branchSession, continueSession, regenerateAnswer, stopSession } from './operations/session-actions.js';
import { closeWorktree, mergeWorktree, postDiff } from './operations/worktree.js';

export async function handleComponent(
  interaction: MessageComponentInteraction,
  id: ParsedComponentId,
  ctx: BotContext,
): Promise<void> {
  if (id.action === 'resume') {
    if (!interaction.isStringSelectMenu()) return;
    await interaction.deferUpdate();
    await interaction.editReply({ content: await resumeHere(ctx, interaction, interaction.values[0] ?? ''), components: [] });
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
  assertMayAct(interaction.user.id, session.record.ownerId, ctx.policy);
  if (isAskAction(id.action) && 'arg' in id) return handleAsk(interaction, id, session);
  if (id.action === 'allow' || id.action === 'deny' || id.action === 'always') {
    if (!(await session.decidePermission(id.key, id.action, interaction.user.id))) throw new BridgeError('PERMISSION_SETTLED');
    const tool = /\*\*([^*]+)\*\*/.exec(interaction.message.content)?.[1] ?? 'the tool';
    const verdict = id.action === 'deny' ? '❌ Denied' : '✅ Allowed';
    const always = id.action === 'always' ? ` (and from now on in this session)` : '';
    await interaction.update({ content: `${verdict}: **${tool}**${always}, by <@${interaction.user.id}>`, components: [] });
    return;
  }
  if (id.action === 'unpark') {
    // The turn's own view shows it ended (cancelled); the click only needs acknowledging.
    if (!(await session.cancelParked(id.turnId))) throw new BridgeError('PARKED_SETTLED');
    await interaction.deferUpdate();
    return;
  }
  switch (id.action) {
    case 'stop': return stopSession(interaction, session, 'turnId' in id ? id.turnId : undefined);
    case 'continue': return continueSession(ctx, interaction, session);
    case 'regenerate': return regenerateAnswer(ctx, interaction, session);
    case 'branch': return branchSession(ctx, interaction, session);
    case 'export': return postExport(interaction, session, 'markdown');
    case 'diff': return postDiff(ctx, interaction, session);
    case 'merge': return mergeWorktree(ctx, interaction, session);
    case 'close': return closeWorktree(ctx, interaction, session);
  }
}

