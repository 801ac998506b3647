/** `/claude clean [days]`: remove your sessions untouched for that long; their transcripts after a confirmation. */
import { randomBytes } from 'node:crypto';
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, MessageFlags } from 'discord.js';
import { makeComponentId, parseBridgeSessionId, parseSnowflake } from '../../core/ids.js';
import { formatBytes } from '../operations/export.js';
import type { WorktreeRecord } from '../../sessions/automation.js';
import type { BotContext } from '../context.js';
import type { Command } from './types.js';

/** Transcripts awaiting the owner's confirmation, by token; forgotten after 15 minutes. */
export const pendingCleanups = new Map<string, { ownerId: string; files: string[]; expires: number }>();
const CONFIRM_WINDOW_MS = 15 * 60_000;

export const cleanCommand = {
  name: 'clean',
  data: (sub) =>
    sub.setName('clean').setDescription('Remove your sessions untouched for a number of days')
      .addIntegerOption((o) => o.setName('days').setDescription('Untouched for at least this many days (default 30)').setMinValue(1).setMaxValue(3650)),
  async execute({ interaction, manager, bot }) {
    const days = interaction.options.getInteger('days') ?? 30;
    const worktrees = bot.worktrees?.list().filter((w) => manager.getSession(parseBridgeSessionId(w.sessionId))?.record.ownerId === interaction.user.id) ?? [];
    const r = await manager.cleanSessions(parseSnowflake(interaction.user.id), days);
    let content = `🧹 Removed ${r.removed} session${r.removed === 1 ? '' : 's'} untouched for ${days} days (running ones are never touched).`;
    content += await tidyWorktrees(bot, worktrees.filter((w) => manager.getSession(parseBridgeSessionId(w.sessionId)) === null));
    const components = [];
    if (r.transcripts.length > 0) {
      const token = randomBytes(6).toString('hex');
      const now = Date.now();
      for (const [k, v] of pendingCleanups) if (v.expires < now) pendingCleanups.delete(k);
      pendingCleanups.set(token, { ownerId: interaction.user.id, files: r.transcripts, expires: now + CONFIRM_WINDOW_MS });
      content += `\nTheir ${r.transcripts.length} transcripts take ${formatBytes(r.bytes)}. Delete them too? (They cannot be resumed after.)`;
      components.push(new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId(makeComponentId('clean', token)).setLabel('Delete transcripts').setStyle(ButtonStyle.Danger)));
    }
    await interaction.reply({ content, components, flags: MessageFlags.Ephemeral });
  },
} satisfies Command;

/** The worktrees of removed sessions go too, unless they hold uncommitted changes; branches stay. */
async function tidyWorktrees(bot: BotContext, gone: readonly WorktreeRecord[]): Promise<string> {
  if (!bot.worktrees || gone.length === 0) return '';
  const kept: string[] = [];
  for (const w of gone) {
    const why = await bot.worktrees.remove(w).catch((err: unknown) => (bot.log.error({ err, path: w.path }, 'could not remove a worktree'), 'git failed'));
    if (why) kept.push(`\`${w.path}\``);
  }
  const removed = gone.length - kept.length;
  return `\n🌿 ${removed} of their worktree${gone.length === 1 ? '' : 's'} removed (branches kept)${kept.length ? `; kept, with uncommitted changes: ${kept.join(', ')}` : ''}.`;
}
