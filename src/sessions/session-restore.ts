/**
 * A session picking up after a bot restart, run from its loop: reattach a process that outlived the
 * bot (or end it), and rebuild the owed turns from the durable inbox — the turn that was running
 * goes on from the delivered output offset when its process lives (else it is sent again, saying
 * so), messages steered into it are tracked again by their uuid (the replayed output says whether
 * the CLI took them), and everything else waits in the inbox in its order.
 */
import { transcriptMentions } from '../claude/transcript.js';
import type { TurnRecord } from '../store/types.js';
import { BridgeError } from '../core/errors.js';
import { makeClaudeSessionId } from '../core/ids.js';
import { decodeResult, EMPTY_STATS } from './session-loop.js';
import { SessionLimits } from './session-limits.js';
import type { Turn } from './turn.js';

export abstract class SessionRestore extends SessionLimits {
  /** Turns already sent again to a fresh conversation after a failed `--resume` (once each). */
  private readonly recovered = new Set<string>();

  /** `--resume` found no conversation: the turn goes back to the inbox for a fresh conversation. */
  protected recover(): void {
    const turn = this.current;
    if (!turn) return;
    this.current = null;
    this.setState('idle');
    if (this.recovered.has(turn.id)) {
      const error = new BridgeError('TURN_FAILED', { reason: 'the conversation could not be resumed or started afresh' });
      return this.endTurn(turn, { outcome: 'error', error, ...EMPTY_STATS });
    }
    this.recovered.add(turn.id);
    this.log.warn({ claudeSessionId: this.rec.claudeSessionId }, 'resume failed: no conversation; starting a fresh one');
    this.patch({ claudeSessionId: makeClaudeSessionId() });
    this.freshConversation = true; // deliberately new: no second "transcript missing" notice
    turn.resetOutput();
    turn.notice('Claude Code could not find the previous conversation, so this starts a fresh one.');
    this.deps.store.setTurnState(turn.id, 'queued');
    this.inbox.unshift(turn);
  }

  /** @returns the owed turns, each shown (`turn` event) once */
  protected async restoreOwed(attach: boolean): Promise<Turn[]> {
    const rows = this.deps.store.listTurns(this.rec.id);
    const leftover = this.rec.backend === this.deps.backend.kind ? await this.deps.backend.attach(this.rec.id, this.rec.outputOffset) : null;
    if (leftover && (!attach || this.rec.state === 'stopped')) await leftover.kill();
    if (leftover && attach && this.rec.state !== 'stopped') {
      this.adopt(leftover, { resumed: true, fromOffset: this.rec.outputOffset });
      this.setState('idle');
    } else {
      this.patch({ backend: null, outputOffset: 0 });
      this.setState(this.rec.state === 'stopped' ? 'stopped' : 'suspended');
    }
    const restored: Turn[] = [];
    const steers: TurnRecord[] = [];
    const answered = new Set(rows.filter((r) => r.state === 'answered').map((r) => r.id));
    for (const row of rows) {
      if (row.steerUuid && row.steeredInto) { steers.push(row); continue; }
      if (row.steerUuid && this.link && (await transcriptMentions(this.transcriptFile, row.steerUuid))) {
        // Written and taken, awaiting the CLI's own turn for it: the replayed output starts that turn.
        const message = this.turnOf(row);
        this.awaiting.push({ uuid: row.steerUuid, text: row.prompt, into: message, message, replyRef: row.replyRef, mark: { text: row.prompt, state: 'next-turn' } });
        continue;
      }
      if (row.steerUuid) this.deps.store.unsteer(row.id); // never reached the process: a turn of its own
      if (row.parkedUntil != null && row.state === 'queued' && this.rec.state !== 'stopped') {
        // Waiting for a usage limit to reset: shown as waiting, and run at its time (at once if it passed).
        const turn = this.turnOf(row);
        this.show(turn);
        this.parking.hold(turn, row.parkedUntil);
        restored.push(turn);
        continue;
      }
      if (row.state === 'running' && this.link && !(await transcriptMentions(this.transcriptFile, row.writeUuid ?? row.id))) {
        row.state = 'queued'; // marked as written, but the bot died before the live process got it
        this.deps.store.setTurnState(row.id, 'queued');
      }
      restored.push(row.state === 'answered' ? this.restoreAnswered(row) : this.restoreTurn(row));
    }
    for (const row of steers) {
      if (answered.has(row.steeredInto!)) continue; // folded into an answer not yet shown: delivered with it
      const message = this.turnOf(row);
      if (this.current && row.steeredInto === this.current.id && (await transcriptMentions(this.transcriptFile, row.steerUuid!))) {
        // The CLI took it (its uuid is in the transcript): the replayed output says whether it was folded in.
        const steer = this.steering.add(this.current, message, row.steerUuid!);
        this.current.markSteer(steer.mark);
        continue;
      }
      this.deps.store.unsteer(row.id);
      restored.push(this.restoreTurn({ ...row, state: 'queued' }));
    }
    this.inbox.sort((a, b) => a.seq - b.seq);
    if (this.awaiting.length > 0 && this.link && !this.current) this.setState('running'); // the CLI goes on by itself
    return restored;
  }

  /** Answered before the restart but not yet shown: shown from its stored result, not asked again. */
  private restoreAnswered(row: TurnRecord): Turn {
    const turn = this.turnOf(row);
    turn.sentFiles = this.deps.sendFiles?.outbox.filesOf(this.rec.id, turn.id) ?? [];
    this.show(turn);
    const result = decodeResult(row.result);
    turn.end(result ?? { outcome: 'error', error: new BridgeError('TURN_FAILED', { reason: 'its stored result could not be read' }), ...EMPTY_STATS });
    return turn;
  }

  private restoreTurn(row: TurnRecord): Turn {
    const turn = this.turnOf(row);
    this.show(turn);
    if (this.rec.state === 'stopped') {
      turn.notice('The session was stopped before this was answered.');
      this.endTurn(turn, { outcome: 'interrupted', ...EMPTY_STATS });
      return turn;
    }
    if (row.state === 'running' && this.link && this.current === null) {
      this.current = turn;
      turn.markStarted();
      this.link.turnStarted();
      this.setState('running');
      return turn;
    }
    if (row.state === 'running') {
      turn.notice('The bot restarted while Claude was answering, so the prompt was sent again.');
      turn.sentBefore = true;
      this.deps.store.setTurnState(turn.id, 'queued');
    }
    this.inbox.push(turn);
    return turn;
  }
}
