/**
 * Builders for the JSON objects the Discord API sends (API v10 docs: User, Guild Member, Guild,
 * Channel, Message, Interaction). Field sets follow the docs so discord.js builds full structures.
 */
export interface FakeUser {
  id: string;
  username: string;
  bot?: boolean;
}

export function userPayload(u: FakeUser) {
  return {
    id: u.id, username: u.username, global_name: u.username, discriminator: '0', avatar: null,
    bot: u.bot ?? false, system: false, public_flags: 0, flags: 0,
  };
}

export function memberPayload(u: FakeUser, roles: string[] = []) {
  return {
    user: userPayload(u), nick: null, avatar: null, roles, joined_at: new Date(0).toISOString(),
    premium_since: null, deaf: false, mute: false, flags: 0, pending: false,
    permissions: '2251799813685247', communication_disabled_until: null,
  };
}

export function channelPayload(id: string, guildId: string, name: string) {
  return {
    id, type: 0, guild_id: guildId, name, position: 0, permission_overwrites: [], parent_id: null,
    nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0, flags: 0,
  };
}

/** A public thread (type 11) started from a message of `parentId` (its id is that message's id). */
export function threadPayload(o: { id: string; guildId: string; parentId: string; ownerId: string; name: string; autoArchive: number }) {
  return {
    id: o.id, type: 11, guild_id: o.guildId, parent_id: o.parentId, owner_id: o.ownerId, name: o.name,
    last_message_id: null, rate_limit_per_user: 0, flags: 0, message_count: 0, member_count: 1, total_message_sent: 0,
    thread_metadata: { archived: false, auto_archive_duration: o.autoArchive, archive_timestamp: new Date().toISOString(), locked: false, create_timestamp: new Date().toISOString() },
    member: { id: o.id, user_id: o.ownerId, join_timestamp: new Date().toISOString(), flags: 0 },
  };
}

export type ChannelObject = ReturnType<typeof channelPayload> | ReturnType<typeof threadPayload>;

export function guildPayload(o: { id: string; ownerId: string; channels: ReturnType<typeof channelPayload>[]; threads: ReturnType<typeof threadPayload>[]; members: ReturnType<typeof memberPayload>[]; roles: string[] }) {
  const role = (id: string, name: string, position: number) => ({
    id, name, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null }, hoist: false,
    icon: null, unicode_emoji: null, position, permissions: '1071698660929', managed: false, mentionable: false, flags: 0,
  });
  return {
    id: o.id, name: 'Fake Guild', icon: null, splash: null, discovery_splash: null, owner_id: o.ownerId,
    afk_channel_id: null, afk_timeout: 300, verification_level: 0, default_message_notifications: 0,
    explicit_content_filter: 0, roles: [role(o.id, '@everyone', 0), ...o.roles.map((r, i) => role(r, `role${i}`, i + 1))],
    emojis: [], features: [], mfa_level: 0, application_id: null, system_channel_id: null, system_channel_flags: 0,
    rules_channel_id: null, vanity_url_code: null, description: null, banner: null, premium_tier: 0,
    preferred_locale: 'en-US', public_updates_channel_id: null, nsfw_level: 0, stickers: [],
    premium_progress_bar_enabled: false, joined_at: new Date(0).toISOString(), large: false, unavailable: false,
    member_count: o.members.length, voice_states: [], members: o.members, channels: o.channels, threads: o.threads,
    presences: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
  };
}

export interface StoredMessage {
  id: string;
  channel_id: string;
  author: ReturnType<typeof userPayload>;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  flags: number;
  components: unknown[];
  embeds: unknown[];
  attachments: unknown[];
  type: number;
  member?: ReturnType<typeof memberPayload>;
  message_reference?: { message_id: string; channel_id: string; guild_id?: string };
  webhook_id?: string;
  application_id?: string;
  /** Not part of the API object: the interaction token whose response this is (for `@original`). */
  interactionToken?: string;
  /** The `nonce` it was created with (Create Message), echoed back in its payload as Discord does. */
  nonce?: string;
}

/** The API's message object for a stored message (drops the fake's own bookkeeping). */
export function messagePayload(m: StoredMessage) {
  const { interactionToken: _token, ...rest } = m;
  return {
    ...rest, tts: false, mention_everyone: false, mentions: [], mention_roles: [], mention_channels: [],
    pinned: false, sticker_items: [],
  };
}
