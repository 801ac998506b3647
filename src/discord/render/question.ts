/**
 * One of Claude's questions (`AskUserQuestion`) as a Discord message: the question, its options
 * with their descriptions, a button per option (up to five; a select menu beyond, or when several
 * may be chosen) and "Other…", which opens a modal for the user's own words. Limits from the Discord
 * API docs ("Message Components", "Using Modal Components"): 2000 chars of content, 5 buttons a row,
 * button labels ≤ 80 chars, select options ≤ 25 with labels and descriptions ≤ 100 chars, modal
 * titles ≤ 45 chars, text inputs ≤ 4000 chars.
 */
import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, LabelBuilder, ModalBuilder, StringSelectMenuBuilder, TextInputBuilder, TextInputStyle,
} from 'discord.js';
import { makeComponentId } from '../../core/ids.js';
import type { PermissionRequest } from '../../sessions/permissions.js';
import type { Question } from '../../sessions/questions.js';

/** Options shown as buttons at most; more go into a select menu. */
const MAX_BUTTONS = 5;
/** Longest free-text answer, chars. */
export const OTHER_MAX = 2000;

/** `text` cut to at most `max` characters, with `…` when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `header`: the question's chip, e.g. "❓ **Color** · question 1 of 2". */
function heading(req: PermissionRequest, index: number): string {
  const q = req.questions![index]!;
  const count = req.questions!.length > 1 ? ` · question ${index + 1} of ${req.questions!.length}` : '';
  return `❓ ${q.header ? `**${clip(q.header, 40)}**` : '**Claude asks**'}${count}`;
}

function body(q: Question): string {
  const options = q.options.map((o) => `• **${clip(o.label, 100)}**${o.description ? ` — ${clip(o.description, 200)}` : ''}`).join('\n');
  return `${clip(q.question, 600)}${q.multiSelect ? ' *(pick one or more)*' : ''}\n${options}`;
}

/** The message for question `index`; `mention`: the owner is mentioned (on the first one posted only). */
export function renderQuestion(req: PermissionRequest, index: number, ownerId: string, mention: boolean) {
  const q = req.questions![index]!;
  const content = clip(`${heading(req, index)}${mention ? ` <@${ownerId}>` : ''}\n${body(q)}`, 2000);
  const id = (action: 'qpick' | 'qmenu' | 'qother', arg: string) => makeComponentId(action, req.sessionId, req.key, arg);
  const other = new ButtonBuilder().setCustomId(id('qother', String(index))).setLabel('Other…').setStyle(ButtonStyle.Secondary);
  const rows: Array<ActionRowBuilder<ButtonBuilder> | ActionRowBuilder<StringSelectMenuBuilder>> = [];
  if (!q.multiSelect && q.options.length <= MAX_BUTTONS) {
    rows.push(new ActionRowBuilder<ButtonBuilder>().addComponents(q.options.map((o, i) =>
      new ButtonBuilder().setCustomId(id('qpick', `${index}.${i}`)).setLabel(clip(o.label, 80)).setStyle(ButtonStyle.Primary))));
  } else {
    const options = q.options.slice(0, 25);
    rows.push(new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(new StringSelectMenuBuilder()
      .setCustomId(id('qmenu', String(index)))
      .setPlaceholder(q.multiSelect ? 'Choose one or more…' : 'Choose one…')
      .setMinValues(1).setMaxValues(q.multiSelect ? options.length : 1)
      .addOptions(options.map((o, i) => ({ label: clip(o.label, 100), value: String(i), ...(o.description ? { description: clip(o.description, 100) } : {}) })))));
  }
  rows.push(new ActionRowBuilder<ButtonBuilder>().addComponents(other));
  return { content, components: rows, allowedMentions: { users: mention ? [ownerId] : [] } };
}

/** The text of a question once answered: the question, then what was chosen and by whom. */
export function renderQuestionAnswered(req: PermissionRequest, index: number, answer: string, userId: string): string {
  return clip(`${heading(req, index)}\n${clip(req.questions![index]!.question, 600)}\n✅ **${clip(answer, 1000)}** — answered by <@${userId}>`, 2000);
}

/** The text of a question that will not be answered any more (timed out, or its process ended). */
export function renderQuestionClosed(req: PermissionRequest, index: number, why: 'timeout' | 'process-ended' | 'withdrawn' | 'other'): string {
  const note = why === 'timeout' ? '⌛ Nobody answered in time; Claude was told so.'
    : why === 'process-ended' ? '⚪ The question ended with its Claude Code process.'
      : why === 'withdrawn' ? '⚪ Claude withdrew the question (the turn was stopped).'
      : '⚪ This question is closed.';
  return clip(`${heading(req, index)}\n${clip(req.questions![index]!.question, 600)}\n${note}`, 2000);
}

/** The "Other…" modal: one paragraph input for the user's own answer. */
export function otherModal(req: PermissionRequest, index: number): ModalBuilder {
  const q = req.questions![index]!;
  return new ModalBuilder()
    .setCustomId(makeComponentId('qtext', req.sessionId, req.key, String(index)))
    .setTitle(clip(q.header ? `Answer: ${q.header}` : 'Your answer', 45))
    .addLabelComponents(new LabelBuilder().setLabel(clip(q.question, 45)).setDescription(clip(q.question, 100))
      .setTextInputComponent(new TextInputBuilder().setCustomId('answer').setStyle(TextInputStyle.Paragraph).setRequired(true).setMaxLength(OTHER_MAX)));
}
