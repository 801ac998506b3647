/**
 * A plan (`ExitPlanMode`) as a Discord message: the plan itself (attached whole as `plan.md` when
 * it does not fit in the message), and **Approve**, **Approve and accept edits**, **Keep
 * planning…** — the last opens a modal for what Claude should change.
 */
import {
  ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle, LabelBuilder, ModalBuilder, TextInputBuilder, TextInputStyle,
} from 'discord.js';
import { makeComponentId } from '../../core/ids.js';
import type { PermissionOutcome, PermissionRequest } from '../../sessions/permissions.js';
import { clip } from './question.js';

/** A plan longer than this is shown shortened and attached whole, chars. */
const INLINE_PLAN = 1500;
const FEEDBACK_MAX = 2000;

export function renderPlanPrompt(req: PermissionRequest, ownerId: string) {
  const plan = req.plan?.trim() || '*(Claude did not write a plan file; it asks to leave plan mode.)*';
  const long = plan.length > INLINE_PLAN;
  const shown = long ? `${plan.slice(0, INLINE_PLAN).replace(/```/g, "'''")}\n… *(the whole plan is attached as plan.md)*` : plan.replace(/```/g, "'''");
  const button = (arg: 'approve' | 'edits' | 'keep', label: string, style: ButtonStyle) =>
    new ButtonBuilder().setCustomId(makeComponentId('plan', req.sessionId, req.key, arg)).setLabel(label).setStyle(style);
  return {
    content: clip(`📋 <@${ownerId}> Claude's plan is ready for your review:\n>>> ${shown}`, 2000),
    components: [new ActionRowBuilder<ButtonBuilder>().addComponents(
      button('approve', 'Approve', ButtonStyle.Success),
      button('edits', 'Approve and accept edits', ButtonStyle.Primary),
      button('keep', 'Keep planning…', ButtonStyle.Secondary),
    )],
    files: long ? [new AttachmentBuilder(Buffer.from(plan), { name: 'plan.md' })] : [],
    allowedMentions: { users: [ownerId] },
  };
}

/** The line that replaces the buttons once the plan is settled by a user. */
export function renderPlanDecision(choice: 'approve' | 'edits' | 'keep', userId: string, feedback = ''): string {
  if (choice === 'approve') return `✅ Plan approved by <@${userId}>.`;
  if (choice === 'edits') return `✅ Plan approved by <@${userId}>; file edits are accepted without asking from now on.`;
  const said = feedback.trim();
  return clip(`📝 Sent back to planning by <@${userId}>${said ? `:\n> ${said.replace(/\n/g, '\n> ')}` : '.'}`, 2000);
}

/** Settled other than by a button: timed out, or the process ended. */
export function renderPlanClosed(outcome: PermissionOutcome): string {
  return outcome.by === 'timeout' ? '⌛ Nobody answered in time, so the plan was not approved.'
    : outcome.by === 'withdrawn' ? '⚪ Claude withdrew the plan (the turn was stopped).' : '⚪ The plan ended with its Claude Code process.';
}

/** Keeps the plan's text above the decision when the prompt is edited. */
export function withPlanHeader(content: string, line: string): string {
  const plan = content.replace(/^📋 <@\d+> /, '📋 ');
  return clip(`${clip(plan, 1900 - line.length)}\n${line}`, 2000);
}

/** The "Keep planning…" modal: what Claude should change (optional). */
export function feedbackModal(req: Pick<PermissionRequest, 'sessionId' | 'key'>): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(makeComponentId('plantext', req.sessionId, req.key, 'keep'))
    .setTitle('Keep planning')
    .addLabelComponents(new LabelBuilder().setLabel('What should Claude change?').setDescription('Sent to Claude with the plan, which stays in plan mode.')
      .setTextInputComponent(new TextInputBuilder().setCustomId('feedback').setStyle(TextInputStyle.Paragraph).setRequired(false).setMaxLength(FEEDBACK_MAX)));
}
