/**
 * Resume-on-typing: when a session's owner starts typing in its thread (Gateway `TYPING_START`,
 * intent `GuildMessageTyping`; Discord API docs, "Typing Start"), a suspended session starts its
 * `claude --resume` now, so the few hundred ms that costs hide behind the typing and the message
 * finds the process ready. Only the owner's typing counts (while they may still use the bot), and only for a session without a process;
 * the session asks the slot pool as for a message, but never queues for it.
 */
import type { Typing } from 'discord.js';
import { isAllowed } from './access.js';
import type { BotContext } from './context.js';

/** Handles one typing event. Never throws (a failure is logged; the message will start the process anyway). */
export function warmOnTyping(ctx: Pick<BotContext, 'manager' | 'log' | 'policy'>, typing: Pick<Typing, 'user' | 'member' | 'channel'>): void {
  try {
    if (typing.user.bot || !typing.channel.isThread() || !isAllowed(typing, ctx.policy)) return; // an owner no longer allowed starts nothing
    const session = ctx.manager.getChannelSession(typing.channel.id as never);
    if (!session || session.isLive || session.record.ownerId !== typing.user.id) return;
    void session.warm().then(
      (asked) => { if (asked) ctx.log.debug({ session: session.id }, 'owner is typing: starting the process'); },
      (err) => ctx.log.warn({ err, session: session.id }, 'could not start the process ahead of a message'),
    );
  } catch (err) {
    ctx.log.warn({ err }, 'typing event not handled');
  }
}
