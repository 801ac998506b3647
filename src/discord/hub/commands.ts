/**
 * The hub's `/claude` (several machines, issue 12): `ask`, `stop`, `sessions`, `project`, `runners`,
 * `model`, `mode`, `export`
 * — what works across machines today. Each handler checks, acknowledges and hands the work to
 * {@link HubService}; the answer is shown by the hub's presenter when the runner's events come.
 */
import { AttachmentBuilder, DiscordAPIError, MessageFlags, SlashCommandBuilder, ThreadAutoArchiveDuration, type ChatInputCommandInteraction, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { BridgeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { HubService, PermissionModeName } from '../../hub/service.js';
import { isOnline } from '../../hub/ui.js';
import type { SessionListing } from '../../sessions/catalog.js';
import { assertMayAct, isAdmin, type AccessPolicy } from '../access.js';
import { age, renderListing } from '../commands/sessions.js';
import { isKnownModel, MODEL_ALIASES } from '../commands/model.js';
import { PERMISSION_MODES } from '../commands/mode.js';
/** The command's name, as in the all-in-one bridge. */
const COMMAND_NAME = 'claude';
import { placeOf } from '../context.js';
import { makeReplyRef } from '../reply-ref.js';
import { excerpt, threadName } from '../operations/thread.js';
import { interactionTarget, pendingTarget, postedLaterTarget } from '../render/targets.js';
import { nonceOf } from '../nonce.js';
import type { ReplyTarget } from '../render/turn-view.js';

export interface HubCommandContext {
  hub: HubService;
  /** Lends an interaction's reply to the turn it starts (`HubPresenter.lend`). */
  lend: (interactionId: string, target: ReplyTarget) => void;
  /** `/claude ask` in a channel opens a thread for the session (`THREADS`). */
  threads: boolean;
  policy: AccessPolicy;
  log: Logger;
}

/** What a user sees while the runner is away: the message waits in its queue (JetStream). */
export const offlineNote = (runner: string) => `-# ⏳ Runner \`${runner}\` is offline; your message is queued and will be answered when it is back.`;
/** What a user sees while the hub cannot reach NATS: the message is kept in the hub's store and sent once it can. */
export const natsAwayNote = '-# ⏳ The hub cannot reach its runners right now; your message is kept and will be sent and answered once it can.';

export function buildHubCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return new SlashCommandBuilder().setName(COMMAND_NAME).setDescription('Drive Claude Code on your machines')
    .addSubcommand((s) => s.setName('ask').setDescription('Ask Claude (continues your session in this channel)')
      .addStringOption((o) => o.setName('prompt').setDescription('What you want Claude to do').setRequired(true).setMaxLength(6000)))
    .addSubcommand((s) => s.setName('stop').setDescription('Stop the answer being written in your session here'))
    .addSubcommand((s) => s.setName('sessions').setDescription('Your sessions and the terminal sessions on this channel\'s runner(s)')
      .addStringOption((o) => o.setName('dir').setDescription('Directory on the runner (default: the channel\'s)').setMaxLength(1000)))
    .addSubcommand((s) => s.setName('project').setDescription('(admins) Bind this channel and its threads to a runner and a directory on it')
      .addStringOption((o) => o.setName('runner').setDescription('Runner name (`/claude runners`)').setRequired(true).setMaxLength(32))
      .addStringOption((o) => o.setName('path').setDescription('Directory inside that runner\'s workspace').setRequired(true).setMaxLength(1000)))
    .addSubcommand((s) => s.setName('runners').setDescription('The machines Claude Code runs on: online, sessions, version'))
    .addSubcommand((s) => s.setName('export').setDescription('Post your session\'s conversation here as a file')
      .addStringOption((o) => o.setName('format').setDescription('markdown (default), json, or the raw jsonl transcript')
        .addChoices({ name: 'markdown', value: 'markdown' }, { name: 'json', value: 'json' }, { name: 'jsonl', value: 'jsonl' })))
    .addSubcommand((s) => s.setName('model').setDescription('Choose the model for the next turns of your session here')
      .addStringOption((o) => o.setName('name').setDescription('An alias (sonnet, opus, haiku…) or a full model id').setRequired(true).setMaxLength(90)
        .addChoices(...MODEL_ALIASES.map((m) => ({ name: m, value: m })))))
    .addSubcommand((s) => s.setName('mode').setDescription('Set your session\'s permission mode (plan, acceptEdits…) from the next turn')
      .addStringOption((o) => o.setName('to').setDescription('The permission mode').setRequired(true)
        .addChoices(...PERMISSION_MODES.map((m) => ({ name: `${m.mode} — ${m.what}`.slice(0, 100), value: m.mode })))))
    .toJSON();
}

/** Runs one hub subcommand. @throws BridgeError with what the user is told */
export async function runHubCommand(interaction: ChatInputCommandInteraction, c: HubCommandContext): Promise<void> {
  const p = placeOf(interaction);
  switch (interaction.options.getSubcommand()) {
    case 'ask': {
      const prompt = interaction.options.getString('prompt', true).trim();
      if (!prompt) throw new BridgeError('PROMPT_EMPTY');
      if (c.threads && !interaction.channel?.isThread()) return askInThread(interaction, prompt, p, c);
      // In place (in a thread, or without THREADS): the message goes to its runner while Discord
      // takes the deferral, as the all-in-one does (operations/answer.ts). Its answer is this reply:
      // through the interaction's token while this process holds it (lent; its first edit ends
      // "thinking…"), by the reply's message id — stored once Discord returns it — after a restart.
      const deferring = interaction.deferReply({ withResponse: true });
      const replyRef = makeReplyRef({ channelId: p.channelId, via: interaction.id });
      c.lend(interaction.id, pendingTarget(deferring.then(
        (d) => interactionTarget(interaction, { messageId: d.resource?.message?.id, log: c.log }),
        () => postedLaterTarget(interaction.client, p.channelId, nonceOf('interaction', interaction.id)), // not acknowledged: a channel message
      )));
      let sent: Awaited<ReturnType<HubService['send']>>;
      try {
        sent = await c.hub.send(p, prompt, { source: interaction.id, replyRef });
      } finally {
        await deferring.catch(() => undefined); // an error is told in the acknowledged reply
      }
      c.log.info({ command: sent.commandId, runner: sent.runner, online: sent.online, published: sent.published }, 'message sent to a runner');
      const messageId = await deferring.then((d) => d.resource?.message?.id, (err: unknown) => {
        c.log.warn({ err, interaction: interaction.id }, 'interaction not acknowledged; the answer goes to a channel message');
        return undefined;
      });
      if (messageId) c.hub.replyPosted(replyRef, makeReplyRef({ channelId: p.channelId, messageId, via: interaction.id }));
      const note = !sent.published ? natsAwayNote : !sent.online ? offlineNote(sent.runner) : null;
      if (note && messageId) await interaction.editReply({ content: note });
      return;
    }
    case 'stop': {
      const s = c.hub.currentSession(p.userId, p.channelId);
      if (!s) throw new BridgeError('NO_SESSION');
      await interaction.deferReply({ flags: MessageFlags.Ephemeral }); // within Discord's 3 s, whatever NATS does
      await c.hub.interrupt(s.sessionId, p, interaction.id);
      await interaction.editReply({ content: '⏹️ Stopping the answer…' });
      return;
    }
    case 'project': {
      if (!isAdmin(p.userId, c.policy)) throw new BridgeError('NOT_ADMIN');
      const runner = interaction.options.getString('runner', true).trim();
      const dir = interaction.options.getString('path', true).trim();
      if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(runner)) throw new BridgeError('RUNNER_UNKNOWN', { name: runner.slice(0, 32) });
      await interaction.deferReply();
      const outcome = await c.hub.bind(p.channelId, runner, dir, p.userId, interaction.id);
      await interaction.editReply({
        content: outcome === 'bound'
          ? `📁 New sessions in <#${p.channelId}> now run on \`${runner}\`, in \`${dir}\`. Sessions already running stay where they are.`
          : `📁 <#${p.channelId}> is bound to \`${runner}\`; it is offline, so \`${dir}\` applies when it is back (a wrong directory is reported here then).`,
      });
      return;
    }
    case 'runners': {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const now = Date.now();
      const list = await c.hub.runners();
      const lines = list.map((r) => `${isOnline(r, now) ? '🟢' : '🔴'} **${r.name}** — ${r.live}/${r.max} sessions · v${r.version} · seen ${age(r.lastSeen, now)}`);
      await interaction.editReply({
        content: lines.length > 0 ? lines.join('\n') : 'No runner has been seen in the last 30 s. On each machine: `claude-bridge runner --name <name>`.',
      });
      return;
    }
    case 'sessions': {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const dir = interaction.options.getString('dir')?.trim() || null;
      const bound = c.hub.place(p.channelId) ?? (p.parentId ? c.hub.place(p.parentId) : null);
      // Every online runner (and the channel's own, even offline): the channel's directory on its runner, the default directory elsewhere.
      const online = (await c.hub.runners()).filter((r) => isOnline(r, Date.now())).map((r) => r.name);
      const runners = [...new Set([...(bound ? [bound.runner] : []), ...online])];
      if (runners.length === 0) throw new BridgeError('NO_RUNNER');
      const parts = await Promise.all(runners.map(async (name) => {
        const reply = await c.hub.sessions(name, p.userId, dir ?? (name === bound?.runner ? bound.dir : null)).catch((err: unknown) => {
          c.log.info({ err, runner: name }, 'sessions request not answered');
          return null;
        });
        if (!reply) return `**${name}** — offline, or did not answer.`;
        if (!reply.ok) return `**${name}** — ⚠️ ${reply.message}`;
        if (reply.body.type !== 'sessions') return `**${name}** — ⚠️ unexpected reply.`;
        return `**${name}** · \`${reply.body.cwd}\`\n${renderListing(reply.body.sessions as SessionListing[])}`;
      }));
      await interaction.editReply({ content: parts.join('\n\n').slice(0, 2000) });
      return;
    }
    case 'export': {
      const s = c.hub.currentSession(p.userId, p.channelId) ?? c.hub.channelSession(p.channelId);
      if (!s) throw new BridgeError('NO_SESSION');
      assertMayActOn(c, s.sessionId, p.userId);
      await interaction.deferReply();
      const format = (interaction.options.getString('format') ?? 'markdown') as 'markdown' | 'json' | 'jsonl';
      const file = await c.hub.export(s.sessionId, format);
      const note = file.brokenLines > 0 ? ` (${file.brokenLines} broken transcript lines skipped)` : '';
      await interaction.editReply({
        content: `📄 The conversation as ${format}, from runner \`${s.runner}\`, ${(file.data.length / 1024).toFixed(1)} KiB${note}.`,
        files: [new AttachmentBuilder(file.data, { name: file.name })],
      });
      return;
    }
    case 'model': case 'mode': {
      const s = c.hub.currentSession(p.userId, p.channelId);
      if (!s) throw new BridgeError('NO_SESSION');
      const model = interaction.options.getSubcommand() === 'model' ? interaction.options.getString('name', true).trim() : undefined;
      const mode = interaction.options.getSubcommand() === 'mode' ? interaction.options.getString('to', true) : undefined;
      if (model !== undefined && !isKnownModel(model)) throw new BridgeError('MODEL_UNKNOWN', { name: model.slice(0, 80) });
      if (mode !== undefined && !PERMISSION_MODES.some((m) => m.mode === mode)) throw new BridgeError('INVALID_ID', { kind: 'permission mode' });
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const taken = await c.hub.settings(s.sessionId, p, interaction.id, model !== undefined
        ? { model: model === 'default' ? null : model } : { permissionMode: mode as PermissionModeName });
      const what = model !== undefined ? `🧠 Model: **${model}**` : `🛡️ Permission mode: **${mode}**`;
      await interaction.editReply({ content: taken ? `${what}, from the next turn.` : `${what}, once runner \`${s.runner}\` is back (it is offline now).` });
      return;
    }
    default:
      throw new BridgeError('NOT_ON_HUB', { what: `/claude ${interaction.options.getSubcommand()}` });
  }
}

/**
 * `/claude ask` in a channel with `THREADS`: the prompt shown as the reply, a thread opened on it
 * (its id is the reply's), the session there; the answer is posted in the thread.
 */
async function askInThread(interaction: ChatInputCommandInteraction, prompt: string, p: ReturnType<typeof placeOf>, c: HubCommandContext): Promise<void> {
  const deferred = await interaction.deferReply({ withResponse: true });
  const messageId = deferred.resource?.message?.id;
  if (!messageId) throw new Error('the deferred reply has no message id');
  await c.hub.runnerFor(p.channelId, p.parentId); // no runner at all: say so before opening a thread
  const thread = await openThread(interaction, prompt, c);
  if (thread) c.hub.messageTaken(thread, thread); // its messages, from the first, are caught up after a hub restart
  const place = thread ? { ...p, channelId: thread, parentId: p.channelId } : p;
  const replyRef = makeReplyRef(thread ? { channelId: thread } : { channelId: p.channelId, messageId });
  const sent = await c.hub.send(place, prompt, { source: interaction.id, replyRef });
  c.log.info({ command: sent.commandId, runner: sent.runner, online: sent.online, published: sent.published, thread }, 'message sent to a runner');
  const note = !sent.published ? natsAwayNote : !sent.online ? offlineNote(sent.runner) : null;
  if (note) await interaction.followUp({ content: note });
}

/** Discord: Missing Permissions, Missing Access — the bot may not open threads here. */
const NO_THREAD_RIGHTS = new Set([50013, 50001]);

/**
 * Shows the prompt as the reply and opens a public thread on it (its id is the reply's: Discord
 * API, "Start Thread from Message"). @returns the thread's id, or `null` (and a note) when the bot
 * may not open threads here: then the answer comes in the channel.
 */
async function openThread(interaction: ChatInputCommandInteraction, prompt: string, c: HubCommandContext): Promise<string | null> {
  const reply = await interaction.editReply({ content: `🧵 <@${interaction.user.id}> asked Claude Code:\n>>> ${excerpt(prompt, 1800)}`, allowedMentions: { parse: [] } });
  try {
    return (await reply.startThread({ name: threadName(prompt), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay })).id;
  } catch (err) {
    if (!(err instanceof DiscordAPIError && NO_THREAD_RIGHTS.has(Number(err.code)))) throw err;
    c.log.warn({ err, channel: interaction.channelId }, 'may not open a thread here; answering in the channel');
    await interaction.followUp({ content: '-# A thread could not be opened here (the bot needs "Create Public Threads"), so the answer is in the channel.' });
    return null;
  }
}

/** The session's owner or an admin may stop it or answer its prompts. @throws BridgeError `SESSION_NOT_FOUND`, `NOT_SESSION_OWNER` */
export function assertMayActOn(c: HubCommandContext, sessionId: string, userId: string): void {
  const s = c.hub.session(sessionId);
  if (!s) throw new BridgeError('SESSION_NOT_FOUND');
  assertMayAct(userId, s.ownerId, c.policy);
}
