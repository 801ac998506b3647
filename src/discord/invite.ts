/**
 * What a server must grant the bot, and the invite link that asks for exactly that. The list follows
 * what the code does: reply and stream answers (Send Messages, Attach Files for `.diff`/`answer.md`),
 * open a thread per session from the reply (Create Public Threads, Read Message History) and post in
 * it (Send Messages in Threads), see the channel (View Channels), and offer `/claude` (Use Application
 * Commands). No reactions, embeds or moderation rights are used.
 */
import { PermissionFlagsBits } from 'discord.js';

/** The permissions the default configuration (THREADS=true) needs, with the names the Developer Portal shows. */
export const BOT_PERMISSIONS = [
  { name: 'View Channels', flag: PermissionFlagsBits.ViewChannel },
  { name: 'Send Messages', flag: PermissionFlagsBits.SendMessages },
  { name: 'Send Messages in Threads', flag: PermissionFlagsBits.SendMessagesInThreads },
  { name: 'Create Public Threads', flag: PermissionFlagsBits.CreatePublicThreads },
  { name: 'Read Message History', flag: PermissionFlagsBits.ReadMessageHistory },
  { name: 'Attach Files', flag: PermissionFlagsBits.AttachFiles },
  { name: 'Use Application Commands', flag: PermissionFlagsBits.UseApplicationCommands },
] as const;

/** The OAuth2 scopes the invite asks for: the bot user, and its slash command. */
export const BOT_SCOPES = ['bot', 'applications.commands'] as const;

/** The permissions integer of {@link BOT_PERMISSIONS} (a bit field, as the invite URL's `permissions`). */
export function botPermissionsInteger(): bigint {
  return BOT_PERMISSIONS.reduce((bits, p) => bits | p.flag, 0n);
}

/** The gateway intents the defaults need, and whether the Developer Portal must switch them on. */
export function requiredIntents(threads: boolean): { name: string; privileged: boolean; why: string }[] {
  const intents = [{ name: 'Guilds', privileged: false, why: 'slash commands and channels' }];
  if (threads) {
    intents.push(
      { name: 'Guild Messages', privileged: false, why: 'messages typed in session threads' },
      { name: 'Guild Message Typing', privileged: false, why: 'a suspended session resumes while its owner types' },
      { name: 'Message Content', privileged: true, why: 'so the bot can read what users type in session threads (THREADS=true)' },
    );
  }
  return intents;
}

/**
 * The invite link for an application: bot + applications.commands scopes and {@link botPermissionsInteger}.
 * @param applicationId the application's id (Developer Portal → General Information), or a placeholder
 */
export function inviteUrl(applicationId: string): string {
  const query = `client_id=${encodeURIComponent(applicationId)}&scope=${BOT_SCOPES.join('%20')}&permissions=${botPermissionsInteger()}`;
  return `https://discord.com/oauth2/authorize?${query}`;
}

/**
 * The application id a bot token belongs to: its first segment is the bot user's id in base64, and a
 * bot user's id is its application's id. Null when the token is not shaped like one.
 */
export function applicationIdFromToken(token: string): string | null {
  const first = token.split('.')[0] ?? '';
  const id = Buffer.from(first, 'base64').toString('utf8');
  return /^\d{17,20}$/.test(id) ? id : null;
}
