/**
 * `/claude mode to:<mode>`: this session's Claude Code permission mode from its next turn — sent to
 * a live process with the `set_permission_mode` control request, and kept for the processes after
 * it (the session's record). Without `to`, says the mode now in force.
 */
import { MessageFlags } from 'discord.js';
import type { PermissionMode } from '../../claude/args.js';
import { BridgeError } from '../../core/errors.js';
import type { Command } from './types.js';

/** Claude Code's permission modes (Agent SDK `PermissionMode`; CLI `--permission-mode`), as offered. */
export const PERMISSION_MODES: ReadonlyArray<{ mode: PermissionMode; what: string }> = [
  { mode: 'default', what: 'ask before tools that need permission' },
  { mode: 'plan', what: 'plan only: read, think, then propose a plan for approval' },
  { mode: 'acceptEdits', what: 'let file edits through without asking' },
  { mode: 'dontAsk', what: 'deny what is not allowed already, never ask' },
  { mode: 'auto', what: 'a classifier approves or denies each request' },
  { mode: 'bypassPermissions', what: 'run every tool without asking' },
];

export const modeCommand = {
  name: 'mode',
  data: (sub) =>
    sub.setName('mode').setDescription('Set this session\'s permission mode (plan, acceptEdits…) from the next turn')
      .addStringOption((o) => o.setName('to').setDescription('The permission mode; leave empty to see the current one')
        .addChoices(...PERMISSION_MODES.map((m) => ({ name: `${m.mode} — ${m.what}`.slice(0, 100), value: m.mode })))),
  requiresSession: true,
  async execute({ interaction, session }) {
    const to = interaction.options.getString('to') as PermissionMode | null;
    if (!to) {
      const now = session!.record.permissionMode ?? 'the bot\'s default (PERMISSION_MODE)';
      await interaction.reply({ content: `🛡️ Permission mode: **${now}**.`, flags: MessageFlags.Ephemeral });
      return;
    }
    if (!PERMISSION_MODES.some((m) => m.mode === to)) throw new BridgeError('INVALID_ID', { kind: 'permission mode' });
    await session!.setPermissionMode(to);
    const what = PERMISSION_MODES.find((m) => m.mode === to)?.what ?? '';
    await interaction.reply({ content: `🛡️ Permission mode: **${to}** (${what}), from the next turn.`, flags: MessageFlags.Ephemeral });
  },
} satisfies Command;
