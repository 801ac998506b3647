/** What every handler of the Discord adapter is given, and where an interaction or message happens. */
import type { BaseInteraction, Client, Message } from 'discord.js';
import { parseSnowflake, type Snowflake } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SessionManager } from '../sessions/manager.js';
import type { AccessPolicy } from './access.js';

export interface BotContext {
  client: Client;
  manager: SessionManager;
  log: Logger;
  policy: AccessPolicy;
  /** `/claude ask` in a channel opens a thread for the session (`THREADS`). */
  threads: boolean;
  /** Plain messages in a session's thread reach the bot (the Message Content intent was granted). */
  plainMessages: () => boolean;
  /** Messages of answer text at most (`MAX_INLINE_CHUNKS`). */
  maxInlineChunks: number;
}

/** Who and where: the user, the channel (a thread's own id), its guild, and a thread's parent channel. */
export interface Place {
  userId: Snowflake;
  channelId: Snowflake;
  guildId: Snowflake | null;
  /** For a thread: the channel it belongs to. */
  parentId: Snowflake | null;
}

export function placeOf(source: BaseInteraction | Message): Place {
  const user = 'author' in source ? source.author : source.user;
  const channel = source.channel;
  return {
    userId: parseSnowflake(user.id),
    channelId: parseSnowflake(source.channelId!),
    guildId: source.guildId ? parseSnowflake(source.guildId) : null,
    parentId: channel?.isThread() && channel.parentId ? parseSnowflake(channel.parentId) : null,
  };
}
