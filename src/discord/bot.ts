/**
 * `DiscordBot`: the transport adapter. Logs in with discord.js (asking for the Message Content
 * intent when sessions live in threads, and going on without it, loudly, if Discord refuses),
 * registers `/claude` on ready (in `guildId` when given, else globally), checks access, routes
 * interactions and thread messages to their handlers, and writes each to the audit log. Users see
 * only safe texts; everything else is logged with a reference they can quote.
 */
import { Client, Events, MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { BridgeError, makeErrorRef, userFacingMessage } from '../core/errors.js';
import { isAskAction, parseComponentId, type ParsedComponentId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Automation } from '../sessions/automation.js';
import type { SessionManager } from '../sessions/manager.js';
import type { Worktrees } from '../sessions/worktrees.js';
import { assertAllowed, isAllowed, type AccessPolicy } from './access.js';
import { handleAskModal } from './asks/answers.js';
import { AskPrompts } from './asks/prompts.js';
import { buildClaudeCommand, COMMAND_NAME, findSubcommand } from './commands/index.js';
import { handleComponent } from './components.js';
import { placeOf, type BotContext } from './context.js';
import { registerCommands } from './registration.js';
import { warmOnTyping } from './typing.js';
import { DisallowedIntentsError, intentsFor, loginAndWait, MESSAGE_CONTENT_HELP } from './login.js';
import { ThreadInbox } from './messages.js';
import { reconcileThreadAsks } from './operations/thread.js';
import { reconcileRuns, startRun } from './operations/unattended.js';
import { PermissionPrompts } from './permission-prompts.js';
import { Presenter } from './presenter.js';

export interface DiscordBotOptions extends AccessPolicy {
  token: string;
  /** REST base, e.g. `https://discord.com/api` (discord.js `rest.api`). */
  apiUrl: string;
  guildId?: string;
  /** `/claude ask` in a channel opens a thread for the session; plain messages there go to Claude. */
  threads?: boolean;
  /** Messages of answer text at most; beyond, the whole answer is attached (default 4). */
  maxInlineChunks?: number;
  /** Largest file uploaded (files Claude sends, `/claude file`), bytes (default 10 MiB). */
  maxUploadBytes?: number;
  manager: SessionManager;
  /** Schedules and triggers: their runs are started here, left-over ones at start-up. */
  automation?: Automation;
  /** Sessions in git worktrees. */
  worktrees?: Worktrees;
  /** Where the hash of the last registered `/claude` is kept (`<RUN_DIR>/commands.sha256`); none: always wait for the registration. */
  commandStamp?: string;
  log: Logger;
}

export class DiscordBot {
  private current: Client;
  private readonly log: Logger;
  private readonly ctx: BotContext;
  private plainMessages = false;
  private readonly prompts: PermissionPrompts;
  /** Claude's questions and plans, and MCP forms. */
  private readonly asks: AskPrompts;
  /** Plain messages in session threads, caught up after a restart. */
  private readonly inbox: ThreadInbox;
  /** Shows every turn; subscribed before sessions are restored. */
  readonly presenter: Presenter;
  private readonly started: Promise<void>;
  private markStarted!: () => void;
  /** Settles when the sessions' start-up is done (see {@link DiscordBot.start}). */
  private restored: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DiscordBotOptions) {
    this.log = opts.log.child({ component: 'discord' });
    const bot = this;
    this.started = new Promise<void>((resolve) => (this.markStarted = resolve));
    this.ctx = {
      get client() { return bot.current; },
      manager: opts.manager, log: this.log, threads: opts.threads ?? false, maxInlineChunks: opts.maxInlineChunks ?? 4,
      maxUploadBytes: opts.maxUploadBytes ?? 10 * 1024 * 1024,
      policy: { allowedUserIds: opts.allowedUserIds, allowedRoleIds: opts.allowedRoleIds, adminUserIds: opts.adminUserIds },
      plainMessages: () => this.plainMessages,
      get replies() { return bot.presenter; },
      automation: opts.automation ?? null,
      worktrees: opts.worktrees ?? null,
    };
    this.inbox = new ThreadInbox(this.ctx);
    this.current = this.makeClient(true);
    this.prompts = new PermissionPrompts(this.ctx);
    // Subscribed now, before sessions are restored: what start-up replays waits for login.
    this.presenter = new Presenter(this.ctx, this.started);
    const { manager } = opts;
    this.asks = new AskPrompts(this.ctx);
    manager.on('permission', (session, req) =>
      void this.started.then(() => (req.kind === 'tool' ? this.prompts.ask(session, req) : this.asks.ask(session, req))));
    manager.on('permissionSettled', (session, req, outcome) =>
      void (req.kind === 'tool' ? this.prompts.settled(session, req, outcome) : this.asks.settled(session, req, outcome)));
    manager.on('elicitation', (session, req) => void this.started.then(() => this.asks.askElicitation(session, req)));
    manager.on('elicitationSettled', (session, req, outcome) => void this.started.then(() => this.asks.elicitationSettled(session, req, outcome)));
    opts.automation?.on('run', (id, run) => void this.started.then(() => startRun(this.ctx, id, run)));
  }

  /**
   * Logs in and registers the command; resolves when both are done and `restored` (the sessions'
   * start-up, run meanwhile) has settled. Interactions and typing events that arrive before it are
   * handled after it, so nothing reaches a session before its restore.
   * @throws what login, registration or `restored` throw
   */
  async start(o: { restored?: Promise<unknown> } = {}): Promise<void> {
    this.restored = o.restored ?? Promise.resolve();
    this.restored.catch(() => undefined); // awaited below; a rejection must not go unhandled meanwhile
    try {
      await loginAndWait(this.current, this.opts.token);
      this.plainMessages = this.ctx.threads;
    } catch (err) {
      if (!(err instanceof DisallowedIntentsError)) throw err;
      this.log.error(MESSAGE_CONTENT_HELP);
      await this.current.destroy();
      this.current = this.makeClient(false);
      await loginAndWait(this.current, this.opts.token);
    }
    const registration = await registerCommands(this.current.application!, [buildClaudeCommand()], this.opts.guildId, this.opts.commandStamp, this.log);
    await this.restored; // ready means: logged in, registered, and sessions restored
    this.log.info({ user: this.current.user?.tag, guild: this.opts.guildId ?? 'global', threads: this.ctx.threads, plainMessages: this.plainMessages, registration },
      `ready; /${COMMAND_NAME} registered`);
    this.markStarted();
    await reconcileThreadAsks(this.ctx);
    await reconcileRuns(this.ctx); // schedule and trigger runs recorded but not yet taken
    if (this.ctx.threads) await this.inbox.catchUp(); // messages sent while the bot was away, then live ones
  }

  async stop(): Promise<void> {
    await this.current.destroy();
  }

  private makeClient(messageContent: boolean): Client {
    const client = new Client({ intents: intentsFor({ threads: this.ctx.threads, messageContent }), rest: { api: this.opts.apiUrl } });
    client.on(Events.InteractionCreate, (i) => void this.restored.then(() => this.route(i), () => undefined));
    if (this.ctx.threads) client.on(Events.MessageCreate, (m) => this.inbox.onMessage(m));
    if (this.ctx.threads) client.on(Events.TypingStart, (t) => void this.restored.then(() => warmOnTyping(this.ctx, t), () => undefined));
    client.on(Events.Error, (err) => this.log.error({ err }, 'discord client error'));
    return client;
  }

  private async route(interaction: Interaction): Promise<void> {
    const { manager } = this.opts;
    let audit: { kind: 'command' | 'button' | 'menu' | 'permission'; action: string; sessionId: string | null } | null = null;
    try {
      if (interaction.isAutocomplete() && interaction.commandName === COMMAND_NAME) {
        const command = findSubcommand(interaction.options.getSubcommandGroup(false), interaction.options.getSubcommand());
        const allowed = isAllowed(interaction, this.ctx.policy);
        await interaction.respond(allowed && command?.autocomplete ? await command.autocomplete(interaction, manager, this.ctx) : []);
      } else if (interaction.isChatInputCommand() && interaction.commandName === COMMAND_NAME) {
        const group = interaction.options.getSubcommandGroup(false);
        const name = group ? `${group} ${interaction.options.getSubcommand()}` : interaction.options.getSubcommand();
        audit = { kind: 'command', action: name, sessionId: null };
        assertAllowed(interaction, this.ctx.policy);
        const command = findSubcommand(group, interaction.options.getSubcommand());
        if (!command) throw new Error(`unknown subcommand ${name}`);
        const p = placeOf(interaction);
        const session = command.requiresSession ? manager.getCurrentSession(p.userId, p.channelId) : null;
        if (command.requiresSession && !session) throw new BridgeError('NO_SESSION');
        audit.sessionId = session?.id ?? null;
        await command.execute({ interaction, manager, log: this.log, session, bot: this.ctx });
      } else if (interaction.isMessageComponent()) {
        const parsed = parseComponentId(interaction.customId);
        if (!parsed) return; // not one of ours
        audit = componentAudit(parsed, interaction.isButton());
        assertAllowed(interaction, this.ctx.policy);
        await handleComponent(interaction, parsed, this.ctx);
      } else if (interaction.isModalSubmit()) {
        const parsed = parseComponentId(interaction.customId);
        if (!parsed || !isAskAction(parsed.action) || !('arg' in parsed)) return; // not one of ours
        audit = { kind: 'button', action: parsed.action, sessionId: parsed.sessionId };
        assertAllowed(interaction, this.ctx.policy);
        await handleAskModal(interaction, parsed, this.ctx);
      }
      if (audit) this.audit(interaction, audit, 'ok', null);
    } catch (err) {
      if (interaction.isAutocomplete()) return void (await interaction.respond([]).catch(() => undefined));
      const ref = await this.fail(interaction, err);
      if (audit) this.audit(interaction, audit, err instanceof BridgeError ? 'refused' : 'error', err instanceof BridgeError ? err.code : ref);
    }
  }

  private audit(interaction: Interaction, a: { kind: 'command' | 'button' | 'menu' | 'permission'; action: string; sessionId: string | null }, result: 'ok' | 'refused' | 'error', detail: string | null): void {
    if (a.kind === 'permission' && result === 'ok') return; // written with the outcome (PermissionPrompts.settled)
    this.opts.manager.audit({ userId: interaction.user.id, kind: a.kind, action: a.action, sessionId: a.sessionId, channelId: interaction.channelId, result, detail });
  }

  private async fail(interaction: Interaction, err: unknown): Promise<string> {
    const ref = makeErrorRef();
    if (err instanceof BridgeError) this.log.info({ code: err.code, user: interaction.user.id }, 'refused');
    else this.log.error({ err, ref, user: interaction.user.id }, 'interaction failed');
    if (!interaction.isRepliable()) return ref;
    const content = userFacingMessage(err, ref);
    await reply(interaction, content).catch((e) => this.log.warn({ err: e, ref }, 'could not tell the user about an error'));
    return ref;
  }
}

function componentAudit(id: ParsedComponentId, button: boolean) {
  const permission = id.action === 'allow' || id.action === 'deny' || id.action === 'always';
  const kind = permission ? 'permission' as const : button ? 'button' as const : 'menu' as const;
  return { kind, action: id.action, sessionId: 'sessionId' in id ? id.sessionId : null };
}

/** Ephemeral when nothing was sent yet; else into the deferred reply (so it does not stay "thinking…"). */
async function reply(interaction: RepliableInteraction, content: string): Promise<void> {
  if (interaction.deferred && !interaction.replied) await interaction.editReply({ content: `⚠️ ${content}`, components: [] });
  else if (interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}
