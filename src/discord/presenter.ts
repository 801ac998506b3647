/**
 * `Presenter`: the one place a turn is shown in Discord (DESIGN.md §2, "presenter, not handlers").
 * It subscribes to the sessions' `turn` events — a new message, a follow-up the CLI started, a
 * steered message answered on its own, a turn picked up after a restart — and renders each the same
 * way, whoever started it, then marks it delivered. Command handlers only acknowledge, accept the
 * message (with its reply ref) and return; a handler that holds a live interaction lends its reply
 * for the turn (`ReplyRef.via`), else the answer goes through channel messages with the bot token.
 * A turn's message not posted yet (`replyTo`, or none) is created with a nonce derived from the
 * turn id and `enforce_nonce` (Discord API, Create Message), so a retry after a crash cannot post it
 * twice.
 */
import { createHash } from 'node:crypto';
import type { Session } from '../sessions/session.js';
import type { Turn } from '../sessions/turn.js';
import type { BotContext } from './context.js';
import { makeReplyRef, parseReplyRef, type PostedRef } from './reply-ref.js';
import { channelTarget } from './render/targets.js';
import { TurnView, type ReplyTarget } from './render/turn-view.js';

/** Discord: a message nonce is at most 25 characters. */
export function nonceOf(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 25);
}

export class Presenter {
  private readonly lent = new Map<string, ReplyTarget>();
  private readonly showing = new Set<string>();
  private readonly running = new Set<Promise<void>>();

  /** `ready`: settles once the client is logged in; turns emitted before wait for it. */
  constructor(private readonly ctx: BotContext, private readonly ready: Promise<void>) {
    ctx.manager.on('turn', (session, turn) => {
      const shown = this.ready.then(() => this.present(session, turn));
      this.running.add(shown);
      void shown.finally(() => this.running.delete(shown));
    });
  }

  /** A handler lends its interaction's reply to the turn whose ref says `via: interactionId`. */
  lend(interactionId: string, target: ReplyTarget): void {
    this.lent.set(interactionId, target);
  }

  /** The lent reply was not used (the message was steered into a running turn). */
  unlend(interactionId: string): void {
    this.lent.delete(interactionId);
  }

  /** Turns being shown right now. */
  get inFlight(): number {
    return this.showing.size;
  }

  /** Resolves when every turn being shown now is delivered (or failed for good). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async present(session: Session, turn: Turn): Promise<void> {
    if (this.showing.has(turn.id)) return;
    this.showing.add(turn.id);
    const log = this.ctx.log.child({ session: session.id, turn: turn.id });
    const via = parseReplyRef(turn.replyRef)?.via;
    try {
      const target = await this.targetFor(session, turn);
      const result = await new TurnView(target, turn, session.id, {
        log, cwd: session.record.cwd, sessionCostUsd: session.record.costUsd, maxInlineChunks: this.ctx.maxInlineChunks,
      }).run();
      await session.delivered(turn);
      log.info({ outcome: result.outcome, costUsd: result.costUsd }, 'turn shown');
    } catch (err) {
      log.error({ err }, 'could not show a turn; it stays owed and is shown again after a restart');
    } finally {
      this.showing.delete(turn.id);
      if (via) this.lent.delete(via);
    }
  }

  private async targetFor(session: Session, turn: Turn): Promise<ReplyTarget> {
    const ref = parseReplyRef(turn.replyRef);
    const lent = ref?.via ? this.lent.get(ref.via) : undefined;
    if (lent) return lent;
    if (ref?.messageId) return channelTarget(this.ctx.client, ref as PostedRef);
    const channelId = ref?.channelId ?? session.record.channelId;
    const channel = this.ctx.client.channels.cache.get(channelId) ?? (await this.ctx.client.channels.fetch(channelId));
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
    const message = await channel.send({
      content: turn.followUpOf ? '-# ↪️ answering what was sent while Claude was working…' : '-# 💭 …',
      nonce: nonceOf(turn.id), enforceNonce: true,
      ...(ref?.replyTo ? { reply: { messageReference: ref.replyTo, failIfNotExists: false } } : {}),
      allowedMentions: { parse: [], repliedUser: false },
    });
    const posted = { channelId, messageId: message.id };
    await session.setReplyRef(turn, makeReplyRef(posted));
    return channelTarget(this.ctx.client, posted);
  }
}
