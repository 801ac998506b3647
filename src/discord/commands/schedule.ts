/**
 * `/claude schedule add when:<cron or phrase> prompt:<text> [thread:new|this]`, `list`, `pause`,
 * `resume`, `remove`: prompts run on a schedule, each run a turn like any other. Only the
 * schedule's owner (or an admin) may pause, resume or remove it; `list` shows one's own (an admin's:
 * all). Replies are ephemeral except `add`'s, which the channel may as well see.
 */
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { Automation } from '../../sessions/automation.js';
import type { ScheduleRecord } from '../../sessions/automation.js';
import { assertMayAct, isAdmin } from '../access.js';
import { placeOf, type BotContext } from '../context.js';
import { PROMPT_MAX } from './ask.js';
import type { Command } from './types.js';

const group = { name: 'schedule', description: 'Prompts that run on a schedule' };

function automationOf(bot: BotContext): Automation {
  if (!bot.automation) throw new Error('schedules are not wired in this bot');
  return bot.automation;
}

/** One line describing a schedule. */
export function describeSchedule(s: ScheduleRecord): string {
  const next = s.paused ? '⏸️ paused' : s.nextDueAt === null ? 'no further runs' : `next <t:${Math.floor(s.nextDueAt / 1000)}:R>`;
  const where = s.threadMode === 'new' ? `a new thread in <#${s.channelId}> each run` : `<#${s.channelId}>`;
  return `\`${s.id}\` · ${s.spec} (\`${s.cron}\`, ${s.tz}) · ${next} · ${where} · “${s.prompt.replace(/\s+/g, ' ').slice(0, 80)}”`;
}

const idOption = (verb: string) => (sub: Parameters<Command['data']>[0]) =>
  sub.addStringOption((o) => o.setName('id').setDescription(`The schedule to ${verb} (see /claude schedule list)`).setRequired(true).setAutocomplete(true));

/** The schedule named by the `id` option, if the user may act on it. */
function ownSchedule(interaction: ChatInputCommandInteraction, bot: BotContext): ScheduleRecord {
  const s = automationOf(bot).schedules.get(interaction.options.getString('id', true).trim());
  assertMayAct(interaction.user.id, s.ownerId, bot.policy);
  return s;
}

async function autocompleteIds(interaction: Parameters<NonNullable<Command['autocomplete']>>[0], bot: BotContext) {
  if (!bot.automation) return [];
  const typed = interaction.options.getFocused().toLowerCase();
  const all = isAdmin(interaction.user.id, bot.policy);
  return bot.automation.schedules.list()
    .filter((s) => (all || s.ownerId === interaction.user.id) && (s.id.includes(typed) || s.spec.toLowerCase().includes(typed)))
    .slice(0, 25).map((s) => ({ name: `${s.id} · ${s.spec} · ${s.prompt}`.slice(0, 100), value: s.id }));
}

const add = {
  name: 'schedule add',
  group,
  data: (sub) =>
    sub.setName('add').setDescription('Run a prompt on a schedule (cron, or e.g. "every weekday at 9:00")')
      .addStringOption((o) => o.setName('when').setDescription('Cron (0 9 * * 1-5) or a phrase: every weekday at 9:00, every 15 minutes').setRequired(true).setMaxLength(100))
      .addStringOption((o) => o.setName('prompt').setDescription('What Claude should do each time').setRequired(true).setMaxLength(PROMPT_MAX))
      .addStringOption((o) => o.setName('thread').setDescription('Each run in a new thread (default), or in this channel\'s session')
        .addChoices({ name: 'new thread each run', value: 'new' }, { name: 'this channel or thread', value: 'this' })),
  async execute({ interaction, bot }) {
    const p = placeOf(interaction);
    const wanted = interaction.options.getString('thread') ?? (p.parentId ? 'this' : 'new');
    const threadMode = wanted === 'new' && bot.threads ? 'new' : 'this';
    // A new thread per run opens in the channel, also when asked from inside a thread.
    const channelId = threadMode === 'new' && p.parentId ? p.parentId : p.channelId;
    const s = automationOf(bot).schedules.add({
      ownerId: p.userId, guildId: p.guildId, channelId, threadMode,
      spec: interaction.options.getString('when', true).trim(), prompt: interaction.options.getString('prompt', true),
    }, { often: isAdmin(p.userId, bot.policy) });
    await interaction.reply({ content: `⏰ Schedule added: ${describeSchedule(s)}\n-# \`/claude schedule pause id:${s.id}\` or \`remove\` to stop it.`, allowedMentions: { parse: [] } });
  },
} satisfies Command;

const list = {
  name: 'schedule list',
  group,
  data: (sub) => sub.setName('list').setDescription('Your schedules (an admin sees all)'),
  async execute({ interaction, bot }) {
    const all = isAdmin(interaction.user.id, bot.policy);
    const mine = automationOf(bot).schedules.list().filter((s) => all || s.ownerId === interaction.user.id);
    const text = mine.length === 0 ? 'No schedules yet. `/claude schedule add when:<…> prompt:<…>` makes one.'
      : mine.map(describeSchedule).join('\n').slice(0, 1900);
    await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
} satisfies Command;

const pause = {
  name: 'schedule pause',
  group,
  data: (sub) => idOption('pause')(sub.setName('pause').setDescription('Pause a schedule (no runs until resumed)')),
  async execute({ interaction, bot }) {
    const s = automationOf(bot).schedules.setPaused(ownSchedule(interaction, bot).id, true);
    await interaction.reply({ content: `⏸️ Paused: ${describeSchedule(s)}`, flags: MessageFlags.Ephemeral });
  },
  autocomplete: (i, _m, bot) => autocompleteIds(i, bot),
} satisfies Command;

const resume = {
  name: 'schedule resume',
  group,
  data: (sub) => idOption('resume')(sub.setName('resume').setDescription('Resume a paused schedule from its next time')),
  async execute({ interaction, bot }) {
    const s = automationOf(bot).schedules.setPaused(ownSchedule(interaction, bot).id, false);
    await interaction.reply({ content: `▶️ Resumed: ${describeSchedule(s)}`, flags: MessageFlags.Ephemeral });
  },
  autocomplete: (i, _m, bot) => autocompleteIds(i, bot),
} satisfies Command;

const remove = {
  name: 'schedule remove',
  group,
  data: (sub) => idOption('remove')(sub.setName('remove').setDescription('Delete a schedule')),
  async execute({ interaction, bot }) {
    const s = ownSchedule(interaction, bot);
    automationOf(bot).schedules.remove(s.id);
    await interaction.reply({ content: `🗑️ Removed schedule \`${s.id}\` (${s.spec}).`, flags: MessageFlags.Ephemeral });
  },
  autocomplete: (i, _m, bot) => autocompleteIds(i, bot),
} satisfies Command;

export const scheduleCommands: readonly Command[] = [add, list, pause, resume, remove];
