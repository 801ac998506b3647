/** `/claude model name:<model>`: the model for the next turns of this session (stored). */
import { MessageFlags } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import type { Command } from './types.js';

/** Claude Code's model aliases (CLI docs, "Model configuration"); `default` clears the choice. */
export const MODEL_ALIASES = ['default', 'sonnet', 'opus', 'haiku', 'opusplan', 'sonnet[1m]'] as const;
const FULL_ID = /^claude-[a-z0-9][a-z0-9.-]{2,80}(\[1m\])?$/;

export function isKnownModel(name: string): boolean {
  return (MODEL_ALIASES as readonly string[]).includes(name) || FULL_ID.test(name);
}

export const modelCommand = {
  name: 'model',
  data: (sub) =>
    sub.setName('model').setDescription('Choose the model for the next turns of this session')
      .addStringOption((o) => o.setName('name').setDescription('An alias (sonnet, opus, haiku…) or a full model id').setRequired(true).setAutocomplete(true)),
  requiresSession: true,
  async execute({ interaction, session }) {
    const name = interaction.options.getString('name', true).trim();
    if (!isKnownModel(name)) throw new BridgeError('MODEL_UNKNOWN', { name: name.slice(0, 80) });
    await session!.setModel(name === 'default' ? null : name);
    await interaction.reply({ content: `🧠 Model: **${name}**, from the next turn.`, flags: MessageFlags.Ephemeral });
  },
  async autocomplete(interaction) {
    const typed = interaction.options.getFocused().toLowerCase();
    const choices: string[] = MODEL_ALIASES.filter((m) => m.includes(typed));
    if (typed && FULL_ID.test(typed) && !choices.includes(typed)) choices.push(typed);
    return choices.slice(0, 25).map((m) => ({ name: m, value: m }));
  },
} satisfies Command;
