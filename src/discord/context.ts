/** What every handler of the Discord adapter is given, and where an interaction or message happens. */
import type { BaseInteraction, Client, Message } from 'discord.js';
import { parseSnowflake, type Snowflake } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Automation } from '../sessions/automation.js';
import type { SessionManager } from '../sessions/manager.js';
import type { Worktrees } from '../sessions/worktrees.js';
import type { AccessPolicy } from './access.js';
import type { ReplyTarget } from './render/turn-view.js';

/** Lends a live interaction's reply to the presenter for the turn it starts (see `Presenter`). */
export interface ReplyLender {
  lend(interactionId: string, target: ReplyTarget): void;
  unlend(interactionId: string): void;
}

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
  /** Largest file uploaded, bytes (`MAX_UPLOAD_MB`). */
  maxUploadBytes: number;
  /** The presenter, for handlers that hold an interaction. */
  replies: ReplyLender;
  /** Schedules and triggers (`/claude schedule`, `/claude trigger`); absent in a bot without them. */
  automation: Automation | null;
  /** Sessions in git worktrees (`/claude ask worktree:true`, a channel's setting); absent in a bot without them. */
  worktrees: Worktrees | null;
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
