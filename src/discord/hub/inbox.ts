/**
 * `HubInbox`: plain messages in a session's thread, on the hub (several machines). From the
 * session's owner or an admin they go to the session's runner as `steer` commands (into the running
 * turn, else the next turn, answered in a reply); anyone else is told once per thread. Each command's
 * id derives from the message id, so a message taken twice is taken once by the runner.
 *
 * Discord does not send a new gateway session the messages it sent a dead one. Each message taken
 * moves its channel's cursor in the hub's store; at start-up {@link HubInbox.catchUp} reads every
 * session thread after its cursor (Get Channel Messages, `after`) and takes what it finds, before
 * live messages, in order — as `ThreadInbox` does in the all-in-one bridge.
 */
import type { Client, Message } from 'discord.js';
import { BridgeError, makeErrorRef, userFacingMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { RecentSet } from '../../core/recent-set.js';
import type { HubService } from '../../hub/service.js';
import { assertAllowed, assertMayAct, type AccessPolicy } from '../access.js';
import { placeOf } from '../context.js';
import { makeReplyRef } from '../reply-ref.js';
import { natsAwayNote, offlineNote } from './commands.js';
import { OrderedInbox } from '../ordered-inbox.js';

const NO_PINGS = { parse: [] as never[], repliedUser: false };

export class HubInbox extends OrderedInbox {
  /** Who was already refused in which thread (`channel:user`); the oldest are forgotten (told again at worst). */
  private readonly told = new RecentSet(10_000);

  constructor(private readonly o: { client: () => Client; hub: HubService; policy: AccessPolicy; log: Logger }) {
    super();
  }

  /** Takes the messages sent in session threads while the hub was away, then the live ones held meanwhile. Never throws. */
  async catchUp(): Promise<void> {
    const taken = await this.catchUpThreads(this.o.client(), this.o.hub.cursors(), this.o.log);
    this.o.log.info({ messages: taken }, 'caught up on messages sent while the hub was away');
  }

  protected async take(m: Message): Promise<void> {
    if (m.author.bot || m.system || !m.inGuild() || !m.channel.isThread()) return;
    const p = placeOf(m);
    // A session's thread — or one the hub opened whose session its runner has not reported yet (offline).
    const ownerId = this.o.hub.channelOwner(p.channelId);
    if (!ownerId) return; // not a session's thread
    const sessionId = this.o.hub.channelSession(p.channelId)?.sessionId ?? null;
    try {
      assertAllowed(m, this.o.policy);
      assertMayAct(p.userId, ownerId, this.o.policy);
    } catch (err) {
      this.o.hub.messageTaken(p.channelId, m.id);
      this.o.hub.audit({ userId: p.userId, kind: 'message', action: 'message', sessionId, channelId: p.channelId, result: 'refused', detail: (err as BridgeError).code ?? null });
      const key = `${p.channelId}:${p.userId}`;
      if (this.told.has(key)) return;
      this.told.add(key);
      const code = (err as BridgeError).code;
      const text = code === 'NOT_SESSION_OWNER' ? new BridgeError('THREAD_OWNER', { ownerId }).userMessage : (err as BridgeError).userMessage;
      await m.reply({ content: text, allowedMentions: NO_PINGS }).catch((e: unknown) => this.o.log.warn({ err: e }, 'could not answer a refused message'));
      return;
    }
    if (!m.content.trim()) return void this.o.hub.messageTaken(p.channelId, m.id);
    try {
      const sent = await this.o.hub.send({ ...p, userId: ownerId }, m.content, {
        source: m.id, replyRef: makeReplyRef({ channelId: p.channelId, replyTo: m.id }), type: 'steer',
      });
      this.o.hub.messageTaken(p.channelId, m.id);
      this.o.hub.audit({ userId: p.userId, kind: 'message', action: 'message', sessionId, channelId: p.channelId, runner: sent.runner, result: 'ok', detail: null });
      this.o.log.info({ command: sent.commandId, runner: sent.runner, online: sent.online }, 'thread message sent to a runner');
      const note = !sent.published ? natsAwayNote : !sent.online ? offlineNote(sent.runner) : null;
      if (note) await m.reply({ content: note, allowedMentions: NO_PINGS });
    } catch (err) {
      const ref = makeErrorRef();
      if (!(err instanceof BridgeError)) this.o.log.error({ err, ref, message: m.id }, 'a thread message could not be sent to its runner');
      this.o.hub.audit({ userId: p.userId, kind: 'message', action: 'message', sessionId, channelId: p.channelId, result: err instanceof BridgeError ? 'refused' : 'error', detail: err instanceof BridgeError ? err.code : ref });
      await m.reply({ content: `⚠️ ${userFacingMessage(err, ref)}`, allowedMentions: NO_PINGS })
        .catch((e: unknown) => this.o.log.warn({ err: e, ref }, 'could not tell the user about an error'));
    }
  }
}
