/**
 * `HubEvents` (issue 12): what the hub accepts from a runner, with the real SQLite hub store and a
 * recording stand-in for the Discord side. A runner writes its own events (NATS only confines the
 * subject), so a turn is taken only where the hub sent that runner a message of that owner, a
 * session never moves, a reply ref is used only when the hub gave it, a result waits for its turn,
 * and a result shown once is only acknowledged after that.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { HubEvents } from '../../src/hub/events.js';
import type { RemoteTurn } from '../../src/hub/remote-turn.js';
import type { HubUi } from '../../src/hub/ui.js';
import type { EventBody, RunnerEvent } from '../../src/remote/protocol.js';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS } from '../../src/store/hub-migrations.js';
import { SqliteHubStore, type HubTurn } from '../../src/store/hub-repo.js';

const ALICE = '100000000000000001';
const CH = '200000000000000001';
const OTHER = '200000000000000002';
const ref = JSON.stringify({ channelId: CH, messageId: '300000000000000001' });

function rig() {
  const store = new SqliteHubStore(openDatabase(':memory:', HUB_MIGRATIONS));
  const shown: Array<{ turn: RemoteTurn; row: HubTurn }> = [];
  const ui: HubUi = {
    showTurn: async (turn, row) => { shown.push({ turn, row }); await turn.done; },
    refused: async () => undefined, permission: async () => undefined, permissionSettled: async () => undefined,
  };
  const events = new HubEvents({ store, ui: () => ui, log: createLogger('silent'), now: Date.now, outcome: () => false });
  let n = 0;
  const ev = (runner: string, body: EventBody): RunnerEvent => ({ v: 1, id: `e${++n}`, runner, at: Date.now(), body });
  const turn = (runner: string, sessionId: string, turnId: string, channelId = CH, replyRef: string | null = ref) =>
    events.handle(ev(runner, { type: 'turn', sessionId, turnId, seq: 1, prompt: 'p', replyRef, ownerId: ALICE, channelId, followUpOf: null }));
  const result = (runner: string, sessionId: string, turnId: string) =>
    events.handle(ev(runner, { type: 'result', sessionId, turnId, outcome: 'success', text: 'done', costUsd: 0, inputTokens: 1, outputTokens: 1, durationMs: 1 }));
  const sent = (runner: string) => store.addCommand({ id: `c-${runner}`, runner, type: 'send', ownerId: ALICE, channelId: CH, replyRef: ref, at: Date.now() });
  return { store, shown, turn, result, sent };
}

describe('HubEvents: what a runner may make the hub show', () => {
  it('drops a turn in a place the hub sent that runner nothing for', () => {
    const r = rig();
    r.sent('a');
    void r.turn('b', 'bbbbbbbbbbbb', 't1');
    expect(r.store.turn('t1')).toBeNull();
    expect(r.shown).toHaveLength(0);
    void r.turn('a', 'aaaaaaaaaaaa', 't2');
    expect(r.store.turn('t2')).toMatchObject({ runner: 'a', replyRef: ref });
    expect(r.shown.map((s) => s.row.turnId)).toEqual(['t2']);
  });

  it('keeps a session where it is, and ignores a reply ref the hub did not give', () => {
    const r = rig();
    r.sent('a');
    void r.turn('a', 'aaaaaaaaaaaa', 't1');
    void r.turn('a', 'aaaaaaaaaaaa', 't2', OTHER); // the same session, claimed in another channel
    expect(r.store.turn('t2')).toBeNull();
    const foreign = JSON.stringify({ channelId: CH, messageId: '300000000000000999' });
    void r.turn('a', 'aaaaaaaaaaaa', 't3', CH, foreign);
    expect(r.store.turn('t3')).toMatchObject({ replyRef: null }); // posted anew, not an edit of someone else's message
    expect(r.store.session('aaaaaaaaaaaa')).toMatchObject({ runner: 'a', channelId: CH, ownerId: ALICE });
  });

  it('uses the reply\'s message id once the hub knows it, whether the turn came before or after', () => {
    const r = rig();
    const via = JSON.stringify({ channelId: CH, via: '400000000000000001' });
    const posted = JSON.stringify({ channelId: CH, messageId: '300000000000000002', via: '400000000000000001' });
    r.store.addCommand({ id: 'c1', runner: 'a', type: 'send', ownerId: ALICE, channelId: CH, replyRef: via, at: Date.now() });
    void r.turn('a', 'aaaaaaaaaaaa', 't1', CH, via); // before Discord answered the deferral
    r.store.postReplyRef(via, posted);
    expect(r.store.turn('t1')!.replyRef).toBe(posted);
    void r.turn('a', 'aaaaaaaaaaaa', 't2', CH, via); // after (a follow-up of the same message, say)
    expect(r.store.turn('t2')!.replyRef).toBe(posted);
  });

  it('holds a result until its turn is known, shows it once, and only acknowledges it after', async () => {
    const r = rig();
    r.sent('a');
    await expect(r.result('a', 'aaaaaaaaaaaa', 't1')).rejects.toThrow(/came before the turn/);
    void r.turn('a', 'aaaaaaaaaaaa', 't1');
    await r.result('a', 'aaaaaaaaaaaa', 't1');
    expect(r.store.turn('t1')!.shownAt).not.toBeNull();
    await r.result('a', 'aaaaaaaaaaaa', 't1'); // delivered again
    expect(r.shown).toHaveLength(1);
    await r.result('b', 'aaaaaaaaaaaa', 't1'); // another runner's word on it: ignored
    expect(r.shown).toHaveLength(1);
  });
});
