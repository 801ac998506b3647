/**
 * `HubService`: the hub's side of several machines (issue 12, DESIGN.md §7), between its Discord
 * adapter (`src/discord/hub/`) and the runners (through {@link HubLink}). It places channels on
 * runners and sends commands with ids derived from what caused them (a Discord interaction or
 * message), through its {@link CommandOutbox}. The runners' events are handled by {@link HubEvents}.
 */
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { HubLink } from '../remote/hub-link.js';
import type { CommandBody, Presence } from '../remote/protocol.js';
import type { Reply } from '../remote/requests.js';
import type { HubAuditEntry, HubStore } from '../store/hub-repo.js';
import { CommandOutbox, commandIdFor } from './command-outbox.js';
import { HubEvents } from './events.js';
import { type HubUi, isOnline, type HubPlaceOf } from './ui.js';

/** Threads with no command for longer are not read at start-up (two REST calls each), as in the all-in-one's `ThreadInbox`. */
const CATCH_UP_DAYS = 7;
/** Shown turns and answered commands are kept this long, then pruned (at start, then daily), ms. */
const RECORD_MS = 30 * 86_400_000;

export { commandIdFor };

export type { HubUi } from './ui.js';

/** Claude Code's permission modes, as the protocol's `settings` command takes them. */
export type PermissionModeName = NonNullable<Extract<CommandBody, { type: 'settings' }>['permissionMode']>;


export interface HubServiceOptions {
  link: Pick<HubLink, 'send' | 'presence' | 'runners' | 'request' | 'consume'>;
  store: HubStore;
  log: Logger;
  now?: () => number;
}

export class HubService {
  private ui: HubUi | null = null;
  private pruning: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly events: HubEvents;
  private readonly outbox: CommandOutbox;

  constructor(private readonly o: HubServiceOptions) {
    this.now = o.now ?? Date.now;
    this.outbox = new CommandOutbox({ link: o.link, store: o.store, log: o.log, now: this.now });
    this.events = new HubEvents({ store: o.store, log: o.log, now: this.now, ui: () => this.ui!, outcome: (id, r) => this.outbox.outcome(id, r) });
  }

  /** Publishes what was recorded and not published, then consumes the runners' events, shown through `ui`. */
  async start(ui: HubUi): Promise<void> {
    this.ui = ui;
    this.prune();
    this.pruning = setInterval(() => this.prune(), 86_400_000).unref();
    await this.outbox.republish();
    await this.o.link.consume((e) => this.events.handle(e), { concurrent: true, retryMs: 2_000 });
  }

  /** Stops retrying publishes. */
  close(): void {
    this.outbox.close();
    clearInterval(this.pruning);
  }

  private prune(): void {
    try {
      const pruned = this.o.store.prune(this.now() - RECORD_MS);
      if (pruned.turns + pruned.commands > 0) this.o.log.info(pruned, 'pruned shown turns and answered commands older than 30 days');
    } catch (err) {
      this.o.log.warn({ err }, 'could not prune the hub store (tried again tomorrow)');
    }
  }

  /**
   * The runner of a channel: its binding (or its parent channel's, for a thread), else the
   * least-loaded online runner, bound from now on to the channel (a thread's parent): its sessions
   * live there. A channel the hub placed itself (not by `/claude project`) whose runner has been
   * gone longer than the presence TTL (30 s without a heartbeat: not a restart) is placed anew when
   * another runner is online: nobody chose that machine, and its new sessions are answered now
   * instead of queued (sessions already there stay there).
   * @throws BridgeError `NO_RUNNER` when the channel is not bound and no runner is online
   */
  async runnerFor(channelId: string, parentId: string | null): Promise<{ runner: string; online: boolean }> {
    const bound = this.o.store.place(channelId) ?? (parentId ? this.o.store.place(parentId) : null);
    if (bound) {
      const presence = await this.o.link.presence(bound.runner);
      const online = isOnline(presence, this.now());
      if (online || bound.boundBy !== null || presence !== null) return { runner: bound.runner, online };
    }
    const online = (await this.o.link.runners()).filter((p) => isOnline(p, this.now()));
    const best = online.sort((a, b) => a.live / a.max - b.live / b.max || a.name.localeCompare(b.name))[0];
    if (!best && bound) return { runner: bound.runner, online: false };
    if (!best) throw new BridgeError('NO_RUNNER');
    // A thread's channel is bound, not the thread: the channel's next threads go to the same runner.
    const placed = this.o.store.placeUnlessBound({ channelId: parentId ?? channelId, runner: best.name, at: this.now() });
    if (placed.runner !== best.name) return { runner: placed.runner, online: isOnline(await this.o.link.presence(placed.runner), this.now()) };
    this.o.log.info({ channel: parentId ?? channelId, runner: best.name }, 'channel placed on the least-loaded runner');
    return { runner: best.name, online: true };
  }

  /**
   * Sends a user's message (`send`, or `steer` into a running turn) to the channel's runner.
   * `source`: the Discord interaction or message id it came with (its command id derives from it).
   * @returns the command id, the runner, and whether it is online (else the message waits in its queue)
   * @throws BridgeError `NO_RUNNER`
   */
  async send(place: HubPlaceOf, text: string, o: { source: string; replyRef: string | null; type?: 'send' | 'steer' }): Promise<{ commandId: string; runner: string; online: boolean; published: boolean }> {
    // Where a session lives already (the user's here, else — in a thread — the thread's), there; else by placement.
    const inThread = place.parentId !== null;
    const session = this.o.store.currentSession(place.userId, place.channelId) ?? (inThread ? this.o.store.channelSession(place.channelId) : null);
    const asked = session || !inThread ? null : this.o.store.channelAsker(place.channelId); // a thread whose session is not reported yet
    const known = session?.runner ?? asked?.runner;
    const { runner, online } = known
      ? { runner: known, online: isOnline(await this.o.link.presence(known), this.now()) }
      : await this.runnerFor(place.channelId, place.parentId);
    const id = commandIdFor(o.source);
    const published = await this.outbox.record({ id, runner, ownerId: place.userId, channelId: place.channelId, replyRef: o.replyRef }, {
      type: o.type ?? 'send', ownerId: place.userId, channelId: place.channelId, guildId: place.guildId, parentId: place.parentId, text, replyRef: o.replyRef,
    });
    return { commandId: id, runner, online, published };
  }

  /** The reply named by `replyRef` (an interaction's) now has its message: a restarted hub edits that. */
  replyPosted(replyRef: string, posted: string): void {
    this.o.store.postReplyRef(replyRef, posted);
  }

  /** Who owns a channel's conversation: its session's owner, else whoever asked there first (its runner has not reported the session yet). */
  channelOwner(channelId: string): string | null {
    return this.o.store.channelSession(channelId)?.ownerId ?? this.o.store.channelAsker(channelId)?.ownerId ?? null;
  }

  /** Interrupts the session's running turn (only `turnId`, when given). @throws BridgeError `SESSION_NOT_FOUND` */
  async interrupt(sessionId: string, by: HubPlaceOf, source: string, turnId?: string): Promise<void> {
    await this.toSession(sessionId, by, source, { type: 'interrupt', sessionId, ...(turnId ? { turnId } : {}) });
  }

  /** Answers a permission prompt. @throws BridgeError `SESSION_NOT_FOUND` */
  async answerPermission(sessionId: string, key: string, decision: 'allow' | 'deny' | 'always', by: HubPlaceOf, source: string): Promise<void> {
    await this.toSession(sessionId, by, source, { type: 'permission', sessionId, key, decision, userId: by.userId });
  }

  /**
   * Denies a prompt the hub can never show (its channel gone, no access), by `nobody`, once (the
   * command's id derives from the prompt). @throws BridgeError `SESSION_NOT_FOUND`
   */
  async denyUnshown(sessionId: string, key: string): Promise<void> {
    const s = this.o.store.session(sessionId);
    if (!s) throw new BridgeError('SESSION_NOT_FOUND');
    await this.outbox.record({ id: commandIdFor(`unshown:${sessionId}:${key}`), runner: s.runner, ownerId: null, channelId: null, replyRef: null },
      { type: 'permission', sessionId, key, decision: 'deny', userId: 'nobody' });
  }

  /** Answers question `index` of a question prompt (`answer`: an option's label, labels joined with ", ", or the user's words). @throws BridgeError `SESSION_NOT_FOUND` */
  async answerQuestion(sessionId: string, key: string, index: number, answer: string, by: HubPlaceOf, source: string): Promise<void> {
    await this.toSession(sessionId, by, source, { type: 'answer', sessionId, key, index, answer, userId: by.userId });
  }

  /** Decides a plan prompt (`feedback` for Claude with `keep`). @throws BridgeError `SESSION_NOT_FOUND` */
  async decidePlan(sessionId: string, key: string, choice: 'approve' | 'edits' | 'keep', feedback: string, by: HubPlaceOf, source: string): Promise<void> {
    await this.toSession(sessionId, by, source, { type: 'plan', sessionId, key, choice, feedback, userId: by.userId });
  }

  /** The session this hub knows (its owner and runner). */
  session(sessionId: string) {
    return this.o.store.session(sessionId);
  }

  /** Sends a command about a session to its runner, recorded first (a refusal is told in `by`'s channel). */
  private async toSession(sessionId: string, by: HubPlaceOf, source: string, body: CommandBody): Promise<void> {
    const s = this.o.store.session(sessionId);
    if (!s) throw new BridgeError('SESSION_NOT_FOUND');
    await this.outbox.record({ id: commandIdFor(source), runner: s.runner, ownerId: by.userId, channelId: by.channelId, replyRef: null }, body);
  }

  /**
   * Binds a channel (and its threads) to `runner` and, there, to `dir`. Waits up to 15 s for the
   * runner to take the directory.
   * @returns `bound` (the runner took it), `queued` (offline or slow: it applies when the runner takes it)
   * @throws BridgeError `REMOTE` with the runner's reason (e.g. outside its workspace)
   */
  async bind(channelId: string, runner: string, dir: string, userId: string, source: string): Promise<'bound' | 'queued'> {
    if (!(await this.o.link.presence(runner)) && !this.o.store.knowsRunner(runner)) throw new BridgeError('RUNNER_UNKNOWN', { name: runner });
    const before = this.o.store.place(channelId);
    this.o.store.setPlace({ channelId, runner, dir, boundBy: userId, at: this.now() });
    try {
      return (await this.outbox.sendAndWait({ id: commandIdFor(source), runner, ownerId: userId, channelId, replyRef: null }, { type: 'project', channelId, dir, userId })) ? 'bound' : 'queued';
    } catch (err) {
      if (before) this.o.store.setPlace(before); // refused: the channel stays where it was
      else this.o.store.deletePlace(channelId);
      throw err;
    }
  }

  /**
   * Sets the session's model (`null`: the default) and/or permission mode, from its next turn. Waits
   * up to 15 s for the runner to take it.
   * @returns `true` when the runner took it, `false` when it is queued (offline or slow)
   * @throws BridgeError `SESSION_NOT_FOUND`, `REMOTE` with the runner's reason
   */
  async settings(sessionId: string, by: HubPlaceOf, source: string, change: { model?: string | null; permissionMode?: PermissionModeName }): Promise<boolean> {
    const s = this.o.store.session(sessionId);
    if (!s) throw new BridgeError('SESSION_NOT_FOUND');
    return this.outbox.sendAndWait({ id: commandIdFor(source), runner: s.runner, ownerId: by.userId, channelId: by.channelId, replyRef: null }, { type: 'settings', sessionId, ...change });
  }

  /** Every runner seen within the presence TTL. */
  runners(): Promise<Presence[]> {
    return this.o.link.runners();
  }

  /** Asks one runner for the owner's sessions and the terminal sessions of `dir` (its directory for the channel when `null`). */
  sessions(runner: string, ownerId: string, dir: string | null): Promise<Reply> {
    return this.o.link.request(runner, { type: 'sessions', ownerId, dir }, 10_000);
  }

  /**
   * A session's export from its runner, chunk by chunk (at most Discord's upload limit in all).
   * @returns the file's name and bytes, and how many transcript lines could not be read
   * @throws BridgeError `SESSION_NOT_FOUND`, `RUNNER_OFFLINE` (no answer), `REMOTE` (the runner's refusal: too large, no transcript…)
   */
  async export(sessionId: string, format: 'markdown' | 'json' | 'jsonl'): Promise<{ name: string; data: Buffer; brokenLines: number }> {
    const s = this.o.store.session(sessionId);
    if (!s) throw new BridgeError('SESSION_NOT_FOUND');
    const parts: Buffer[] = [];
    for (let offset = 0, size = Infinity; offset < size;) {
      const r = await this.o.link.request(s.runner, { type: 'export', sessionId, ownerId: s.ownerId, format, offset }, 20_000).catch((err: unknown) => {
        throw new BridgeError('RUNNER_OFFLINE', { name: s.runner }, { cause: err });
      });
      if (!r.ok) throw new BridgeError('REMOTE', { message: r.message });
      if (r.body.type !== 'export' || r.body.offset !== offset || r.body.size > 10 * 1024 * 1024) throw new Error(`runner ${s.runner} sent an export chunk out of place`);
      const chunk = Buffer.from(r.body.data, 'base64');
      parts.push(chunk);
      offset += chunk.length;
      size = r.body.size;
      if (r.body.done) return { name: r.body.name, data: Buffer.concat(parts), brokenLines: r.body.brokenLines };
      if (chunk.length === 0) throw new Error(`runner ${s.runner} sent an empty export chunk before the end`);
    }
    throw new Error(`runner ${s.runner} never said its export was done`);
  }

  currentSession(ownerId: string, channelId: string) {
    return this.o.store.currentSession(ownerId, channelId);
  }

  /** The newest session in a channel, whoever owns it (a session's thread). */
  channelSession(channelId: string) {
    return this.o.store.channelSession(channelId);
  }

  /** Writes one line of the hub's audit log (`hub_audit`); the runner is the channel's, when it has one. */
  audit(e: Omit<HubAuditEntry, 'at' | 'runner'> & { runner?: string | null }): void {
    const runner = e.runner ?? (e.sessionId ? this.o.store.session(e.sessionId)?.runner : null) ?? (e.channelId ? this.o.store.place(e.channelId)?.runner : null) ?? null;
    try {
      this.o.store.audit({ ...e, runner, at: this.now() });
    } catch (err) {
      this.o.log.error({ err, entry: e }, 'could not write the audit log');
    }
  }

  /**
   * Channel cursors: the newest message taken in each thread used in the {@link CATCH_UP_DAYS} days
   * before the hub's last command (see `HubInbox`): a hub down for a week still reads the threads
   * in use when it went down.
   */
  cursors() {
    const lastWorked = Math.min(this.now(), this.o.store.lastCommandAt() ?? Infinity);
    return this.o.store.cursors(lastWorked - CATCH_UP_DAYS * 86_400_000);
  }

  /** A message of `channelId` was taken (sent to its runner, or refused): catch-up starts after it. */
  messageTaken(channelId: string, messageId: string): void {
    this.o.store.moveCursor(channelId, messageId);
  }

  place(channelId: string) {
    return this.o.store.place(channelId);
  }

  /** The turn's answer message exists now (posted by the adapter): a restarted hub edits it, never posts another. */
  setTurnReplyRef(turnId: string, replyRef: string): void {
    this.o.store.setTurnReplyRef(turnId, replyRef);
  }

  prompt(sessionId: string, key: string) {
    return this.o.store.prompt(sessionId, key);
  }

  setPrompt(p: Parameters<HubStore['setPrompt']>[0]): void {
    this.o.store.setPrompt(p);
  }

  /** The messages of a question or plan prompt (see `HubPromptPart`), and their bookkeeping. */
  get promptParts(): Pick<HubStore, 'promptParts' | 'addPromptPart' | 'answerPromptPart'> {
    return this.o.store;
  }
}
