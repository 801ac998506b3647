/**
 * `HubService`: the hub's side of several machines (issue 12, DESIGN.md §7), between its Discord
 * adapter (`src/discord/hub/`) and the runners (through {@link HubLink}). It places channels on
 * runners, sends commands with ids derived from what caused them (a Discord interaction or message:
 * sent again after a hub restart, a command is stored and taken once), and turns the runners'
 * events into {@link RemoteTurn}s and prompts for the adapter ({@link HubUi}).
 *
 * Exactly once on the hub side: an event is acknowledged only once its effect is kept — a turn once
 * stored (`hub_turns`), a result once Discord has the turn's final state (then `shown_at` is set,
 * and the result coming again is only acknowledged), a refusal or a permission prompt once posted.
 * Streaming events (text, activity…) are acknowledged at once: they are superseded by the result,
 * which carries the whole text. A result whose turn is not known yet (the hub died before storing
 * it; JetStream delivers it again after its ack wait) is refused (`nak`) until it is.
 */
import { createHash } from 'node:crypto';
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { HubLink } from '../remote/hub-link.js';
import type { CommandBody, EventBody, Presence, RunnerEvent } from '../remote/protocol.js';
import type { Reply } from '../remote/requests.js';
import type { HubAuditEntry, HubCommand, HubStore, HubTurn } from '../store/hub-repo.js';
import { RemoteTurn } from './remote-turn.js';
import { type HubUi, isOnline, type HubPlaceOf } from './ui.js';

export type { HubUi } from './ui.js';

type Body<T extends EventBody['type']> = Extract<EventBody, { type: T }>;
/** Claude Code's permission modes, as the protocol's `settings` command takes them. */
export type PermissionModeName = NonNullable<Extract<CommandBody, { type: 'settings' }>['permissionMode']>;

/** How long `/claude project`, `model` and `mode` wait for the runner to take the change before saying it is queued, ms. */
const BIND_WAIT_MS = 15_000;

export interface HubServiceOptions {
  link: Pick<HubLink, 'send' | 'presence' | 'runners' | 'request' | 'consume'>;
  store: HubStore;
  log: Logger;
  now?: () => number;
}

/** A UUID (version 5 layout) derived from a Discord id: the same interaction or message always gives the same command id. */
export function commandIdFor(source: string): string {
  const h = createHash('sha256').update(`cdb-command:${source}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class HubService {
  private readonly live = new Map<string, { turn: RemoteTurn; shown: Promise<void> }>();
  private readonly waiting = new Map<string, (r: { ok: true } | { ok: false; message: string }) => void>();
  private ui: HubUi | null = null;
  private readonly now: () => number;

  constructor(private readonly o: HubServiceOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Starts consuming the runners' events, shown through `ui`. */
  async start(ui: HubUi): Promise<void> {
    this.ui = ui;
    await this.o.link.consume((e) => this.handle(e), { concurrent: true, retryMs: 2_000 });
  }

  /**
   * The runner of a channel: its binding (or its parent channel's, for a thread), else the
   * least-loaded online runner, bound from now on (the channel's sessions live there).
   * @throws BridgeError `NO_RUNNER` when the channel is not bound and no runner is online
   */
  async runnerFor(channelId: string, parentId: string | null): Promise<{ runner: string; online: boolean }> {
    const bound = this.o.store.place(channelId) ?? (parentId ? this.o.store.place(parentId) : null);
    if (bound) return { runner: bound.runner, online: isOnline(await this.o.link.presence(bound.runner), this.now()) };
    const online = (await this.o.link.runners()).filter((p) => isOnline(p, this.now()));
    const best = online.sort((a, b) => a.live / a.max - b.live / b.max || a.name.localeCompare(b.name))[0];
    if (!best) throw new BridgeError('NO_RUNNER');
    this.o.store.setPlace({ channelId, runner: best.name, dir: null, boundBy: null, at: this.now() });
    this.o.log.info({ channel: channelId, runner: best.name }, 'channel placed on the least-loaded runner');
    return { runner: best.name, online: true };
  }

  /**
   * Sends a user's message (`send`, or `steer` into a running turn) to the channel's runner.
   * `source`: the Discord interaction or message id it came with (its command id derives from it).
   * @returns the command id, the runner, and whether it is online (else the message waits in its queue)
   * @throws BridgeError `NO_RUNNER`
   */
  async send(place: HubPlaceOf, text: string, o: { source: string; replyRef: string | null; type?: 'send' | 'steer' }): Promise<{ commandId: string; runner: string; online: boolean }> {
    const session = o.type === 'steer' ? this.o.store.currentSession(place.userId, place.channelId) : null;
    const { runner, online } = session
      ? { runner: session.runner, online: isOnline(await this.o.link.presence(session.runner), this.now()) }
      : await this.runnerFor(place.channelId, place.parentId);
    const id = commandIdFor(o.source);
    this.o.store.addCommand({ id, runner, type: o.type ?? 'send', ownerId: place.userId, channelId: place.channelId, replyRef: o.replyRef, at: this.now() });
    await this.o.link.send(runner, {
      type: o.type ?? 'send', ownerId: place.userId, channelId: place.channelId, guildId: place.guildId, parentId: place.parentId, text, replyRef: o.replyRef,
    }, id);
    return { commandId: id, runner, online };
  }

  /** Interrupts the session's running turn (only `turnId`, when given). @throws BridgeError `SESSION_NOT_FOUND` */
  async interrupt(sessionId: string, by: HubPlaceOf, source: string, turnId?: string): Promise<void> {
    await this.toSession(sessionId, by, source, { type: 'interrupt', sessionId, ...(turnId ? { turnId } : {}) });
  }

  /** Answers a permission prompt. @throws BridgeError `SESSION_NOT_FOUND` */
  async answerPermission(sessionId: string, key: string, decision: 'allow' | 'deny' | 'always', by: HubPlaceOf, source: string): Promise<void> {
    await this.toSession(sessionId, by, source, { type: 'permission', sessionId, key, decision, userId: by.userId });
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
  private async toSession(sessionId: string, by: HubPlaceOf, source: string, body: Parameters<HubServiceOptions['link']['send']>[1]): Promise<void> {
    const s = this.o.store.session(sessionId);
    if (!s) throw new BridgeError('SESSION_NOT_FOUND');
    const id = commandIdFor(source);
    this.o.store.addCommand({ id, runner: s.runner, type: body.type, ownerId: by.userId, channelId: by.channelId, replyRef: null, at: this.now() });
    await this.o.link.send(s.runner, body, id);
  }

  /**
   * Binds a channel (and its threads) to `runner` and, there, to `dir`. Waits up to 15 s for the
   * runner to take the directory.
   * @returns `bound` (the runner took it), `queued` (offline or slow: it applies when the runner takes it)
   * @throws BridgeError `REMOTE` with the runner's reason (e.g. outside its workspace)
   */
  async bind(channelId: string, runner: string, dir: string, userId: string, source: string): Promise<'bound' | 'queued'> {
    const id = commandIdFor(source);
    this.o.store.addCommand({ id, runner, type: 'project', ownerId: userId, channelId, replyRef: null, at: this.now() });
    const taken = await this.sendAndWait(runner, { type: 'project', channelId, dir, userId }, id, () => {
      this.o.store.setPlace({ channelId, runner, dir, boundBy: userId, at: this.now() });
    });
    return taken ? 'bound' : 'queued';
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
    const id = commandIdFor(source);
    this.o.store.addCommand({ id, runner: s.runner, type: 'settings', ownerId: by.userId, channelId: by.channelId, replyRef: null, at: this.now() });
    return this.sendAndWait(s.runner, { type: 'settings', sessionId, ...change }, id);
  }

  /** Sends a recorded command and waits up to 15 s for its outcome: `true` taken, `false` not yet (it stays queued). @throws BridgeError `REMOTE` on a refusal */
  private async sendAndWait(runner: string, body: CommandBody, id: string, sent?: () => void): Promise<boolean> {
    const answered = new Promise<{ ok: true } | { ok: false; message: string }>((resolve) => this.waiting.set(id, resolve));
    try {
      await this.o.link.send(runner, body, id);
      sent?.();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), BIND_WAIT_MS); });
      const r = await Promise.race([answered, late]);
      clearTimeout(timer);
      if (r && !r.ok) throw new BridgeError('REMOTE', { message: r.message });
      return r !== null;
    } finally {
      this.waiting.delete(id);
    }
  }

  /** Every runner seen within the presence TTL. */
  runners(): Promise<Presence[]> {
    return this.o.link.runners();
  }

  presence(runner: string): Promise<Presence | null> {
    return this.o.link.presence(runner);
  }

  /** Asks one runner for the owner's sessions and the terminal sessions of `dir` (its directory for the channel when `null`). */
  sessions(runner: string, ownerId: string, dir: string | null): Promise<Reply> {
    return this.o.link.request(runner, { type: 'sessions', ownerId, dir }, 10_000);
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

  /** Channel cursors: the newest message taken in each (see `HubInbox`). */
  cursors() {
    return this.o.store.cursors();
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

  /** Handles one event; resolves once its effect is kept (see the module's comment). */
  private handle(e: RunnerEvent): Promise<void> | void {
    const b = e.body;
    switch (b.type) {
      case 'accepted': return this.settled(e.runner, b.commandId, { ok: true }, b.sessionId, b.turnId);
      case 'refused': return this.settled(e.runner, b.commandId, { ok: false, message: b.message }, null, null);
      case 'turn': return this.turnEvent(e.runner, b);
      case 'queued': case 'started': case 'text': case 'activity': case 'notice': {
        const row = this.ownTurn(e.runner, b.turnId);
        if (row && row.shownAt === null) this.liveTurn(row).turn.apply(b);
        return;
      }
      case 'result': return this.resultEvent(e.runner, b);
      case 'permission': case 'permissionSettled': {
        const s = this.o.store.session(b.sessionId);
        if (!s || s.runner !== e.runner) return void this.o.log.warn({ runner: e.runner, session: b.sessionId }, 'a permission event of a session this runner does not hold was dropped');
        return b.type === 'permission' ? this.ui!.permission(b, s) : this.ui!.permissionSettled(b, s);
      }
      case 'state': return;
    }
  }

  private async settled(runner: string, commandId: string, r: { ok: true } | { ok: false; message: string }, sessionId: string | null, turnId: string | null): Promise<void> {
    const cmd = this.o.store.command(commandId);
    if (!cmd || cmd.runner !== runner) return void this.o.log.warn({ runner, command: commandId }, 'the outcome of a command the hub did not send this runner was dropped');
    if (cmd.outcome === null) this.o.store.settleCommand(commandId, r.ok ? 'accepted' : 'refused', sessionId, turnId);
    if (r.ok && sessionId && cmd.ownerId && cmd.channelId && cmd.type !== 'project') {
      this.o.store.noteSession({ sessionId, runner, ownerId: cmd.ownerId, channelId: cmd.channelId, lastAt: cmd.at });
    }
    const waiter = this.waiting.get(commandId);
    if (waiter) return waiter(r);
    if (!r.ok) await this.ui!.refused(cmd as HubCommand, r.message);
  }

  private turnEvent(runner: string, b: Body<'turn'>): void {
    if (!this.o.store.noteSession({ sessionId: b.sessionId, runner, ownerId: b.ownerId, channelId: b.channelId, lastAt: this.now() })) {
      return void this.o.log.warn({ runner, session: b.sessionId }, 'a turn of a session another runner holds was dropped');
    }
    this.o.store.addTurn({ turnId: b.turnId, sessionId: b.sessionId, runner, ownerId: b.ownerId, channelId: b.channelId, replyRef: b.replyRef, followUp: b.followUpOf !== null, createdAt: this.now() });
    const row = this.o.store.turn(b.turnId)!;
    if (row.shownAt === null) this.liveTurn(row);
  }

  private async resultEvent(runner: string, b: Body<'result'>): Promise<void> {
    const row = this.o.store.turn(b.turnId);
    if (!row) throw new Error(`the result of turn ${b.turnId} came before the turn itself; held until it is known`);
    if (row.runner !== runner || row.shownAt !== null) return; // not this runner's, or shown already: acknowledged only
    const live = this.liveTurn(row);
    live.turn.apply(b);
    try {
      await live.shown;
    } finally {
      this.live.delete(row.turnId);
    }
  }

  /** A turn of `runner` known to the hub, else `null` (another runner's, or not stored yet). */
  private ownTurn(runner: string, turnId: string): HubTurn | null {
    const row = this.o.store.turn(turnId);
    return row && row.runner === runner ? row : null;
  }

  /** The turn being shown, or a new view of it (after a hub restart: in the message it already has). */
  private liveTurn(row: HubTurn): { turn: RemoteTurn; shown: Promise<void> } {
    const known = this.live.get(row.turnId);
    if (known) return known;
    const turn = new RemoteTurn(row.turnId, row.sessionId);
    const shown = this.ui!.showTurn(turn, row).then(() => this.o.store.markShown(row.turnId, this.now()));
    shown.catch((err: unknown) => this.o.log.error({ err, turn: row.turnId }, 'could not show a turn; it is shown again when its result comes again'));
    const entry = { turn, shown };
    this.live.set(row.turnId, entry);
    return entry;
  }
}
