/**
 * `HubEvents`: the runners' events, on the hub (issue 12). Turns them into {@link RemoteTurn}s and
 * prompts for the Discord adapter ({@link HubUi}), and into the hub's record of sessions.
 *
 * Exactly once: an event is acknowledged only once its effect is kept — a turn once stored
 * (`hub_turns`), a result once Discord has the turn's final state (then `shown_at` is set, and the
 * result coming again is only acknowledged), a refusal or a permission prompt once posted.
 * Streaming events (text, activity…) are acknowledged at once: they are superseded by the result,
 * which carries the whole text. A result whose turn is not known yet (the hub died before storing
 * it; JetStream delivers it again after its ack wait) is refused (`nak`) until it is.
 *
 * Trust: a runner is confined to its own subjects, but writes its events itself. A session is
 * taken only where the hub sent that runner a message of that owner in that channel, and never
 * moves (runner, owner, channel); a reply ref is used only when the hub gave it to that runner;
 * anything else is dropped and logged.
 */
import type { Logger } from '../core/logger.js';
import type { EventBody, RunnerEvent } from '../remote/protocol.js';
import type { HubCommand, HubStore, HubTurn } from '../store/hub-repo.js';
import { RemoteTurn } from './remote-turn.js';
import type { HubUi } from './ui.js';

type Body<T extends EventBody['type']> = Extract<EventBody, { type: T }>;
export type Outcome = { ok: true } | { ok: false; message: string };

export class HubEvents {
  private readonly live = new Map<string, { turn: RemoteTurn; shown: Promise<void> }>();

  constructor(private readonly o: {
    store: HubStore; ui: () => HubUi; log: Logger; now: () => number;
    /** A command's outcome; `true` when someone waited for it (then the adapter is not told). */
    outcome: (commandId: string, r: Outcome) => boolean;
  }) {}

  /** Handles one event; resolves once its effect is kept (see the module's comment). */
  handle(e: RunnerEvent): Promise<void> | void {
    const b = e.body;
    switch (b.type) {
      case 'accepted': return this.settled(e.runner, b.commandId, { ok: true }, b.sessionId, b.turnId);
      case 'refused': return this.settled(e.runner, b.commandId, { ok: false, message: b.message }, null, null);
      case 'turn': return this.turnEvent(e.runner, b);
      case 'queued': case 'started': case 'text': case 'activity': case 'notice': case 'todos': case 'retry': {
        const row = this.ownTurn(e.runner, b.turnId);
        if (row && row.shownAt === null) this.liveTurn(row).turn.apply(b);
        return;
      }
      case 'result': return this.resultEvent(e.runner, b);
      case 'permission': case 'permissionSettled': {
        const s = this.o.store.session(b.sessionId);
        if (!s || s.runner !== e.runner) return void this.o.log.warn({ runner: e.runner, session: b.sessionId }, 'a permission event of a session this runner does not hold was dropped');
        return b.type === 'permission' ? this.o.ui().permission(b, s) : this.o.ui().permissionSettled(b, s);
      }
      case 'state': return;
    }
  }

  private async settled(runner: string, commandId: string, r: Outcome, sessionId: string | null, turnId: string | null): Promise<void> {
    const cmd = this.o.store.command(commandId);
    if (!cmd || cmd.runner !== runner) return void this.o.log.warn({ runner, command: commandId }, 'the outcome of a command the hub did not send this runner was dropped');
    if (cmd.outcome === null) this.o.store.settleCommand(commandId, r.ok ? 'accepted' : 'refused', sessionId, turnId, this.o.now());
    if (r.ok && sessionId && cmd.ownerId && cmd.channelId && (cmd.type === 'send' || cmd.type === 'steer')) {
      if (!this.o.store.noteSession({ sessionId, runner, ownerId: cmd.ownerId, channelId: cmd.channelId, lastAt: cmd.at })) {
        this.o.log.warn({ runner, session: sessionId }, 'an acceptance naming a session held elsewhere was not recorded');
      }
    }
    if (this.o.outcome(commandId, r)) return;
    if (!r.ok) await this.o.ui().refused(cmd as HubCommand, r.message);
  }

  private turnEvent(runner: string, b: Body<'turn'>): void {
    const known = this.o.store.session(b.sessionId);
    if (!known && !this.o.store.sentTo(runner, b.ownerId, b.channelId)) {
      return void this.o.log.warn({ runner, session: b.sessionId, channel: b.channelId }, 'a turn in a place the hub sent this runner nothing for was dropped');
    }
    if (!this.o.store.noteSession({ sessionId: b.sessionId, runner, ownerId: b.ownerId, channelId: b.channelId, lastAt: this.o.now() })) {
      return void this.o.log.warn({ runner, session: b.sessionId }, 'a turn of a session another runner holds was dropped');
    }
    const replyRef = b.replyRef ? this.o.store.issuedReplyRef(runner, b.replyRef) : null;
    if (b.replyRef && !replyRef) this.o.log.warn({ runner, turn: b.turnId }, 'a reply ref the hub did not give this runner was ignored');
    this.o.store.addTurn({ turnId: b.turnId, sessionId: b.sessionId, runner, ownerId: b.ownerId, channelId: b.channelId, replyRef, followUp: b.followUpOf !== null, createdAt: this.o.now() });
    const row = this.o.store.turn(b.turnId)!;
    if (row.shownAt === null && row.sessionId === b.sessionId) this.liveTurn(row);
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
    const shown = this.o.ui().showTurn(turn, row).then(() => this.o.store.markShown(row.turnId, this.o.now()));
    shown.catch((err: unknown) => this.o.log.error({ err, turn: row.turnId }, 'could not show a turn; it is shown again when its result comes again'));
    const entry = { turn, shown };
    this.live.set(row.turnId, entry);
    return entry;
  }
}
