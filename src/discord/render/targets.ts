/** The places a {@link TurnView} can draw into. */
import { DiscordAPIError, type ChatInputCommandInteraction, type Client, type MessageComponentInteraction } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import type { PostedRef } from '../reply-ref.js';
import { attachments, type EditableMessage, type RenderedMessage, type ReplyTarget } from './turn-view.js';

/** Answers never ping anyone: Claude's text may contain `@everyone` or `<@id>` (Discord: Allowed Mentions). */
const NO_PINGS = { parse: [] as never[] };

/** Discord: an interaction token is valid for 15 minutes (API docs, "Receiving and Responding"). */
const INTERACTION_TOKEN_MS = 15 * 60_000;
/** Discord error code "Invalid Webhook Token": the interaction token has expired. */
const INVALID_WEBHOOK_TOKEN = 50027;

/**
 * The interaction's deferred reply (`@original`) and its follow-ups. Shortly before the 15-minute
 * token runs out — or as soon as Discord answers 50027 — it goes on with the bot token instead:
 * the same message edited through the channel, further messages sent to the channel, so nothing is
 * lost at minute 15. `messageId`: the deferred reply's message.
 *
 * Follow-ups through the token (Execute Webhook) take no `nonce`, so a follow-up retried after a
 * failure that hid a success can appear twice; after the token's fallback they are channel messages
 * and carry it ({@link channelTarget}).
 */
export function interactionTarget(
  interaction: ChatInputCommandInteraction | MessageComponentInteraction,
  o: { messageId?: string; log?: Logger } = {},
): ReplyTarget {
  let channel: ReplyTarget | null = null;
  const fallback = (): ReplyTarget | null => {
    if (!channel && o.messageId && interaction.channelId) {
      o.log?.info('interaction token expired or about to: going on with channel messages');
      channel = channelTarget(interaction.client, { channelId: interaction.channelId, messageId: o.messageId });
    }
    return channel;
  };
  const via = async (viaToken: () => Promise<unknown>, viaChannel: (t: ReplyTarget) => Promise<void>) => {
    const late = Date.now() - interaction.createdTimestamp > INTERACTION_TOKEN_MS - 30_000;
    const other = channel ?? (late ? fallback() : null);
    if (other) return viaChannel(other);
    try {
      await viaToken();
    } catch (err) {
      const next = err instanceof DiscordAPIError && err.code === INVALID_WEBHOOK_TOKEN ? fallback() : null;
      if (!next) throw err;
      await viaChannel(next);
    }
  };
  return {
    edit: (m) => via(() => interaction.editReply({ content: m.content, components: m.components, files: attachments(m.files), allowedMentions: NO_PINGS }), (t) => t.edit(m)),
    followUp: (m) => via(() => interaction.followUp({ content: m.content, components: m.components, files: attachments(m.files), allowedMentions: NO_PINGS }), (t) => t.followUp(m)),
    typing: async () => {
      const c = interaction.channel ?? (await interaction.client.channels.fetch(interaction.channelId));
      if (c?.isSendable()) await c.sendTyping();
    },
    // A message of its own goes to the channel with the bot token: editable past the token's 15 minutes.
    post: (m) => postToChannel(interaction.client, interaction.channelId!, m),
  };
}

/** A target known later (e.g. once Discord acknowledged an interaction): each call waits for it. */
export function pendingTarget(ready: Promise<ReplyTarget>): ReplyTarget {
  return {
    edit: async (m) => (await ready).edit(m),
    followUp: async (m) => (await ready).followUp(m),
    typing: async () => (await ready).typing?.(),
    post: async (m) => {
      const t = await ready;
      if (!t.post) throw new Error('this target cannot post messages of its own');
      return t.post(m);
    },
  };
}

/**
 * A message the bot posts in the channel on the first edit (with `nonce` and `enforce_nonce`, so a
 * retry posts it once), then edits: where an answer goes when its interaction could not be used.
 */
export function postedLaterTarget(client: Client, channelId: string, nonce: string): ReplyTarget {
  let target: Promise<ReplyTarget> | null = null;
  const post = async (m: Parameters<ReplyTarget['edit']>[0]) => {
    const c = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId));
    if (!c?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
    const sent = await c.send({ content: m.content, components: m.components, files: attachments(m.files), allowedMentions: NO_PINGS, nonce, enforceNonce: true });
    return channelTarget(client, { channelId, messageId: sent.id });
  };
  return {
    edit: async (m) => {
      if (!target) { target = post(m); target.catch(() => { target = null; }); return void (await target); }
      await (await target).edit(m);
    },
    followUp: async (m) => void (target ? await (await target).followUp(m) : await post(m)), // before any edit: a message of its own
    typing: async () => {
      const c = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId));
      if (c?.isSendable()) await c.sendTyping();
    },
    post: (m) => postToChannel(client, channelId, m),
  };
}

/** Posts `m` to a channel with the bot token (with its `nonce` enforced); the message can be edited later. */
async function postToChannel(client: Client, channelId: string, m: RenderedMessage): Promise<EditableMessage> {
  const c = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId));
  if (!c?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
  const sent = await c.send({
    content: m.content, components: m.components, files: attachments(m.files), allowedMentions: NO_PINGS,
    ...(m.nonce ? { nonce: m.nonce, enforceNonce: true } : {}),
  });
  return { edit: async (e) => void (await c.messages.edit(sent.id, { content: e.content, components: e.components, allowedMentions: NO_PINGS })) };
}

/**
 * A message of the bot's in a channel, edited with the bot token; follow-ups as channel messages.
 * A follow-up with a `nonce` is sent with `enforce_nonce`, so Discord creates it at most once even
 * when a retry follows a failure that hid a success (API docs, "Create Message": "If another message
 * was created by the same author with the same nonce, that message will be returned").
 */
export function channelTarget(client: Client, ref: PostedRef): ReplyTarget {
  const channel = async () => {
    const c = client.channels.cache.get(ref.channelId) ?? (await client.channels.fetch(ref.channelId));
    if (!c?.isSendable()) throw new Error(`channel ${ref.channelId} cannot take messages`);
    return c;
  };
  return {
    edit: async (m) => void (await (await channel()).messages.edit(ref.messageId, { content: m.content, components: m.components, files: attachments(m.files), allowedMentions: NO_PINGS })),
    followUp: async (m) => void (await (await channel()).send({
      content: m.content, components: m.components, files: attachments(m.files), allowedMentions: NO_PINGS,
      ...(m.nonce ? { nonce: m.nonce, enforceNonce: true } : {}),
    })),
    typing: async () => (await channel()).sendTyping(),
    post: (m) => postToChannel(client, ref.channelId, m),
  };
}
