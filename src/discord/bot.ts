/**
 * `DiscordBot`: the transport adapter. Logs in with discord.js, registers `/claude` on ready (in
 * `guildId` when given, else globally), checks access, and routes interactions to their handlers.
 * Users see only safe texts; everything else is logged with a reference they can quote.
 */
import { Client, Events, GatewayIntentBits, MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { BridgeError, makeErrorRef, userFacingMessage } from '../core/errors.js';
import { parseComponentId, parseSnowflake } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { RestoredTurn, SessionManager } from '../sessions/manager.js';
import type { PermissionOutcome, PermissionRequest } from '../sessions/permissions.js';
import type { Session } from '../sessions/session.js';
import { assertAllowed, isAllowed, type AccessPolicy } from './access.js';
import { parseReplyRef } from './reply-ref.js';
import { renderPermissionOutcome, renderPermissionPrompt } from './render/permission.js';
import { channelTarget } from './render/targets.js';
import { TurnView } from './render/turn-view.js';
import { buildClaudeCommand, COMMAND_NAME, SUBCOMMANDS } from './commands/index.js';
import { handleComponent } from './components.js';

export interface DiscordBotOptions extends AccessPolicy {
  token: string;
  /** REST base, e.g. `https://discord.com/api` (discord.js `rest.api`). */
  apiUrl: string;
  guildId?: string;
  manager: SessionManager;
  log: Logger;
}

export class DiscordBot {
  readonly client: Client;
  private readonly log: Logger;
  private readonly ready: Promise<void>;
  /** Where each waiting permission prompt was posted, by request key. */
  private readonly prompts = new Map<string, { channelId: string; messageId: string }>();

  constructor(private readonly opts: DiscordBotOptions) {
    this.log = opts.log.child({ component: 'discord' });
    this.client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: opts.apiUrl } });
    this.ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    this.client.on(Events.InteractionCreate, (i) => void this.route(i));
    this.client.on(Events.Error, (err) => this.log.error({ err }, 'discord client error'));
    // Subscribed now, before sessions are restored: a request replayed at start-up waits for login.
    opts.manager.on('permission', (session, req) => void this.askPermission(session, req));
    opts.manager.on('permissionSettled', (_session, req, outcome) => void this.permissionSettled(req, outcome));
  }

  /** Logs in and registers the command; resolves when both are done. */
  async start(): Promise<void> {
    await this.client.login(this.opts.token);
    await this.ready;
    const body = [buildClaudeCommand()];
    if (this.opts.guildId) await this.client.application!.commands.set(body, this.opts.guildId);
    else await this.client.application!.commands.set(body);
    this.log.info({ user: this.client.user?.tag, guild: this.opts.guildId ?? 'global' }, `ready; /${COMMAND_NAME} registered`);
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  /**
   * Shows turns picked up after a restart in the messages they were answering in (channel edits
   * with the bot token), then marks them delivered. A turn with no usable reply ref is only logged.
   */
  showRestored(restored: readonly RestoredTurn[]): void {
    for (const { session, turn } of restored) {
      const ref = parseReplyRef(turn.replyRef);
      const log = this.log.child({ session: session.id, turn: turn.id });
      if (!ref) {
        log.warn('restored turn has no reply message; its answer is only in the transcript');
        void turn.done.then(() => session.delivered(turn));
        continue;
      }
      void new TurnView(channelTarget(this.client, ref), turn, session.id, { log, alreadyStarted: true })
        .run()
        .then(() => session.delivered(turn))
        .catch((err) => log.error({ err }, 'could not show a restored turn'));
    }
  }

  /** Posts a permission request in the session's channel, mentioning its owner. */
  private async askPermission(session: Session, req: PermissionRequest): Promise<void> {
    await this.ready;
    const channelId = session.record.channelId;
    try {
      const channel = this.client.channels.cache.get(channelId) ?? (await this.client.channels.fetch(channelId));
      if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
      const message = await channel.send(renderPermissionPrompt(req, session.record.ownerId));
      this.prompts.set(req.key, { channelId, messageId: message.id });
    } catch (err) {
      this.log.error({ err, session: session.id, tool: req.toolName }, 'could not post a permission request; denying it');
      await session.decidePermission(req.key, 'deny', 'nobody');
    }
  }

  /** Settled other than by a button (timeout, always-allow, process gone): the prompt says so. */
  private async permissionSettled(req: PermissionRequest, outcome: PermissionOutcome): Promise<void> {
    const where = this.prompts.get(req.key);
    this.prompts.delete(req.key);
    if (!where || outcome.by === 'user') return; // the button's own update already said so
    const channel = this.client.channels.cache.get(where.channelId);
    if (!channel?.isSendable()) return;
    await channel.messages.edit(where.messageId, { content: renderPermissionOutcome(req, outcome), components: [] })
      .catch((err) => this.log.warn({ err }, 'could not update a permission prompt'));
  }

  private async route(interaction: Interaction): Promise<void> {
    const { manager } = this.opts;
    try {
      if (interaction.isAutocomplete() && interaction.commandName === COMMAND_NAME) {
        const command = SUBCOMMANDS.find((c) => c.name === interaction.options.getSubcommand());
        const allowed = isAllowed(interaction, this.opts);
        await interaction.respond(allowed && command?.autocomplete ? await command.autocomplete(interaction, manager) : []);
      } else if (interaction.isChatInputCommand() && interaction.commandName === COMMAND_NAME) {
        assertAllowed(interaction, this.opts);
        const name = interaction.options.getSubcommand();
        const command = SUBCOMMANDS.find((c) => c.name === name);
        if (!command) throw new Error(`unknown subcommand ${name}`);
        const session = command.requiresSession
          ? manager.getCurrentSession(parseSnowflake(interaction.user.id), parseSnowflake(interaction.channelId))
          : null;
        if (command.requiresSession && !session) throw new BridgeError('NO_SESSION');
        await command.execute({ interaction, manager, log: this.log, session });
      } else if (interaction.isMessageComponent()) {
        const parsed = parseComponentId(interaction.customId);
        if (!parsed) return; // not one of ours
        assertAllowed(interaction, this.opts);
        await handleComponent(interaction, parsed, { manager, log: this.log });
      }
    } catch (err) {
      if (interaction.isAutocomplete()) return void (await interaction.respond([]).catch(() => undefined));
      await this.fail(interaction, err);
    }
  }

  private async fail(interaction: Interaction, err: unknown): Promise<void> {
    const ref = makeErrorRef();
    if (err instanceof BridgeError) this.log.info({ code: err.code, user: interaction.user.id }, 'refused');
    else this.log.error({ err, ref, user: interaction.user.id }, 'interaction failed');
    if (!interaction.isRepliable()) return;
    const content = userFacingMessage(err, ref);
    await reply(interaction, content).catch((e) => this.log.warn({ err: e, ref }, 'could not tell the user about an error'));
  }
}

/** Ephemeral when nothing was sent yet; else into the deferred reply (so it does not stay "thinking…"). */
async function reply(interaction: RepliableInteraction, content: string): Promise<void> {
  if (interaction.deferred && !interaction.replied) await interaction.editReply({ content: `⚠️ ${content}`, components: [] });
  else if (interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}
