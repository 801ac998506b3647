/**
 * `OrderedInbox`: plain messages taken one at a time per channel, in order, each once per process —
 * and, at start-up, the messages a thread got while the process was away first. Discord does not
 * send a new gateway session the messages it sent a dead one, so each taker keeps a cursor per
 * thread (the newest message it took) and {@link OrderedInbox.catchUpThreads} reads each thread
 * after it (Get Channel Messages, `after`, at most 100 a call) before the live messages held
 * meanwhile. Used by the all-in-one bridge (`ThreadInbox`) and the hub (`HubInbox`).
 */
import type { Client, Message } from 'discord.js';
import type { Logger } from '../core/logger.js';
import { RecentSet } from '../core/recent-set.js';

/** Discord: Get Channel Messages returns at most 100 messages a call. */
const PAGE = 100;
/** Pages read per thread at start-up (older messages beyond are left). */
const MAX_PAGES = 5;
/** Message ids remembered as taken: more than a start-up catch-up can read (threads × pages × 100) for any likely number of threads. */
const SEEN = 50_000;

export abstract class OrderedInbox {
  private readonly seen = new RecentSet(SEEN);
  /** Per channel, the message being taken: messages of one thread are taken in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private live: Message[] | null = [];

  /** Takes one message (never throws: tells the user and logs). */
  protected abstract take(message: Message): Promise<void>;

  /** A MESSAGE_CREATE. Held until start-up has caught up, so older messages are taken first. */
  onMessage(message: Message): void {
    if (this.live) this.live.push(message);
    else this.enqueue(message);
  }

  /**
   * Takes every message posted in these threads after their cursors, then the live messages held
   * meanwhile; resolves once all are taken. Never throws: a thread that cannot be read is logged.
   * @returns how many messages were found in the threads
   */
  protected async catchUpThreads(client: Client, cursors: Iterable<{ channelId: string; messageId: string }>, log: Logger): Promise<number> {
    let found = 0;
    for (const { channelId, messageId } of cursors) {
      try {
        const channel = await client.channels.fetch(channelId);
        if (!channel?.isThread()) continue;
        let after = messageId;
        for (let page = 0; page < MAX_PAGES; page++) {
          const batch = [...(await channel.messages.fetch({ after, limit: PAGE })).values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
          for (const m of batch) { this.enqueue(m); found++; }
          if (batch.length < PAGE) break;
          after = batch.at(-1)!.id;
        }
      } catch (err) {
        log.warn({ err, channel: channelId }, 'could not read a thread for messages sent while away');
      }
    }
    const held = this.live ?? [];
    this.live = null;
    for (const m of held) this.enqueue(m);
    await Promise.all(this.chains.values());
    return found;
  }

  private enqueue(message: Message): void {
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    const key = message.channelId;
    const next = (this.chains.get(key) ?? Promise.resolve()).then(() => this.take(message));
    this.chains.set(key, next);
    void next.finally(() => { if (this.chains.get(key) === next) this.chains.delete(key); });
  }
}
