/**
 * The fake's REST API v10 (Discord API docs: Application Commands, Receiving and Responding to
 * Interactions, Webhook, Channel/Message). Validates what Discord validates that a bot can get wrong:
 * 2000-char content, ≤ 5 action rows × 5 buttons, `custom_id` ≤ 100 chars, the 3 s ack deadline,
 * one ack per interaction, the 15-minute interaction token.
 */
import type http from 'node:http';
import type { Interaction } from './server.js';
import { messagePayload, threadPayload, userPayload, type ChannelObject, type FakeUser, type StoredMessage } from './payloads.js';
import { modalError, type ModalData } from './modals.js';
import type { RateLimiter } from './rate-limit.js';
import { snowflake } from './snowflake.js';

export interface RestCall {
  method: string;
  /** Path after `/api/v10`, as sent (e.g. `/webhooks/1/t/messages/%40original`). */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | null;
  files: Array<{ name: string; size: number; text: string }>;
  status: number;
  at: number;
}

export interface RestState {
  readonly token: string;
  readonly gateway: string;
  readonly applicationId: string;
  readonly bot: FakeUser;
  readonly calls: RestCall[];
  readonly messages: Map<string, StoredMessage>;
  readonly commands: Map<string, { id: string; name: string; options?: unknown[]; guildId: string | null }>;
  readonly interactions: Map<string, Interaction>;
  readonly files: Map<string, string | Buffer>;
  readonly limiter: RateLimiter;
  /** The bot holds Create Public Threads (else starting a thread is 403, 50013 Missing Permissions). */
  readonly canCreateThreads: boolean;
  /** Text channels and threads of the guild, by id. */
  readonly channels: Map<string, ChannelObject>;
  readonly guildId: string;
  /** Tells the connected client (gateway dispatch), as Discord does. */
  dispatch(event: string, data: unknown): void;
  /** A message was created: Discord sends MESSAGE_CREATE to clients with the GUILD_MESSAGES intent (the bot's own too). */
  messageCreated(msg: StoredMessage): void;
  readonly opts: { ackDeadlineMs: number; tokenTtlMs: number; messageContentIntent: boolean };
  /** Faults to inject: a matching request is answered with the fault instead, `times` times. */
  readonly faults: Fault[];
  /** Requests to hold: a matching one waits until released, then takes effect as usual. */
  readonly holds: Hold[];
}

/**
 * A slow Discord: the request is held (not yet done, no answer) until the test releases it, then
 * done and answered. A client that dies meanwhile never sees the answer, though the work is done —
 * as when a bot crashes while its request is in flight.
 */
export interface Hold {
  match: RegExp;
  when?: (call: RestCall) => boolean;
  times: number;
  /** Requests held so far. */
  seen: number;
  /** Settles when released: with an error, the held request fails with it and does nothing. */
  released: Promise<{ status: number; code: number; message: string } | void>;
}

/**
 * An injected failure. Discord answers a server error with a JSON body `{ message, code }` (code 0),
 * e.g. `{"message": "500: Internal Server Error", "code": 0}` — the same shape as its other
 * HTTP-level errors ("401: Unauthorized", "404: Not Found"); API docs, "HTTP Response Codes" and
 * "JSON Error Codes". A 5xx reaches discord.js as an `HTTPError` once its own retries are spent.
 */
export interface Fault {
  /** `METHOD /path` as sent after `/api/v10` (e.g. `PATCH /channels/1/messages/2`). */
  match: RegExp;
  /** Only requests this accepts (e.g. an edit whose body is the final answer). */
  when?: (call: RestCall) => boolean;
  times: number;
  /**
   * The request takes effect, then the error is answered anyway: the client cannot tell whether it
   * worked (as with a 502/504 from Discord's edge after the API did the work).
   */
  afterEffect?: boolean;
  status: number;
  code: number;
  message: string;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string>; raw?: string | Buffer };
const EPHEMERAL = 64;
/** Application flag: the Message Content intent is enabled (for an app in fewer than 100 servers). */
const GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19;
const LOADING = 128;

class ApiError extends Error {
  constructor(readonly status: number, readonly code: number, message: string, readonly errors?: unknown) { super(message); }
}

export async function handleRest(state: RestState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname.replace(/^\/api\/v10/, '');
  // (the CDN's /attachments/… paths arrive without the /api/v10 prefix)
  const call: RestCall = { method: req.method ?? 'GET', path, query: url.searchParams, body: null, files: [], status: 0, at: Date.now() };
  let reply: Reply;
  try {
    await readBody(req, call);
    const hold = state.holds.find((h) => h.times > 0 && h.match.test(`${call.method} ${call.path}`) && (h.when?.(call) ?? true));
    if (hold) {
      hold.times--;
      hold.seen++;
      const failure = await hold.released;
      if (failure) throw new ApiError(failure.status, failure.code, failure.message);
    }
    const fault = state.faults.find((f) => f.times > 0 && f.match.test(`${call.method} ${call.path}`) && (f.when?.(call) ?? true));
    if (fault) fault.times--;
    if (fault && !fault.afterEffect) throw new ApiError(fault.status, fault.code, fault.message);
    reply = route(state, call, req.headers.authorization);
    if (fault) throw new ApiError(fault.status, fault.code, fault.message);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError(500, 0, String(err));
    reply = { status: e.status, body: { message: e.message, code: e.code, ...(e.errors ? { errors: e.errors } : {}) } };
  }
  call.status = reply.status;
  state.calls.push(call);
  // Like Discord: a body-less answer (204) carries no JSON content type.
  const type = reply.raw !== undefined ? { 'content-type': 'application/octet-stream' } : reply.body === undefined ? {} : { 'content-type': 'application/json' };
  res.writeHead(reply.status, { ...type, ...reply.headers });
  res.end(reply.raw ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body)));
}

async function readBody(req: http.IncomingMessage, call: RestCall): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return;
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json') call.body = JSON.parse(String(value));
      else if (typeof value !== 'string') call.files.push({ name: value.name, size: value.size, text: await value.text() });
    }
  } else call.body = JSON.parse(raw.toString('utf8'));
}

function route(s: RestState, call: RestCall, auth: string | undefined): Reply {
  const m = (re: RegExp) => re.exec(`${call.method} ${call.path}`);
  const botAuth = () => { if (auth !== `Bot ${s.token}`) throw new ApiError(401, 0, '401: Unauthorized'); };
  let r: RegExpExecArray | null;

  if ((r = m(/^GET \/attachments\/(\d+)\/[^/]+$/))) { // the CDN, for uploaded files
    const content = s.files.get(r[1]!);
    if (content === undefined) throw new ApiError(404, 0, 'Not Found');
    return { status: 200, body: undefined, raw: content };
  }
  if (m(/^GET \/gateway\/bot$/)) {
    botAuth();
    return { status: 200, body: { url: s.gateway, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } } };
  }
  if (m(/^GET \/users\/@me$/)) { botAuth(); return { status: 200, body: userPayload(s.bot) }; }
  if (m(/^GET \/applications\/@me$/)) {
    botAuth();
    return { status: 200, body: { id: s.applicationId, name: 'claude-bridge', icon: null, description: '', bot_public: false, bot_require_code_grant: false, verify_key: '0'.repeat(64), flags: s.opts.messageContentIntent ? GATEWAY_MESSAGE_CONTENT_LIMITED : 0, bot: userPayload(s.bot) } };
  }
  if ((r = m(/^PUT \/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/))) {
    botAuth();
    if (r[1] !== s.applicationId) throw new ApiError(403, 50001, 'Missing Access');
    const registered = (call.body as unknown as Array<{ name: string; options?: unknown[] }>).map((c) => {
      const cmd = { ...c, id: s.commands.get(c.name)?.id ?? snowflake(), application_id: s.applicationId, version: snowflake(), guildId: r![2] ?? null };
      s.commands.set(c.name, cmd);
      return cmd;
    });
    return { status: 200, body: registered };
  }
  if ((r = m(/^POST \/interactions\/(\d+)\/([^/]+)\/callback$/))) return callback(s, call, decodeURIComponent(r[2]!));
  if ((r = m(/^(GET|PATCH|DELETE) \/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/))) {
    return webhookMessage(s, call, decodeURIComponent(r[3]!), decodeURIComponent(r[4]!));
  }
  if ((r = m(/^POST \/webhooks\/(\d+)\/([^/]+)$/))) {
    const i = liveInteraction(s, decodeURIComponent(r[2]!));
    return limited(s, `POST /webhooks/${i.token}`, 5, 5000, () => {
      const msg = createMessage(s, i.channelId, call.body ?? {}, call, { interactionToken: i.token });
      return { status: 200, body: messagePayload(msg) };
    });
  }
  if ((r = m(/^POST \/channels\/(\d+)\/typing$/))) { botAuth(); channelOf(s, r[1]!); return { status: 204 }; }
  if ((r = m(/^POST \/channels\/(\d+)\/messages\/(\d+)\/threads$/))) { botAuth(); return startThread(s, call, r[1]!, r[2]!); }
  if ((r = m(/^GET \/channels\/(\d+)\/messages$/))) {
    // Get Channel Messages (API docs): `after` a snowflake, `limit` 1–100 (default 50); the messages
    // right after `after`, returned newest first, as Discord orders every page.
    botAuth();
    channelOf(s, r[1]!);
    const after = BigInt(call.query.get('after') ?? '0');
    const limit = Math.min(100, Math.max(1, Number(call.query.get('limit') ?? 50)));
    const page = [...s.messages.values()]
      .filter((msg) => msg.channel_id === r![1] && (msg.flags & EPHEMERAL) === 0 && BigInt(msg.id) > after)
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)).slice(0, limit).reverse();
    return { status: 200, body: page.map((msg) => messagePayload(msg)) };
  }
  if ((r = m(/^POST \/channels\/(\d+)\/messages$/))) {
    botAuth();
    channelOf(s, r[1]!);
    const nonce = call.body?.nonce === undefined ? undefined : String(call.body.nonce);
    const same = call.body?.enforce_nonce === true && nonce !== undefined ? sameNonce(s, r[1]!, nonce) : undefined;
    if (same) return { status: 200, body: messagePayload(same) };
    return limited(s, `POST /channels/${r[1]}/messages`, 5, 5000, () => ({ status: 200, body: messagePayload(createMessage(s, r![1]!, call.body ?? {}, call, nonce === undefined ? {} : { nonce })) }));
  }
  if ((r = m(/^PATCH \/channels\/(\d+)\/messages\/(\d+)$/))) {
    botAuth();
    const msg = s.messages.get(r[2]!);
    if (!msg || msg.channel_id !== r[1]) throw new ApiError(404, 10008, 'Unknown Message');
    return limited(s, `PATCH /channels/${r[1]}/messages`, 5, 5000, () => ({ status: 200, body: messagePayload(editMessage(msg, call.body ?? {}, call)) }));
  }
  throw new ApiError(404, 0, `404: Not Found (${call.method} ${call.path})`);
}

/**
 * Create Message with `enforce_nonce` (API docs): "If another message was created by the same author
 * with the same nonce, that message will be returned and no new message will be created" — checked
 * "in the past few minutes" (here: 5).
 */
function sameNonce(s: RestState, channelId: string, nonce: string): StoredMessage | undefined {
  const since = Date.now() - 5 * 60_000;
  return [...s.messages.values()].find((m) => m.channel_id === channelId && m.author.id === s.bot.id && m.nonce === nonce && Date.parse(m.timestamp) >= since);
}

function channelOf(s: RestState, id: string): ChannelObject {
  const c = s.channels.get(id);
  if (!c) throw new ApiError(404, 10003, 'Unknown Channel');
  return c;
}

/**
 * Start Thread from Message (API docs): a public thread whose id is the message's id; 2–100 char
 * name; one thread per message (160004); not inside a thread. THREAD_CREATE follows on the gateway.
 */
function startThread(s: RestState, call: RestCall, channelId: string, messageId: string): Reply {
  const parent = channelOf(s, channelId);
  if (!s.canCreateThreads) throw new ApiError(403, 50013, 'Missing Permissions');
  const msg = s.messages.get(messageId);
  if (!msg || msg.channel_id !== channelId) throw new ApiError(404, 10008, 'Unknown Message');
  if (parent.type !== 0) throw new ApiError(400, 50024, 'Cannot execute action on this channel type');
  if (s.channels.has(messageId)) throw new ApiError(400, 160004, 'A thread has already been created for this message');
  const body = (call.body ?? {}) as { name?: string; auto_archive_duration?: number };
  const name = String(body.name ?? '');
  if (name.length < 1 || name.length > 100) {
    throw new ApiError(400, 50035, 'Invalid Form Body', { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } });
  }
  const thread = threadPayload({ id: messageId, guildId: s.guildId, parentId: channelId, ownerId: s.bot.id, name, autoArchive: body.auto_archive_duration ?? 4320 });
  s.channels.set(thread.id, thread);
  s.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
  return { status: 201, body: thread };
}

function limited(s: RestState, key: string, limit: number, windowMs: number, fn: () => Reply): Reply {
  const d = s.limiter.check(key, limit, windowMs);
  if (!d.allowed) return { status: 429, headers: d.headers, body: { message: 'You are being rate limited.', retry_after: d.retryAfterS, global: false } };
  const reply = fn();
  return { ...reply, headers: { ...d.headers, ...reply.headers } };
}

function liveInteraction(s: RestState, token: string): Interaction {
  const i = s.interactions.get(token);
  if (!i) throw new ApiError(404, 10015, 'Unknown Webhook');
  if (Date.now() - i.createdAt > s.opts.tokenTtlMs) throw new ApiError(401, 50027, 'Invalid Webhook Token');
  return i;
}

function callback(s: RestState, call: RestCall, token: string): Reply {
  const i = s.interactions.get(token);
  if (!i || Date.now() - i.createdAt > s.opts.ackDeadlineMs) throw new ApiError(404, 10062, 'Unknown interaction');
  if (i.acked) throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
  const body = (call.body ?? {}) as { type: number; data?: Record<string, unknown> };
  let message: StoredMessage | undefined;
  if (body.type === 4) message = createMessage(s, i.channelId, body.data ?? {}, call, { interactionToken: token, type: 20 });
  else if (body.type === 5) {
    const flags = (((body.data?.flags as number) ?? 0) & EPHEMERAL) | LOADING;
    message = createMessage(s, i.channelId, { content: '', flags }, call, { interactionToken: token, type: 20 });
  } else if (body.type === 7) { // UPDATE_MESSAGE: edits the message the component is on
    const target = i.messageId ? s.messages.get(i.messageId) : undefined;
    if (!target) throw new ApiError(400, 50035, 'Invalid Form Body');
    message = editMessage(target, body.data ?? {}, call);
  } else if (body.type === 8) { // APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: ≤ 25 choices
    const choices = ((body.data?.choices ?? []) as Interaction['choices'])!;
    if (choices.length > 25) throw new ApiError(400, 50035, 'Invalid Form Body', { choices: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } });
    i.choices = choices;
  } else if (body.type === 9) { // MODAL: not in answer to a modal submit or an autocomplete (API docs, "Interaction Response Type")
    const bad = i.type === 5 || i.type === 4 ? 'interaction type' : modalError(body.data as Partial<ModalData> | undefined);
    if (bad) throw new ApiError(400, 50035, 'Invalid Form Body', { data: { _errors: [{ code: 'INVALID_MODAL', message: bad }] } });
    i.modal = body.data as unknown as ModalData;
  } else if (body.type !== 6) throw new ApiError(400, 50035, 'Invalid Form Body');
  i.acked = true;
  if (call.query.get('with_response') !== 'true') return { status: 204 };
  return {
    status: 200,
    body: {
      interaction: { id: i.id, type: 2, response_message_id: message?.id ?? null, response_message_loading: body.type === 5, response_message_ephemeral: ((message?.flags ?? 0) & EPHEMERAL) !== 0 },
      resource: message ? { type: body.type, message: messagePayload(message) } : { type: body.type },
    },
  };
}

function webhookMessage(s: RestState, call: RestCall, token: string, id: string): Reply {
  const i = liveInteraction(s, token);
  // For a component interaction acknowledged with DEFERRED_UPDATE_MESSAGE, `@original` is the message
  // the component is on (API docs, "Interaction Response Type" 6 and "Edit Original Interaction Response").
  const own = [...s.messages.values()].find((m) => m.interactionToken === token && m.type === 20);
  const msg = id === '@original' ? own ?? (i.messageId ? s.messages.get(i.messageId) : undefined) : s.messages.get(id);
  if (!msg || (msg.interactionToken !== token && msg.id !== i.messageId)) throw new ApiError(404, 10008, 'Unknown Message');
  if (call.method === 'GET') return { status: 200, body: messagePayload(msg) };
  if (call.method === 'DELETE') { s.messages.delete(msg.id); return { status: 204 }; }
  return limited(s, `PATCH /webhooks/${i.token}/messages`, 5, 5000, () => ({ status: 200, body: messagePayload(editMessage(msg, call.body ?? {}, call)) }));
}

function validate(body: Record<string, unknown>): void {
  const content = body.content;
  if (typeof content === 'string' && content.length > 2000) {
    throw new ApiError(400, 50035, 'Invalid Form Body', { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } });
  }
  const rows = (body.components ?? []) as Array<{ components?: Array<{ custom_id?: string }> }>;
  // A link button (style 5) has a `url` and no `custom_id`; every other component has a custom_id ≤ 100 chars.
  const badComponent = (c: { custom_id?: string; style?: number; url?: string }) =>
    c.style === 5 ? typeof c.url !== 'string' || c.custom_id !== undefined : (c.custom_id ?? '').length > 100;
  const bad = rows.length > 5 || rows.some((row) => (row.components ?? []).length > 5 || (row.components ?? []).some(badComponent));
  if (bad) throw new ApiError(400, 50035, 'Invalid Form Body', { components: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Invalid components' }] } });
}

function createMessage(s: RestState, channelId: string, body: Record<string, unknown>, call: RestCall, extra: Partial<StoredMessage> = {}): StoredMessage {
  validate(body);
  const msg: StoredMessage = {
    id: snowflake(), channel_id: channelId, author: userPayload(s.bot), content: String(body.content ?? ''),
    timestamp: new Date().toISOString(), edited_timestamp: null, flags: Number(body.flags ?? 0),
    components: (body.components as unknown[]) ?? [], embeds: (body.embeds as unknown[]) ?? [],
    attachments: call.files.map((f) => ({ id: snowflake(), filename: f.name, size: f.size, url: `http://fake/${f.name}`, text: f.text })),
    type: 0, ...(extra.interactionToken ? { webhook_id: s.applicationId, application_id: s.applicationId } : {}),
    // A reply (Create Message with message_reference): type 19 REPLY, the reference kept (API docs, Message Object).
    ...(isReference(body.message_reference) ? { type: 19, message_reference: { channel_id: channelId, ...body.message_reference } } : {}),
    ...extra,
  };
  s.messages.set(msg.id, msg);
  if ((msg.flags & EPHEMERAL) === 0) s.messageCreated(msg);
  return msg;
}

function isReference(v: unknown): v is { message_id: string; channel_id?: string } {
  return typeof v === 'object' && v !== null && typeof (v as { message_id?: unknown }).message_id === 'string';
}

function editMessage(msg: StoredMessage, body: Record<string, unknown>, call: RestCall): StoredMessage {
  validate(body);
  if ('content' in body) msg.content = String(body.content ?? '');
  if ('components' in body) msg.components = (body.components as unknown[]) ?? [];
  if ('embeds' in body) msg.embeds = (body.embeds as unknown[]) ?? [];
  if (call.files.length > 0) msg.attachments = call.files.map((f) => ({ id: snowflake(), filename: f.name, size: f.size, text: f.text }));
  msg.flags &= ~LOADING;
  msg.edited_timestamp = new Date().toISOString();
  return msg;
}
