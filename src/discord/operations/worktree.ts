/**
 * Sessions in git worktrees, in Discord: opening one (the thread, or channel, shows its branch with
 * **Diff**, **Merge** and **Close** buttons), and what the buttons do. Diff posts the changes
 * against the base as a `.diff` attachment; Merge fast-forwards the base or says why not; Close
 * stops the session and removes its worktree unless it has uncommitted changes (the branch stays).
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, type MessageComponentInteraction } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import { makeComponentId, parseBridgeSessionId, type Snowflake } from '../../core/ids.js';
import type { WorktreeRecord } from '../../sessions/automation.js';
import type { Session } from '../../sessions/session.js';
import type { BotContext } from '../context.js';
import { nonceOf } from '../nonce.js';

/** The message that shows a session's branch, with its buttons. */
export function worktreePanel(w: WorktreeRecord) {
  const button = (action: 'diff' | 'merge' | 'close', label: string, style: ButtonStyle) =>
    new ButtonBuilder().setCustomId(makeComponentId(action, parseBridgeSessionId(w.sessionId))).setLabel(label).setStyle(style);
  return {
    content: `🌿 This session works on branch \`${w.branch}\` (from \`${w.base}\`) in its own worktree \`${w.path}\`; ` +
      'other sessions never share this checkout.',
    components: [new ActionRowBuilder<ButtonBuilder>().addComponents(
      button('diff', 'Diff', ButtonStyle.Secondary), button('merge', `Merge into ${w.base}`.slice(0, 80), ButtonStyle.Primary),
      button('close', 'Close', ButtonStyle.Danger))],
  };
}

/**
 * The owner's session in `channelId`: the current one, else a new one — in a worktree of the
 * channel's repository when `worktree` is asked for or the channel is set so (`/claude project
 * worktrees:true`), its branch named from `name`, and its panel posted in `channelId`.
 * @throws BridgeError `NOT_A_REPOSITORY`, `WORKTREE_DETACHED`, `WORKTREE_FAILED`, `OUTSIDE_WORKSPACE`
 */
export async function sessionWithWorktree(
  ctx: BotContext,
  o: { ownerId: Snowflake; channelId: Snowflake; guildId: Snowflake | null; parentId: Snowflake | null; name: string; worktree: boolean; fresh?: boolean },
): Promise<Session> {
  const wanted = ctx.worktrees !== null && (o.worktree || ctx.worktrees.wantedIn(o.channelId, o.parentId));
  const current = ctx.manager.getCurrentSession(o.ownerId, o.channelId);
  if (!wanted || (current && !o.fresh)) return current ?? ctx.manager.getOrCreateSession(o.ownerId, o.channelId, o.guildId, { parentId: o.parentId, fresh: o.fresh });
  if (current && ctx.worktrees!.get(current.id)) return current; // a repeat after a restart: it has one already
  const made = await ctx.worktrees!.create(ctx.manager.workspace.cwdFor(o.channelId, o.parentId), o.name);
  const session = ctx.manager.createSession(o.ownerId, o.channelId, o.guildId, { cwd: made.path }, { oneOff: true }); // no spare keeps a one-off directory
  const w = ctx.worktrees!.bind(session.id, made);
  const channel = ctx.client.channels.cache.get(o.channelId) ?? (await ctx.client.channels.fetch(o.channelId));
  if (channel?.isSendable()) {
    await channel.send({ ...worktreePanel(w), nonce: nonceOf('worktree', session.id), enforceNonce: true })
      .catch((err) => ctx.log.warn({ err, session: session.id }, 'could not post the worktree panel'));
  }
  return session;
}

function worktreeOf(ctx: BotContext, session: Session): WorktreeRecord {
  const w = ctx.worktrees?.get(session.id);
  if (!w) throw new BridgeError('NO_WORKTREE');
  return w;
}

/** Diff: the branch's and the worktree's changes against the base, as an attachment everyone sees. */
export async function postDiff(ctx: BotContext, interaction: MessageComponentInteraction, session: Session): Promise<void> {
  const w = worktreeOf(ctx, session);
  await interaction.deferReply();
  const { text, cut } = await ctx.worktrees!.diff(w);
  if (!text) return void (await interaction.editReply({ content: `📄 \`${w.branch}\` has no changes against \`${w.base}\` yet.` }));
  const lines = text.split('\n');
  const files = lines.filter((l) => l.startsWith('diff --git ')).length;
  const plus = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
  const minus = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
  await interaction.editReply({
    content: `📄 \`${w.branch}\` against \`${w.base}\`: ${files} file${files === 1 ? '' : 's'}, +${plus} −${minus}${cut ? ' (cut at 8 MiB)' : ''}.`,
    files: [{ attachment: Buffer.from(text, 'utf8'), name: `${w.branch.replace(/\//g, '-')}.diff` }],
  });
}

/** Merge: fast-forwards the base branch to the session's branch, or says why it cannot. */
export async function mergeWorktree(ctx: BotContext, interaction: MessageComponentInteraction, session: Session): Promise<void> {
  const w = worktreeOf(ctx, session);
  await interaction.deferReply();
  const out = await ctx.worktrees!.merge(w);
  await interaction.editReply({
    content: out.merged
      ? `✅ Merged \`${w.branch}\` into \`${w.base}\` (fast-forward, ${out.commits} commit${out.commits === 1 ? '' : 's'}), by <@${interaction.user.id}>.`
      : `⛔ Not merged: ${out.reason}`,
    allowedMentions: { parse: [] },
  });
}

/** Close: stops the session, then removes its worktree unless it has uncommitted changes; the branch stays. */
export async function closeWorktree(ctx: BotContext, interaction: MessageComponentInteraction, session: Session): Promise<void> {
  const w = worktreeOf(ctx, session);
  await interaction.deferReply();
  await ctx.manager.clearSession(session.id);
  const kept = await ctx.worktrees!.remove(w);
  await interaction.editReply({
    content: kept ? `⏹️ Session closed; ${kept}` : `⏹️ Session closed and its worktree removed; the branch \`${w.branch}\` stays.`,
  });
}
