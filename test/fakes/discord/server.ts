/**
 * `FakeDiscord`: a local, faithful stand-in for Discord's REST API v10 and gateway, for the real
 * discord.js client (`rest.api` = {@link FakeDiscord.apiUrl}). It records every REST call, keeps the
 * messages it was sent, enforces interaction rules (ack within 3 s, once; token valid 15 min) and
 * per-route rate limits with real headers, and injects interactions through the gateway.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { GatewayConnection } from './gateway.js';
import {
  channelPayload, guildPayload, memberPayload, messagePayload, threadPayload, userPayload, type ChannelObject, type FakeUser, type StoredMessage,
} from './payloads.js';
import { modalSubmitData, selectError, type ModalData } from './modals.js';
import { RateLimiter } from './rate-limit.js';
import { handleRest, type Fault, type Hold, type RestCall, type RestState } from './rest.js';
import { snowflake } from './snowflake.js';

export type { FakeUser, RestCall, StoredMessage };

export interface Interaction {
  id: string;
  token: string;
  createdAt: number;
  acked: boolean;
  channelId: string;
  /** For component interactions: the message the component is on (type 7 callbacks edit it). */
  messageId?: string;
  /** For autocomplete interactions: the choices the bot answered (callback type 8). */
  choices?: Array<{ name: string; value: string | number }>;
  /** Interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit. */
  type: number;
  /** The modal the bot answered with (callback type 9), for {@link FakeDiscord.injectModalSubmit}. */
  modal?: ModalData;
}

/**
 * An uploaded file: its bytes (a string is UTF-8) and, optionally, the `content_type` Discord would
 * report for it (Discord API docs, "Attachment Object": `id, filename, size, url, content_type`).
 */
export interface FakeFile { name: string; content: string | Buffer; contentType?: string }

/** An option value: a string, an integer, or an uploaded file (served by the fake at its `url`). */
export type OptionValue = string | number | boolean | { attachment: FakeFile };

export interface FakeDiscordOptions {
  token: string;
  /** Interaction ack deadline, ms (Discord: 3 s). */
  ackDeadlineMs?: number;
  /** Interaction token lifetime, ms (Discord: 15 min). */
  tokenTtlMs?: number;
  /** The Message Content intent is enabled for the app (Developer Portal); else IDENTIFY with it closes 4014. */
  messageContentIntent?: boolean;
}

/** Gateway intent bits (API docs, "Gateway Intents"). */
export const INTENT_GUILD_MESSAGES = 1 << 9;
export const INTENT_MESSAGE_CONTENT = 1 << 15;

export class FakeDiscord implements RestState {
  readonly calls: RestCall[] = [];
  readonly messages = new Map<string, StoredMessage>();
  readonly commands = new Map<string, { id: string; name: string; options?: unknown[]; guildId: string | null }>();
  readonly interactions = new Map<string, Interaction>();
  readonly limiter = new RateLimiter();
  readonly applicationId = snowflake();
  readonly guildId = snowflake();
  readonly channelId = snowflake();
  readonly bot: FakeUser = { id: this.applicationId, username: 'claude-bridge', bot: true };
  readonly users = new Map<string, { user: FakeUser; roles: string[] }>();
  /** Uploaded files served at `/attachments/<id>/<name>`, by id. */
  readonly files = new Map<string, string | Buffer>();
  readonly channels = new Map<string, ChannelObject>();
  canCreateThreads = true;
  readonly faults: Fault[] = [];
  readonly holds: Hold[] = [];
  identifyIntents: number | null = null;
  apiUrl = '';
  private gatewayUrl = '';
  private readonly connections: GatewayConnection[] = [];
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });

  private constructor(readonly opts: Required<FakeDiscordOptions>) {
    this.server = http.createServer((req, res) => void handleRest(this, req, res));
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.connections.push(new GatewayConnection(ws, this.gatewayHost())));
    });
  }

  static async start(opts: FakeDiscordOptions): Promise<FakeDiscord> {
    const fake = new FakeDiscord({ ackDeadlineMs: 3000, tokenTtlMs: 15 * 60_000, messageContentIntent: true, ...opts });
    fake.channels.set(fake.channelId, channelPayload(fake.channelId, fake.guildId, 'general'));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.apiUrl = `http://127.0.0.1:${port}/api`;
    fake.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    return fake;
  }

  get token(): string { return this.opts.token; }
  get gateway(): string { return this.gatewayUrl; }

  addUser(username: string, roles: string[] = []): FakeUser {
    const user = { id: snowflake(), username };
    this.users.set(user.id, { user, roles });
    return user;
  }

  /** Sends INTERACTION_CREATE for a registered chat-input command with one subcommand (in `channelId`, default the text channel). */
  injectCommand(o: { user: FakeUser; name: string; subcommand: string; options?: Record<string, OptionValue>; channelId?: string }): Interaction {
    return this.inject(o.user, 2, this.commandData(o), undefined, o.channelId);
  }

  /**
   * A user posts a message (MESSAGE_CREATE, API docs "Message Create"). Its `content` reaches the bot
   * only with the Message Content intent, or when it mentions the bot, as on Discord.
   */
  injectMessage(o: { user: FakeUser; channelId: string; content: string; attachments?: FakeFile[] }): StoredMessage {
    // With no client connected (the bot is down) the message is stored and sent to nobody, as on
    // Discord: a later gateway session does not get it (Gateway docs: only a resumed session replays).
    const conn = this.connections.find((c) => c.identified && !c.closed) ?? null;
    const mentioned = o.content.includes(`<@${this.bot.id}>`);
    const id = snowflake();
    const base = this.apiUrl.replace(/\/api$/, '');
    const attachments = (o.attachments ?? []).map((a) => {
      const aid = snowflake();
      this.files.set(aid, a.content);
      const url = `${base}/attachments/${aid}/${encodeURIComponent(a.name)}`; // a name is one URL path segment
      return { id: aid, filename: a.name, size: Buffer.byteLength(a.content), url, proxy_url: url, content_type: a.contentType ?? 'text/plain; charset=utf-8' };
    });
    const msg: StoredMessage = {
      id, channel_id: o.channelId, author: userPayload(o.user), content: o.content, timestamp: new Date().toISOString(),
      edited_timestamp: null, flags: 0, components: [], embeds: [], attachments, type: 0,
    };
    this.messages.set(id, msg);
    const readable = (this.identifyIntents ?? 0) & INTENT_MESSAGE_CONTENT || mentioned;
    const { user: _user, ...member } = this.memberOf(o.user);
    conn?.dispatch('MESSAGE_CREATE', {
      ...messagePayload(msg), guild_id: this.guildId, member,
      ...(readable ? {} : { content: '', attachments: [], embeds: [], components: [] }),
    });
    return msg;
  }

  /**
   * A user starts typing in a channel: TYPING_START (Gateway docs, "Typing Start": `channel_id`,
   * `guild_id`, `user_id`, `timestamp` in unix seconds, `member`), sent as Discord does only to a
   * client that identified with the GUILD_MESSAGE_TYPING intent (1 << 11).
   */
  injectTyping(o: { user: FakeUser; channelId: string }): void {
    if (((this.identifyIntents ?? 0) & (1 << 11)) === 0) return;
    this.dispatch('TYPING_START', {
      channel_id: o.channelId, guild_id: this.guildId, user_id: o.user.id, timestamp: Math.floor(Date.now() / 1000), member: this.memberOf(o.user),
    });
  }

  /** Sends an APPLICATION_COMMAND_AUTOCOMPLETE interaction with `focused` being typed. */
  injectAutocomplete(o: { user: FakeUser; name: string; subcommand: string; focused: string; value: string }): Interaction {
    const data = this.commandData({ ...o, options: { [o.focused]: o.value } });
    (data.options[0]!.options as Array<Record<string, unknown>>)[0]!.focused = true;
    return this.inject(o.user, 4, data);
  }

  /** Sends a string select interaction on a stored message. */
  injectSelect(o: { user: FakeUser; message: StoredMessage; customId: string; values: string[] }): Interaction {
    const select = o.message.components.flatMap((row) => (row as { components?: Array<{ custom_id?: string }> }).components ?? [])
      .find((c) => c.custom_id === o.customId);
    if (select) { // a menu the fake did not render (the sessions menu's stale copy) is sent as asked
      const bad = selectError(select as Parameters<typeof selectError>[0], o.values);
      if (bad) throw new Error(`select ${o.customId}: ${bad}`);
    }
    return this.inject(o.user, 3, { custom_id: o.customId, component_type: 3, values: o.values }, o.message, o.message.channel_id);
  }

  /**
   * The user submits the modal the bot opened in answer to `from` (MODAL_SUBMIT, type 5), having
   * entered `values` by input custom id; from a component, it carries that component's message.
   */
  injectModalSubmit(o: { user: FakeUser; from: Interaction; values: Record<string, string | string[]> }): Interaction {
    if (!o.from.modal) throw new Error(`interaction ${o.from.id} opened no modal`);
    const message = o.from.messageId ? this.messages.get(o.from.messageId) : undefined;
    return this.inject(o.user, 5, modalSubmitData(o.from.modal, o.values), message, o.from.channelId);
  }

  private commandData(o: { name: string; subcommand: string; options?: Record<string, OptionValue> }) {
    const command = this.commands.get(o.name);
    if (!command) throw new Error(`/${o.name} was never registered with the fake`);
    const attachments: Record<string, unknown> = {};
    const options = Object.entries(o.options ?? {}).map(([name, value]) => {
      if (typeof value === 'string') return { type: 3, name, value };
      if (typeof value === 'number') return { type: 4, name, value };
      if (typeof value === 'boolean') return { type: 5, name, value }; // BOOLEAN (API docs, "Application Command Option Type")
      const id = snowflake();
      const size = Buffer.byteLength(value.attachment.content);
      this.files.set(id, value.attachment.content);
      const url = `${this.apiUrl.replace(/\/api$/, '')}/attachments/${id}/${encodeURIComponent(value.attachment.name)}`;
      attachments[id] = { id, filename: value.attachment.name, size, url, proxy_url: url, content_type: value.attachment.contentType ?? 'application/octet-stream' };
      return { type: 11, name, value: id };
    });
    // `group sub` (e.g. `schedule add`): a SUB_COMMAND inside a SUB_COMMAND_GROUP (type 2), as
    // Discord sends it (API docs, "Subcommands and Subcommand Groups").
    const [first, second] = o.subcommand.split(' ');
    const sub = second ? { type: 2, name: first, options: [{ type: 1, name: second, options }] } : { type: 1, name: o.subcommand, options };
    return {
      id: command.id, name: o.name, type: 1, guild_id: this.guildId, options: [sub],
      ...(Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {}),
    };
  }

  /** Sends INTERACTION_CREATE for a button press on a stored message. */
  injectButton(o: { user: FakeUser; message: StoredMessage; customId: string }): Interaction {
    const exists = o.message.components.some((row) =>
      ((row as { components?: Array<{ custom_id?: string }> }).components ?? []).some((c) => c.custom_id === o.customId));
    if (!exists) throw new Error(`message ${o.message.id} has no button ${o.customId}`);
    return this.inject(o.user, 3, { custom_id: o.customId, component_type: 2 }, o.message, o.message.channel_id);
  }

  /**
   * Answers the next `times` requests matching `match` (tested against `METHOD /path`, path after
   * `/api/v10`) with an error in Discord's format, default `500 {"message":"500: Internal Server
   * Error","code":0}`. discord.js retries a 5xx 3 times by itself, so 4 failures make one error
   * reach the bot. Returns the fault, whose `times` counts down as it is used.
   */
  failNext(match: RegExp, times: number, o: { status?: number; code?: number; message?: string; when?: (call: RestCall) => boolean; afterEffect?: boolean } = {}): Fault {
    const status = o.status ?? 500;
    const fault: Fault = { match, times, ...(o.when ? { when: o.when } : {}), ...(o.afterEffect ? { afterEffect: true } : {}), status, code: o.code ?? 0, message: o.message ?? (status === 500 ? '500: Internal Server Error' : `${status}: Error`) };
    this.faults.push(fault);
    return fault;
  }

  /**
   * Holds the next `times` requests matching `match` (`METHOD /path`) until `release()`: they are
   * neither done nor answered meanwhile (see {@link Hold}).
   */
  holdNext(match: RegExp, times = 1, when?: (call: RestCall) => boolean): Hold & { release(failure?: { status: number; code: number; message: string }): void } {
    let release!: (failure?: { status: number; code: number; message: string }) => void;
    const released = new Promise<{ status: number; code: number; message: string } | void>((resolve) => (release = resolve));
    const hold = { match, times, seen: 0, released, ...(when ? { when } : {}), release };
    this.holds.push(hold);
    return hold;
  }

  /** Messages visible to everyone in a channel (not ephemeral), oldest first. */
  channelMessages(channelId = this.channelId): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && (m.flags & 64) === 0);
  }

  /** The messages answering one interaction (`@original` first, then follow-ups). */
  responsesTo(i: Interaction): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.interactionToken === i.token);
  }

  /** Polls `probe` until it returns a truthy value. */
  async waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.close();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves when a client has identified on the gateway. */
  identified(): Promise<void> {
    return this.waitFor(() => this.connections.some((c) => c.identified && !c.closed), 30_000, 'IDENTIFY').then(() => undefined);
  }

  memberOf(user: FakeUser) {
    return memberPayload(user, this.users.get(user.id)?.roles ?? []);
  }

  /** Threads of the guild (type 11), oldest first. */
  threads(): Array<ReturnType<typeof threadPayload>> {
    return [...this.channels.values()].filter((c): c is ReturnType<typeof threadPayload> => c.type === 11);
  }

  /** Sends a gateway dispatch to the client (REST routes use it for THREAD_CREATE). */
  dispatch(event: string, data: unknown): void {
    this.connections.findLast((c) => c.identified && !c.closed)?.dispatch(event, data);
  }

  messageCreated(msg: StoredMessage): void {
    if (((this.identifyIntents ?? 0) & INTENT_GUILD_MESSAGES) === 0) return;
    const readable = ((this.identifyIntents ?? 0) & INTENT_MESSAGE_CONTENT) !== 0 || msg.author.id === this.bot.id;
    this.dispatch('MESSAGE_CREATE', { ...messagePayload(msg), guild_id: this.guildId, ...(readable ? {} : { content: '' }) });
  }

  private liveConnection(): GatewayConnection {
    const conn = this.connections.findLast((c) => c.identified && !c.closed); // Discord routes to the live session
    if (!conn) throw new Error('no client is connected to the fake gateway');
    return conn;
  }

  private inject(user: FakeUser, type: 2 | 3 | 4 | 5, data: unknown, message?: StoredMessage, channelId = this.channelId): Interaction {
    const conn = this.liveConnection();
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`no channel ${channelId}`);
    const i: Interaction = {
      id: snowflake(), token: `itoken-${snowflake()}`, createdAt: Date.now(), acked: false, channelId, type,
      ...(message ? { messageId: message.id } : {}),
    };
    this.interactions.set(i.token, i);
    conn.dispatch('INTERACTION_CREATE', {
      id: i.id, application_id: this.applicationId, type, data, guild_id: this.guildId,
      guild: { id: this.guildId, locale: 'en-US', features: [] },
      channel_id: channelId, channel,
      member: this.memberOf(user), token: i.token, version: 1, app_permissions: '2251799813685247',
      locale: 'en-US', guild_locale: 'en-US', entitlements: [], authorizing_integration_owners: { 0: this.guildId },
      context: 0, attachment_size_limit: 10 * 1024 * 1024,
      ...(message ? { message: { ...message, interactionToken: undefined } } : {}),
    });
    return i;
  }

  private gatewayHost() {
    return {
      token: this.opts.token,
      gatewayUrl: this.gatewayUrl,
      onIdentify: (d: { intents: number }) => { this.identifyIntents = d.intents; },
      allowedIntents: () => (this.opts.messageContentIntent ? ~0 : ~INTENT_MESSAGE_CONTENT),
      readyPayload: (sessionId: string) => ({
        v: 10, user: userPayload(this.bot), guilds: [{ id: this.guildId, unavailable: true }], session_id: sessionId,
        resume_gateway_url: this.gatewayUrl, shard: [0, 1], application: { id: this.applicationId, flags: 0 },
        private_channels: [], relationships: [], presences: [], guild_join_requests: [], geo_ordered_rtc_regions: [],
        user_settings: {},
      }),
      guildPayloads: () => [guildPayload({
        id: this.guildId, ownerId: this.bot.id, roles: [...new Set([...this.users.values()].flatMap((u) => u.roles))],
        channels: [channelPayload(this.channelId, this.guildId, 'general')], threads: this.threads(),
        members: [this.bot, ...[...this.users.values()].map((u) => u.user)].map((u) => this.memberOf(u)),
      })],
    };
  }
}
