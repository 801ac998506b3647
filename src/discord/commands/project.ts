/**
 * `/claude project [path:<dir>]`: shows the directory new sessions here work in; with `path`, an
 * admin sets it for this channel (and its threads). The directory must resolve inside
 * `WORKSPACE_ROOT` (symlinks followed); a relative path is taken from the root.
 */
import { MessageFlags } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import { isAdmin } from '../access.js';
import { placeOf } from '../context.js';
import type { Command } from './types.js';

export const projectCommand = {
  name: 'project',
  data: (sub) =>
    sub.setName('project').setDescription('Show, or (admins) set, the directory new sessions in this channel work in')
      .addStringOption((o) => o.setName('path').setDescription('Directory inside the workspace (admins only)').setMaxLength(1000))
      .addBooleanOption((o) => o.setName('worktrees').setDescription('New sessions here each get a git worktree and branch of their own (admins only)')),
  async execute({ interaction, manager, bot }) {
    const p = placeOf(interaction);
    const dir = interaction.options.getString('path')?.trim();
    const worktrees = interaction.options.getBoolean('worktrees');
    if (worktrees !== null && bot.worktrees) {
      if (!isAdmin(p.userId, bot.policy)) throw new BridgeError('NOT_ADMIN');
      bot.worktrees.setChannel(p.channelId, worktrees);
      bot.log.info({ channel: p.channelId, worktrees, by: p.userId }, 'channel worktree setting');
      if (!dir) {
        await interaction.reply({ content: worktrees ? `🌿 New sessions in <#${p.channelId}> now each work in a git worktree on a branch \`claude/<name>\` of their own.` : `📁 New sessions in <#${p.channelId}> now work in the checkout itself.` });
        return;
      }
    }
    if (!dir) {
      const cwd = manager.workspace.cwdFor(p.channelId, p.parentId);
      const wt = bot.worktrees?.wantedIn(p.channelId, p.parentId) ? ', each new one in a git worktree of its own' : '';
      await interaction.reply({ content: `📁 New sessions here work in \`${cwd}\`${wt} (workspace \`${manager.workspace.root}\`).`, flags: MessageFlags.Ephemeral });
      return;
    }
    if (!isAdmin(p.userId, bot.policy)) throw new BridgeError('NOT_ADMIN');
    const real = manager.workspace.setChannelDir(p.channelId, dir, p.userId);
    bot.log.info({ channel: p.channelId, cwd: real, by: p.userId }, 'channel directory set');
    await interaction.reply({ content: `📁 New sessions in <#${p.channelId}> now work in \`${real}\`. Sessions already running keep their directory.` });
  },
} satisfies Command;
