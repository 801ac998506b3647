/**
 * `HubBot`: the Discord side of `claude-bridge hub` (several machines, issue 12). It logs in (with
 * the Message Content intent when sessions talk in threads, going on without it if Discord refuses),
 * registers the hub's `/claude`, checks access, routes commands, the Stop and permission buttons,
 * the answers to Claude's questions and plans (buttons, menus, modals; owner or admin only), and
 * plain messages in session threads to {@link HubService}, and shows what the runners send through
 * its {@link HubPresenter}. It never runs `claude`: that happens on the runners.
 */
import { Client, Events, MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { BridgeError, makeErrorRef, userFacingMessage } from '../../core/errors.js';
import { isAskAction, parseComponentId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { HubService } from '../../hub/service.js';
import { assertAllowed, type AccessPolicy } from '../access.js';
import { handleAsk } from '../asks/answers.js';
import { placeOf } from '../context.js';
import { DisallowedIntentsError, intentsFor, loginAndWait, MESSAGE_CONTENT_HELP } from '../login.js';
import { registerCommands } from '../registration.js';
import { assertMayActOn, buildHubCommand, runHubCommand, type HubCommandContext } from './commands.js';
import { HubInbox } from './inbox.js';
import { HubPresenter } from './presenter.js';

export interface HubBotOptions extends AccessPolicy {
  token: string;
  /** REST base, e.g. `https://discord.com/api`. */
  apiUrl: string;
  guildId?: string;
  /** Plain messages in a thread where the user has a session go on talking to it. */
  threads: boolean;
  maxInlineChunks: number;
  /** Largest file uploaded, bytes. */
  maxUploadBytes: number;
  hub: HubService;
  /** Where the hash of the last registered `/claude` is kept. */
  commandStamp?: string;
  log: Logger;
}

export class HubBot {
  private client: Client;
  private readonly log: Logger;
  private readonly ctx: HubCommandContext;
  readonly presenter: HubPresenter;
  private readonly inbox: HubInbox;

  constructor(private readonly o: HubBotOptions) {
    this.log = o.log.child({ component: 'hub-discord' });
    this.ctx = { hub: o.hub, threads: o.threads, lend: (id, target) => this.presenter.lend(id, target), policy: { allowedUserIds: o.allowedUserIds, allowedRoleIds: o.allowedRoleIds, adminUserIds: o.adminUserIds }, log: this.log };
    this.inbox = new HubInbox({ client: () => this.client, hub: o.hub, policy: this.ctx.policy, log: this.log });
    this.client = this.makeClient(o.threads);
    this.presenter = new HubPresenter({ client: () => this.client, hub: o.hub, log: this.log, maxInlineChunks: o.maxInlineChunks, maxUploadBytes: o.maxUploadBytes });
  }

  /** Logs in, registers `/claude`, then starts showing the runners' events. @throws what login or registration throw */
  async start(): Promise<void> {
    try {
      await loginAndWait(this.client, this.o.token);
    } catch (err) {
      if (!(err instanceof DisallowedIntentsError)) throw err;
      this.log.error(MESSAGE_CONTENT_HELP);
      await this.client.destroy();
      this.client = this.makeClient(false);
      await loginAndWait(this.client, this.o.token);
    }
    const registration = await registerCommands(this.client.application!, [buildHubCommand()], this.o.guildId, this.o.commandStamp, this.log);
    await this.o.hub.start(this.presenter);
    this.log.info({ user: this.client.user?.tag, guild: this.o.guildId ?? 'global', registration }, 'hub ready; /claude registered');
    if (this.o.threads) await this.inbox.catchUp(); // messages sent while the hub was away, then live ones
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  private makeClient(messageContent: boolean): Client {
    const client = new Client({ intents: intentsFor({ threads: this.o.threads, messageContent }), rest: { api: this.o.apiUrl } });
    client.on(Events.InteractionCreate, (i) => void this.route(i));
    if (this.o.threads) client.on(Events.MessageCreate, (m) => this.inbox.onMessage(m));
    client.on(Events.Error, (err) => this.log.error({ err }, 'discord client error'));
    return client;
  }

  private async route(interaction: Interaction): Promise<void> {
    let audit: { kind: 'command' | 'button'; action: string; sessionId: string | null } | null = null;
    try {
      if (interaction.isChatInputCommand() && interaction.commandName === 'claude') {
        audit = { kind: 'command', action: interaction.options.getSubcommand(), sessionId: null };
        assertAllowed(interaction, this.ctx.policy);
        await runHubCommand(interaction, this.ctx);
      } else if (interaction.isMessageComponent() || interaction.isModalSubmit()) {
        const id = parseComponentId(interaction.customId);
        if (!id) return; // not one of ours
        audit = { kind: 'button', action: id.action, sessionId: 'sessionId' in id ? id.sessionId : null };
        assertAllowed(interaction, this.ctx.policy);
        const p = placeOf(interaction);
        if (isAskAction(id.action) && 'arg' in id) {
          // A question's option, menu or "Other…", a plan's button or "Keep planning…" (and their modals).
          assertMayActOn(this.ctx, id.sessionId, p.userId);
          await handleAsk(interaction, id, this.presenter.asks.answerer(id.sessionId, p, interaction.id));
        } else if (!interaction.isButton()) {
          throw new BridgeError('NOT_ON_HUB', { what: `the ${id.action} menu` });
        } else if (id.action === 'stop' && 'turnId' in id) {
          assertMayActOn(this.ctx, id.sessionId, p.userId);
          await interaction.deferUpdate(); // within Discord's 3 s, whatever NATS does
          await this.o.hub.interrupt(id.sessionId, p, interaction.id, id.turnId);
        } else if ((id.action === 'allow' || id.action === 'deny' || id.action === 'always') && 'key' in id) {
          assertMayActOn(this.ctx, id.sessionId, p.userId);
          await interaction.deferUpdate();
          await this.o.hub.answerPermission(id.sessionId, id.key, id.action, p, interaction.id);
          // Sent: a refusal (answered already, timed out) comes back from the runner and is told in the channel.
          const tool = this.o.hub.prompt(id.sessionId, id.key)?.tool ?? 'the tool';
          const said = id.action === 'deny' ? '❌ Denied' : '✅ Allowed';
          await interaction.editReply({ content: `${said}: **${tool}**${id.action === 'always' ? ' (always, in this session)' : ''}, by <@${p.userId}>`, components: [], allowedMentions: { parse: [] } });
        } else {
          throw new BridgeError('NOT_ON_HUB', { what: `the ${id.action} button` });
        }
      }
      if (audit) this.o.hub.audit({ ...audit, userId: interaction.user.id, channelId: interaction.channelId, result: 'ok', detail: null });
    } catch (err) {
      const ref = await this.fail(interaction, err);
      if (audit) {
        this.o.hub.audit({
          ...audit, userId: interaction.user.id, channelId: interaction.channelId,
          result: err instanceof BridgeError ? 'refused' : 'error', detail: err instanceof BridgeError ? err.code : ref,
        });
      }
    }
  }

  /** Tells the user (a safe text) and logs the detail. @returns the error's reference */
  private async fail(interaction: Interaction, err: unknown): Promise<string> {
    const ref = makeErrorRef();
    if (err instanceof BridgeError) this.log.info({ code: err.code, user: interaction.user.id }, 'refused');
    else this.log.error({ err, ref, user: interaction.user.id }, 'interaction failed');
    if (!interaction.isRepliable()) return ref;
    await reply(interaction, userFacingMessage(err, ref)).catch((e: unknown) => this.log.warn({ err: e, ref }, 'could not tell the user about an error'));
    return ref;
  }
}

/** Ephemeral when nothing was sent yet; else into the deferred reply. */
async function reply(interaction: RepliableInteraction, content: string): Promise<void> {
  // Never a ping: a runner's refusal text is in here.
  const allowedMentions = { parse: [] as never[] };
  if (interaction.deferred && !interaction.replied && !interaction.isMessageComponent()) await interaction.editReply({ content: `⚠️ ${content}`, components: [], allowedMentions });
  else if (interaction.replied || interaction.deferred) await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions });
  else await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions });
}
