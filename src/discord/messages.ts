/**
 * Plain messages in a session's thread (Gateway MESSAGE_CREATE; their text needs the Message
 * Content intent). From the session's owner or an admin they go to the session — into the running
 * turn when one runs (steering), else as the next turn, answered in a reply (by the presenter).
 * Attachments are taken before the message is accepted (`attachments/intake.ts`): images go as
 * image blocks, text files into the text, other files are saved in the session's directory and
 * their paths given; refused ones are named, with the reason, in a reply to the message. Anyone
 * else is told once per thread, and never reaches Claude.
 *
 * Discord does not send a new gateway session the messages it sent a dead one, so a message that
 * arrived while the bot was down — or dying, before it was stored — would be lost. Each message
 * taken moves its channel's cursor in the store (in the transaction that stores it); at start-up
 * {@link ThreadInbox.catchUp} reads every session thread after its cursor (Get Channel Messages,
 * `after`) and takes what it finds, before live messages, in order.
 */
import type { Message } from 'discord.js';
import { BridgeError, makeErrorRef, userFacingMessage } from '../core/errors.js';
import { assertAllowed, assertMayAct } from './access.js';
import { placeOf, type BotContext } from './context.js';
import { composePrompt, refusalText, takeAttachments } from './attachments/intake.js';
import { nonceOf } from './nonce.js';
import { makeReplyRef } from './reply-ref.js';
import { OrderedInbox } from './ordered-inbox.js';
import { RecentSet } from '../core/recent-set.js';

/** Threads of sessions idle for longer are not read at start-up (each costs two REST calls). */
const CATCH_UP_DAYS = 7;

export class ThreadInbox extends OrderedInbox {
  /** Who was already refused in which thread (`channel:user`); the oldest are forgotten (told again at worst). */
  private readonly told = new RecentSet(10_000);

  constructor(private readonly ctx: BotContext) {
    super();
  }

  /**
   * Takes every message posted in a session's thread after its cursor (at most a few pages each),
   * then the live messages held meanwhile. Never throws: a thread that cannot be read is logged.
   */
  async catchUp(): Promise<void> {
    const all = this.ctx.manager.messageCursors().map((c) => ({ c, activity: this.ctx.manager.getChannelSession(c.channelId as never)?.record.lastActivityAt ?? null }));
    // Counted back from the newest activity (the last time the bot worked), so a bot down for a
    // week still reads the threads in use when it went down.
    const newest = all.reduce((max, { activity }) => Math.max(max, activity ?? 0), 0);
    const since = Math.min(Date.now(), newest || Infinity) - CATCH_UP_DAYS * 86_400_000;
    const cursors = all.filter(({ activity }) => activity !== null && activity >= since).map(({ c }) => c);
    const taken = await this.catchUpThreads(this.ctx.client, cursors, this.ctx.log);
    this.ctx.log.info({ messages: taken, threads: all.length }, 'caught up on messages sent while the bot was away');
  }

  protected async take(message: Message): Promise<void> {
    const { ctx } = this;
    if (message.author.bot || message.system || !message.inGuild() || !message.channel.isThread()) return;
    const p = placeOf(message);
    const session = ctx.manager.getChannelSession(p.channelId);
    if (!session) return; // not a session's thread
    const audit = (result: 'ok' | 'refused' | 'error', action: string, detail: string | null = null) =>
      ctx.manager.audit({ userId: p.userId, kind: 'message', action, sessionId: session.id, channelId: p.channelId, result, detail });
    try {
      assertAllowed(message, ctx.policy);
      assertMayAct(p.userId, session.record.ownerId, ctx.policy);
    } catch (err) {
      const code = (err as BridgeError).code;
      audit('refused', 'message', code);
      ctx.manager.messageHandled(p.channelId, message.id);
      const key = `${p.channelId}:${p.userId}`;
      if (this.told.has(key)) return;
      this.told.add(key);
      const text = code === 'NOT_SESSION_OWNER' ? new BridgeError('THREAD_OWNER', { ownerId: session.record.ownerId }).userMessage : (err as BridgeError).userMessage;
      await message.reply({ content: text, allowedMentions: { parse: [] } }).catch((e) => ctx.log.warn({ err: e }, 'could not answer a refused message'));
      return;
    }
    try {
      // Downloaded and saved before acceptance: after a crash meanwhile the cursor has not moved,
      // and catch-up takes the message again (a saved file is then written again, the same).
      const intake = await takeAttachments([...message.attachments.values()], { cwd: session.record.cwd, messageId: message.id });
      if (intake.refused.length > 0) {
        await message.reply({ content: refusalText(intake.refused), allowedMentions: { parse: [] }, nonce: nonceOf('refused', message.id), enforceNonce: true })
          .catch((e) => ctx.log.warn({ err: e }, 'could not name the refused attachments'));
      }
      const text = composePrompt(message.content, intake);
      if (!text.trim() && intake.images.length === 0) {
        if (!ctx.plainMessages()) ctx.log.debug({ channel: p.channelId }, 'a message without readable text (no Message Content intent)');
        ctx.manager.messageHandled(p.channelId, message.id);
        return;
      }
      // Accepted (stored) with where its answer goes — a reply to this message, posted by the
      // presenter — and the channel's cursor moved past it, in one transaction.
      const sent = await session.steer(text, {
        images: intake.images,
        replyRef: makeReplyRef({ channelId: p.channelId, replyTo: message.id }), cursor: { channelId: p.channelId, messageId: message.id },
      });
      audit('ok', sent.kind === 'steered' ? 'steer' : 'message');
    } catch (err) {
      const ref = makeErrorRef();
      ctx.log.error({ err, ref, session: session.id }, 'a thread message failed');
      audit('error', 'message', ref);
      await message.reply({ content: `⚠️ ${userFacingMessage(err, ref)}` }).catch(() => undefined);
    }
  }
}
