/**
 * `/claude trigger add name:<n> prompt:<template>`, `list`, `remove`: prompts started by a signed
 * `POST /triggers/<name>` (see `sessions/triggers.ts`). The secret is shown once, privately, with
 * a ready-to-run example; the bot keeps it only to verify signatures and never logs it. Each
 * request's run opens a thread in the channel where the trigger was made (or answers in the
 * channel with `THREADS=false`).
 */
import { MessageFlags } from 'discord.js';
import type { Automation } from '../../sessions/automation.js';
import type { TriggerRecord } from '../../sessions/automation.js';
import { assertMayAct, isAdmin } from '../access.js';
import { placeOf, type BotContext } from '../context.js';
import { PROMPT_MAX } from './ask.js';
import type { Command } from './types.js';

const group = { name: 'trigger', description: 'Prompts started by signed HTTP requests (webhooks, CI)' };

function automationOf(bot: BotContext): Automation {
  if (!bot.automation) throw new Error('triggers are not wired in this bot');
  return bot.automation;
}

function describeTrigger(t: TriggerRecord): string {
  return `\`${t.name}\` · <#${t.channelId}> · by <@${t.ownerId}> · “${t.prompt.replace(/\s+/g, ' ').slice(0, 80)}”`;
}

/** The private answer to `trigger add`: the secret, once, and how to sign a request with it. */
export function secretMessage(t: TriggerRecord, url: string): string {
  return [
    `🪝 Trigger \`${t.name}\` added. Its secret (shown only now — keep it where the sender keeps secrets):`,
    `||\`${t.secret}\`||`,
    'Send the body signed with it, as GitHub signs webhooks (a GitHub webhook with this secret works as is):',
    '```sh',
    `BODY='{"ref":"main"}'`,
    `SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac '<secret>' | sed 's/^.* //')`,
    `curl -X POST ${url}/triggers/${t.name} -H "X-Delivery-Id: $(uuidgen)" -H "X-Signature-256: sha256=$SIG" --data "$BODY"`,
    '```',
    '-# The body (≤ 64 KiB) reaches Claude as an attached file; the prompt is always the one stored here.',
  ].join('\n');
}

const add = {
  name: 'trigger add',
  group,
  data: (sub) =>
    sub.setName('add').setDescription('A prompt started by a signed POST /triggers/<name>; shows its secret once')
      .addStringOption((o) => o.setName('name').setDescription('Lowercase letters, digits, - and _ (the URL path)').setRequired(true).setMaxLength(32))
      .addStringOption((o) => o.setName('prompt').setDescription('What Claude should do with each request (its body comes as a file)').setRequired(true).setMaxLength(PROMPT_MAX)),
  async execute({ interaction, bot }) {
    const p = placeOf(interaction);
    const automation = automationOf(bot);
    const t = automation.triggers.add({
      name: interaction.options.getString('name', true).trim(), ownerId: p.userId, guildId: p.guildId,
      channelId: p.parentId ?? p.channelId, prompt: interaction.options.getString('prompt', true),
    });
    await interaction.reply({ content: secretMessage(t, automation.triggers.url ?? 'http://127.0.0.1:<TRIGGER_PORT>'), flags: MessageFlags.Ephemeral });
  },
} satisfies Command;

const list = {
  name: 'trigger list',
  group,
  data: (sub) => sub.setName('list').setDescription('Your triggers (an admin sees all)'),
  async execute({ interaction, bot }) {
    const all = isAdmin(interaction.user.id, bot.policy);
    const mine = automationOf(bot).triggers.list().filter((t) => all || t.ownerId === interaction.user.id);
    const text = mine.length === 0 ? 'No triggers yet. `/claude trigger add name:<…> prompt:<…>` makes one.' : mine.map(describeTrigger).join('\n').slice(0, 1900);
    await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
} satisfies Command;

const remove = {
  name: 'trigger remove',
  group,
  data: (sub) =>
    sub.setName('remove').setDescription('Delete a trigger (its secret stops working at once)')
      .addStringOption((o) => o.setName('name').setDescription('The trigger').setRequired(true).setMaxLength(32)),
  async execute({ interaction, bot }) {
    const automation = automationOf(bot);
    const t = automation.triggers.get(interaction.options.getString('name', true).trim());
    assertMayAct(interaction.user.id, t.ownerId, bot.policy);
    automation.triggers.remove(t.name);
    await interaction.reply({ content: `🗑️ Removed trigger \`${t.name}\`.`, flags: MessageFlags.Ephemeral });
  },
} satisfies Command;

export const triggerCommands: readonly Command[] = [add, list, remove];
