/** `/claude sessions` and `/claude resume session:<id>`: see and pick up conversations of this directory. */
import { ActionRowBuilder, MessageFlags, StringSelectMenuBuilder, type ApplicationCommandOptionChoiceData, type AutocompleteInteraction } from 'discord.js';
import { makeComponentId } from '../../core/ids.js';
import { placeOf } from '../context.js';
import type { SessionListing } from '../../sessions/catalog.js';
import type { SessionManager } from '../../sessions/manager.js';
import { resumeHere } from '../operations/resume.js';
import type { Command } from './types.js';

/** "3 h ago"-style age. */
export function age(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

const describe = (l: SessionListing) => `${l.kind === 'terminal' ? 'terminal' : 'bridge'} · ${l.prompts} prompts · ${age(l.lastActivityMs)}`;

export function renderListing(list: SessionListing[]): string {
  if (list.length === 0) return 'No sessions in this working directory yet. `/claude ask` starts one.';
  const lines = list.slice(0, 20).map((l, i) =>
    `${i + 1}. ${l.notResumable ? '⚪' : '🟢'} **${l.title.replace(/[*_`~|]/g, '')}** — ${describe(l)}` +
    `${l.notResumable ? ` · not resumable: ${l.notResumable}` : ''}\n   \`${l.claudeSessionId}\``);
  const more = list.length > 20 ? `\n…and ${list.length - 20} more (\`/claude resume\` finds them by name).` : '';
  return (lines.join('\n') + more).slice(0, 2000);
}

async function resumableChoices(manager: SessionManager, interaction: AutocompleteInteraction): Promise<ApplicationCommandOptionChoiceData[]> {
  const q = interaction.options.getFocused().toLowerCase();
  const p = placeOf(interaction);
  return (await manager.listSessions(p.userId, manager.workspace.cwdFor(p.channelId, p.parentId)))
    .filter((l) => !l.notResumable && (l.title.toLowerCase().includes(q) || l.claudeSessionId.startsWith(q)))
    .slice(0, 25)
    .map((l) => ({ name: `${l.title.slice(0, 60)} — ${describe(l)}`.slice(0, 100), value: l.claudeSessionId }));
}

export const sessionsCommand = {
  name: 'sessions',
  data: (sub) => sub.setName('sessions').setDescription('List your sessions and terminal sessions of this working directory'),
  async execute({ interaction, manager }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const p = placeOf(interaction);
    const list = await manager.listSessions(p.userId, manager.workspace.cwdFor(p.channelId, p.parentId));
    const options = list.filter((l) => !l.notResumable).slice(0, 25).map((l) => ({
      label: l.title.slice(0, 100) || l.claudeSessionId, description: describe(l).slice(0, 100), value: l.claudeSessionId,
    }));
    const menu = new StringSelectMenuBuilder().setCustomId(makeComponentId('resume')).setPlaceholder('Resume one in this channel').addOptions(options);
    await interaction.editReply({
      content: renderListing(list),
      components: options.length > 0 ? [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)] : [],
    });
  },
} satisfies Command;

export const resumeCommand = {
  name: 'resume',
  data: (sub) =>
    sub.setName('resume').setDescription('Continue one of your sessions, or a terminal session, in this channel')
      .addStringOption((o) => o.setName('session').setDescription('Session (type to search)').setRequired(true).setAutocomplete(true)),
  async execute({ interaction, bot }) {
    // Not deferred: a refusal (not a UUID, not yours) must stay a private reply of its own.
    const content = await resumeHere(bot, interaction, interaction.options.getString('session', true));
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  },
  autocomplete: (interaction, manager) => resumableChoices(manager, interaction),
} satisfies Command;
