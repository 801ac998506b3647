/** A tool permission request as a Discord message: the tool, its input (shortened), three answers. */
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { makeComponentId } from '../../core/ids.js';
import { summarizeToolUse } from '../../claude/export.js';
import type { PermissionOutcome, PermissionRequest } from '../../sessions/permissions.js';

/** Input longer than this is shortened in the message and attached whole, chars. */
const INLINE_INPUT = 1500;

export function renderPermissionPrompt(req: PermissionRequest, ownerId: string) {
  const full = JSON.stringify(req.input, null, 2);
  const shown = full.length > INLINE_INPUT ? `${full.slice(0, INLINE_INPUT)}\n… (full input attached)` : full;
  const content = `🔐 <@${ownerId}> Claude wants to use **${req.toolName}** — \`${summarizeToolUse({ name: req.toolName, input: req.input }).slice(0, 200).replace(/`/g, "'")}\`\n\`\`\`json\n${shown.replace(/```/g, "'''")}\n\`\`\``;
  const button = (action: 'allow' | 'deny' | 'always', label: string, style: ButtonStyle) =>
    new ButtonBuilder().setCustomId(makeComponentId(action, req.sessionId, req.key)).setLabel(label).setStyle(style);
  return {
    content,
    components: [new ActionRowBuilder<ButtonBuilder>().addComponents(
      button('allow', 'Allow', ButtonStyle.Success),
      button('deny', 'Deny', ButtonStyle.Danger),
      button('always', `Always allow ${req.toolName}`.slice(0, 80), ButtonStyle.Secondary),
    )],
    files: full.length > INLINE_INPUT ? [new AttachmentBuilder(Buffer.from(full), { name: `${req.toolName}-input.json` })] : [],
  };
}

/** The line that replaces the buttons once the request is settled. */
export function renderPermissionOutcome(req: PermissionRequest, outcome: PermissionOutcome): string {
  const what = `**${req.toolName}**`;
  switch (outcome.by) {
    case 'user': return `${outcome.decision === 'allow' ? '✅ Allowed' : '❌ Denied'}: ${what}, by <@${outcome.userId}>`;
    case 'always': return `✅ Allowed: ${what} (always allowed in this session)`;
    case 'timeout': return `⌛ Denied: ${what} — nobody answered in time`;
    case 'process-ended': return `⚪ ${what}: the request ended with its Claude Code process`;
    case 'withdrawn': return `⚪ ${what}: Claude withdrew the request (the turn was stopped)`;
  }
}
