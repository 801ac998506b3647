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
import type { Logger } from '../core/logger.js';
import type { Session } from '../sessions/session.js';
import type { Turn } from '../sessions/turn.js';
import type { BotContext } from './context.js';
import { nonceOf } from './nonce.js';
import { DEFAULT_RETRY_POLICY, deliver } from './render/delivery.js';
import { makeReplyRef, parseReplyRef, type PostedRef } from './reply-ref.js';
import { channelTarget } from './render/targets.js';
import { TurnView, type ReplyTarget } from './render/turn-view.js';

export class Presenter {
  private readonly lent = new Map<string, ReplyTarget>();
  private readonly showing = new Set<string>();

  /** `ready`: settles once the client is logged in; turns emitted before wait for it. */
  constructor(private readonly ctx: BotContext, private readonly ready: Promise<void>) {
    ctx.manager.on('turn', (session, turn) => void this.ready.then(() => this.present(session, turn)));
  }

  /** A handler lends its interaction's reply to the turn whose ref says `via: interactionId`. */
  lend(interactionId: string, target: ReplyTarget): void {
    this.lent.set(interactionId, target);
  }

  /** The lent reply was not used (the message was steered into a running turn). */
  unlend(interactionId: string): void {
    this.lent.delete(interactionId);
  }

  private async present(session: Session, turn: Turn): Promise<void> {
    if (this.showing.has(turn.id)) return;
    this.showing.add(turn.id);
    const log = this.ctx.log.child({ session: session.id, turn: turn.id });
    const via = parseReplyRef(turn.replyRef)?.via;
    try {
      const target = await this.targetFor(session, turn, log);
      const result = await new TurnView(target, turn, session.id, {
        log, cwd: session.record.cwd, sessionCostUsd: session.record.costUsd, maxInlineChunks: this.ctx.maxInlineChunks, rateLimit: session.rateLimit,
        maxUploadBytes: this.ctx.maxUploadBytes,
      }).run();
      await session.delivered(turn);
      log.info({ outcome: result.outcome, costUsd: result.costUsd }, 'turn shown');
    } catch (err) {
      // Its result is stored with its row: it stays owed, is shown again after a restart, never asked again.
      log.error({ err }, 'could not show a turn');
    } finally {
      this.showing.delete(turn.id);
      if (via) this.lent.delete(via);
    }
  }

  /** Where the turn is shown; posts its message first when there is none yet (retried like a final edit). */
  private async targetFor(session: Session, turn: Turn, log: Logger): Promise<ReplyTarget> {
    const ref = parseReplyRef(turn.replyRef);
    const lent = ref?.via ? this.lent.get(ref.via) : undefined;
    if (lent) return lent;
    if (ref?.messageId) return channelTarget(this.ctx.client, ref as PostedRef);
    const channelId = ref?.channelId ?? session.record.channelId;
    let posted: PostedRef | null = null;
    await deliver('answer message', async () => {
      const channel = this.ctx.client.channels.cache.get(channelId) ?? (await this.ctx.client.channels.fetch(channelId));
      if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
      const message = await channel.send({
        content: turn.followUpOf ? '-# ↪️ answering what was sent while Claude was working…' : '-# 💭 …',
        nonce: nonceOf(turn.id), enforceNonce: true,
        ...(ref?.replyTo ? { reply: { messageReference: ref.replyTo, failIfNotExists: false } } : {}),
        allowedMentions: { parse: [], repliedUser: false },
      });
      posted = { channelId, messageId: message.id };
    }, { policy: DEFAULT_RETRY_POLICY, log });
    await session.setReplyRef(turn, makeReplyRef(posted!));
    return channelTarget(this.ctx.client, posted!);
  }
}
