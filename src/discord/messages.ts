/**
 * Plain messages in a session's thread (Gateway MESSAGE_CREATE; their text needs the Message
 * Content intent). From the session's owner or an admin they go to the session — into the running
 * turn when one runs (steering), else as the next turn, answered in a reply (by the presenter). Text attachments
 * (.txt, .md) are added to the text. Anyone else is told once per thread, and never reaches Claude.
 */
import type { Message } from 'discord.js';
import { BridgeError, makeErrorRef, userFacingMessage } from '../core/errors.js';
import { assertAllowed, assertMayAct } from './access.js';
import { placeOf, type BotContext } from './context.js';
import { isPromptFile, readPromptFile } from './operations/prompt.js';
import { makeReplyRef } from './reply-ref.js';

/** Makes the MESSAGE_CREATE handler; `told` remembers who was already refused in which thread. */
export function threadMessageHandler(ctx: BotContext): (message: Message) => Promise<void> {
  const told = new Set<string>();
  return async (message) => {
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
      const key = `${p.channelId}:${p.userId}`;
      if (told.has(key)) return;
      told.add(key);
      const text = code === 'NOT_SESSION_OWNER' ? new BridgeError('THREAD_OWNER', { ownerId: session.record.ownerId }).userMessage : (err as BridgeError).userMessage;
      await message.reply({ content: text, allowedMentions: { parse: [] } }).catch((e) => ctx.log.warn({ err: e }, 'could not answer a refused message'));
      return;
    }
    try {
      const files = [...message.attachments.values()].filter((a) => isPromptFile(a));
      const texts = [message.content, ...(await Promise.all(files.map((f) => readPromptFile(f))))];
      const text = texts.filter((t) => t.trim() !== '').join('\n\n');
      if (!text.trim()) {
        if (!ctx.plainMessages()) ctx.log.debug({ channel: p.channelId }, 'a message without readable text (no Message Content intent)');
        return;
      }
      // Accepted (stored) with where its answer goes: a reply to this message, posted by the presenter.
      const sent = await session.steer(text, { replyRef: makeReplyRef({ channelId: p.channelId, replyTo: message.id }) });
      audit('ok', sent.kind === 'steered' ? 'steer' : 'message');
    } catch (err) {
      const ref = makeErrorRef();
      ctx.log.error({ err, ref, session: session.id }, 'a thread message failed');
      audit('error', 'message', ref);
      await message.reply({ content: `⚠️ ${userFacingMessage(err, ref)}` }).catch(() => undefined);
    }
  };
}
