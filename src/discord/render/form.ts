/**
 * An MCP server's request for input (`elicitation`) as a Discord message: a form (**Fill in…**
 * opens a modal with one input per field — a text input for text and numbers, a select menu for
 * yes/no and choices, from the schema; Discord API docs, "Using Modal Components": ≤ 5 Label
 * components, each wrapping a Text Input or a String Select) or a link (a link button, then
 * **Done**), with **Decline** and **Cancel**.
 */
import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, LabelBuilder, ModalBuilder, StringSelectMenuBuilder, TextInputBuilder, TextInputStyle,
} from 'discord.js';
import { makeComponentId } from '../../core/ids.js';
import type { ElicitationOutcome, ElicitationRequest } from '../../sessions/elicitations.js';
import type { FormField } from '../../sessions/forms.js';
import { clip } from './question.js';

function describe(f: FormField): string {
  const kind = f.type === 'choice' ? 'one of the choices' : f.type === 'choices' ? 'one or more choices' : f.type === 'boolean' ? 'yes or no'
    : f.type === 'integer' ? 'a whole number' : f.type === 'number' ? 'a number' : f.format ?? 'text';
  return `• **${clip(f.label, 80)}** — ${kind}${f.required ? ', required' : ''}${f.description ? ` · ${clip(f.description, 150)}` : ''}`;
}

export function renderFormPrompt(req: ElicitationRequest, ownerId: string) {
  const id = (arg: string) => makeComponentId('form', req.sessionId, req.key, arg);
  const button = (arg: string, label: string, style: ButtonStyle) => new ButtonBuilder().setCustomId(id(arg)).setLabel(label).setStyle(style);
  const head = `📝 <@${ownerId}> **${clip(req.serverName, 80)}** (an MCP server) asks:\n> ${clip(req.message, 800).replace(/\n/g, '\n> ')}`;
  if (req.mode === 'url') {
    return {
      content: clip(`${head}\nOpen the link, then press **Done**.`, 2000),
      components: [new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setStyle(ButtonStyle.Link).setURL(req.url!).setLabel('Open link'),
        button('accept', 'Done', ButtonStyle.Success),
        button('decline', 'Decline', ButtonStyle.Danger),
        button('cancel', 'Cancel', ButtonStyle.Secondary),
      )],
      allowedMentions: { users: [ownerId] },
    };
  }
  return {
    content: clip(`${head}\n${req.fields.map(describe).join('\n')}`, 2000),
    components: [new ActionRowBuilder<ButtonBuilder>().addComponents(
      button('fill', 'Fill in…', ButtonStyle.Primary),
      button('decline', 'Decline', ButtonStyle.Danger),
      button('cancel', 'Cancel', ButtonStyle.Secondary),
    )],
    allowedMentions: { users: [ownerId] },
  };
}

/** The modal of a form: one Label per field (its custom id is the field's index). */
export function formModal(req: ElicitationRequest): ModalBuilder {
  const modal = new ModalBuilder().setCustomId(makeComponentId('formtext', req.sessionId, req.key, 'fill')).setTitle(clip(req.serverName, 45));
  req.fields.forEach((f, i) => {
    const label = new LabelBuilder().setLabel(clip(f.label, 45));
    if (f.description) label.setDescription(clip(f.description, 100));
    if (f.options) {
      const menu = new StringSelectMenuBuilder().setCustomId(String(i)).setRequired(f.required)
        .setMinValues(f.required ? Math.max(1, f.minItems ?? 1) : 0)
        .setMaxValues(f.type === 'choices' ? Math.min(f.options.length, f.maxItems ?? f.options.length) : 1)
        .addOptions(f.options.map((o) => ({ label: clip(o.label, 100), value: clip(o.value, 100), ...(o.value === f.defaultText ? { default: true } : {}) })));
      modal.addLabelComponents(label.setStringSelectMenuComponent(menu));
    } else {
      const input = new TextInputBuilder().setCustomId(String(i)).setRequired(f.required)
        .setStyle(f.type === 'string' && (f.maxLength ?? 4000) > 200 ? TextInputStyle.Paragraph : TextInputStyle.Short);
      if (f.type === 'string' && f.maxLength) input.setMaxLength(Math.min(4000, f.maxLength));
      if (f.type === 'string' && f.minLength) input.setMinLength(Math.min(4000, f.minLength));
      if (f.defaultText) input.setValue(clip(f.defaultText, 4000));
      if (f.type !== 'string' || f.format) input.setPlaceholder(clip(f.type === 'string' ? f.format! : f.type === 'integer' ? 'a whole number' : 'a number', 100));
      modal.addLabelComponents(label.setTextInputComponent(input));
    }
  });
  return modal;
}

/** The text once settled: the request, then what happened. */
export function renderFormSettled(content: string, req: ElicitationRequest, outcome: ElicitationOutcome): string {
  const head = content.split('\n').filter((l) => !l.startsWith('• ') && !l.startsWith('Open the link')).join('\n').replace(/^📝 <@\d+> /, '📝 ');
  const by = outcome.userId && /^\d+$/.test(outcome.userId) ? ` by <@${outcome.userId}>` : '';
  const line = outcome.by === 'timeout' ? '⌛ Nobody answered in time, so it was cancelled.'
    : outcome.by === 'process-ended' ? '⚪ The request ended with its Claude Code process.'
      : outcome.by === 'withdrawn' ? '⚪ Withdrawn (the turn was stopped).'
      : outcome.action === 'accept' ? (req.mode === 'url' ? `✅ Done${by}.` : `✅ Sent${by} (${req.fields.map((f) => f.label).join(', ')}).`)
        : outcome.action === 'decline' ? `❌ Declined${by}.` : `⚪ Cancelled${by}.`;
  return clip(`${clip(head, 1800)}\n${line}`, 2000);
}

/** Posted when a request cannot be shown in Discord (it was declined at once). */
export function renderFormRefused(req: ElicitationRequest, ownerId: string): string {
  return clip(`⚠️ <@${ownerId}> **${clip(req.serverName, 80)}** (an MCP server) asked for input Discord cannot show: ${req.refusal}. It was declined.\n> ${clip(req.message, 500)}`, 2000);
}
