/**
 * The session loop through its seams (test/helpers/session-seams.ts: fake backend, fake clock,
 * in-memory SQLite): one test per row of the transition table in src/sessions/machine.ts that a
 * session can be driven into (`starting` only exists inside a handler).
 */
import { describe, expect, it } from 'vitest';
import { checkTransition } from '../../src/sessions/machine.js';
import type { Session } from '../../src/sessions/session.js';
import type { Turn } from '../../src/sessions/turn.js';
import { chan, restart, seams, sessionIn, started, useSeams } from '../helpers/session-seams.js';

useSeams();

describe('transition table', () => {
  it('flags a transition outside the table', () => {
    expect(checkTransition('idle', 'suspend', 'suspended')).toBeNull();
    expect(checkTransition('idle', 'suspend', 'running')).toMatch(/suspend in idle/);
    expect(checkTransition('idle', 'delivered', 'running')).toMatch(/must not change/);
  });
});

describe('suspended', () => {
  it('message → starts a process and answers, idle after', async () => {
    const { s } = await sessionIn('suspended');
    expect(s.state).toBe('suspended');
    expect((await s.sendMessage('hi').done).text).toBe('echo: hi (turn 1)');
    expect(s.state).toBe('idle');
  });
  it('steer with nothing running → a turn of its own', async () => {
    const { s } = await sessionIn('suspended');
    const sent = await s.steer('hi');
    expect(sent.kind).toBe('turn');
    if (sent.kind === 'turn') expect((await sent.turn.done).outcome).toBe('success');
  });
  it('suspend → refused, still suspended', async () => {
    const { s } = await sessionIn('suspended');
    expect(await s.suspend('operator')).toBe(false);
    expect(s.state).toBe('suspended');
  });
  it('stop → stopped', async () => {
    const { s } = await sessionIn('suspended');
    await s.stop();
    expect(s.state).toBe('stopped');
  });
  it('a slot it did not ask for is given back', async () => {
    const { s } = await sessionIn('suspended');
    await s.post({ type: 'slotGranted' });
    expect(s.state).toBe('suspended');
    expect(seams.manager.liveCount()).toBe(0);
  });
  it('a stale exit changes nothing', async () => {
    const { s } = await sessionIn('suspended');
    await s.post({ type: 'exit', gen: 0, exit: { code: 0, stderrTail: '' } });
    expect(s.state).toBe('suspended');
  });
});

describe('failed', () => {
  it('message → tries again and answers', async () => {
    const { s } = await sessionIn('failed');
    expect(s.state).toBe('failed');
    expect((await s.sendMessage('again').done).outcome).toBe('success');
    expect(s.state).toBe('idle');
  });
  it('stop → stopped', async () => {
    const { s } = await sessionIn('failed');
    await s.stop();
    expect(s.state).toBe('stopped');
  });
});

describe('stopped', () => {
  it('message → wakes the session and answers', async () => {
    const { s } = await sessionIn('stopped');
    expect(s.state).toBe('stopped');
    expect((await s.sendMessage('back').done).outcome).toBe('success');
    expect(s.state).toBe('idle');
  });
  it('moveTo → suspended (resumed elsewhere)', async () => {
    const { s } = await sessionIn('stopped');
    await s.moveTo(chan(2), null);
    expect(s.state).toBe('suspended');
    expect(s.record.channelId).toBe(chan(2));
  });
  it('suspend → refused, still stopped', async () => {
    const { s } = await sessionIn('stopped');
    expect(await s.suspend('operator')).toBe(false);
    expect(s.state).toBe('stopped');
  });
});

describe('idle', () => {
  it('message → running, answered, idle again on the same process', async () => {
    const { s } = await sessionIn('idle');
    expect((await s.sendMessage('second').done).text).toBe('echo: second (turn 2)');
    expect(s.state).toBe('idle');
    expect(seams.backend.started).toHaveLength(1);
  });
  it('suspend (evict) → suspended; the next message resumes', async () => {
    const { s } = await sessionIn('idle');
    expect(await s.suspend('evict')).toBe(true);
    expect(s.state).toBe('suspended');
    expect(s.record.backend).toBeNull();
    expect((await s.sendMessage('again').done).outcome).toBe('success');
    expect(seams.backend.started).toHaveLength(2);
  });
  it('suspend (idle) → refused when there was activity since the cutoff', async () => {
    const { s } = await sessionIn('idle');
    expect(await s.suspend('idle', seams.clock - 1)).toBe(false);
    expect(s.state).toBe('idle');
    expect(await s.suspend('idle', seams.clock + 1)).toBe(true);
    expect(s.state).toBe('suspended');
  });
  it('exit (the process died) → suspended; the next message starts a new one', async () => {
    const { s } = await sessionIn('idle');
    seams.backend.last.end({ signal: 'SIGKILL', stderrTail: '' });
    await new Promise<void>((resolve) => s.once('state', () => resolve()));
    expect(s.state).toBe('suspended');
    expect((await s.sendMessage('still there?').done).outcome).toBe('success');
  });
  it('setModel(name) → idle, set_model written to the live process', async () => {
    const { s } = await sessionIn('idle');
    await s.setModel('opus');
    expect(s.state).toBe('idle');
    expect(seams.backend.last.written.at(-1)).toContain('"subtype":"set_model"');
    expect(s.record.model).toBe('opus');
  });
  it('setModel(null) → suspended: the next start omits --model', async () => {
    const { s } = await sessionIn('idle');
    await s.setModel(null);
    expect(s.state).toBe('suspended');
  });
  it('stop → stopped, process ended', async () => {
    const { s } = await sessionIn('idle');
    await s.stop();
    expect(s.state).toBe('stopped');
    expect(s.isLive).toBe(false);
  });
  it('detach → the process is left running, the loop stops reading', async () => {
    const { s } = await sessionIn('idle');
    await s.detach();
    expect(s.isLive).toBe(false);
    expect(s.record.backend).toBe('tmux'); // restore reattaches it
  });
});

describe('running', () => {
  it('output (result) → idle, the turn ends with the answer', async () => {
    const { s, turn } = await sessionIn('running');
    expect(s.state).toBe('running');
    seams.backend.last.release();
    expect((await turn!.done).text).toBe('echo: long job (turn 2)');
    expect(s.state).toBe('idle');
  });
  it('message → waits behind the running turn, then is answered in order', async () => {
    const { s, turn } = await sessionIn('running');
    const next = s.sendMessage('after');
    await s.post({ type: 'moveTo', channelId: s.record.channelId, guildId: null }); // the message was handled
    expect(s.state).toBe('running');
    expect(next.isStarted).toBe(false);
    seams.backend.hold = false;
    seams.backend.last.release();
    await turn!.done;
    expect((await next.done).text).toBe('echo: after (turn 3)');
  });
  it('steer → written into the running turn with a uuid, which the CLI echoes', async () => {
    const { s, turn } = await sessionIn('running');
    const sent = await s.steer('also this');
    expect(sent).toEqual({ kind: 'steered', into: turn });
    expect(seams.backend.last.written.at(-1)).toMatch(/"uuid":"[0-9a-f-]{36}"/);
    expect(turn!.steers.map((m) => m.state)).toEqual(['folded']);
  });
  it('interrupt → the turn ends interrupted, the process stays', async () => {
    const { s, turn } = await sessionIn('running');
    expect(await s.interrupt()).toBe(true);
    expect((await turn!.done).outcome).toBe('interrupted');
    expect(s.state).toBe('idle');
    expect(s.isLive).toBe(true);
  });
  it('exit (the process died) → suspended, the turn says so in plain words', async () => {
    const { s, turn } = await sessionIn('running');
    seams.backend.last.end({ signal: 'SIGKILL', stderrTail: '' });
    const r = await turn!.done;
    expect(r.outcome).toBe('process-exited');
    expect(r.error?.userMessage).toContain('SIGKILL');
    expect(s.state).toBe('suspended');
  });
  it('suspend (evict) → refused while a turn runs', async () => {
    const { s } = await sessionIn('running');
    expect(await s.suspend('evict')).toBe(false);
    expect(s.state).toBe('running');
  });
  it('suspend (operator) → the turn ends interrupted, suspended', async () => {
    const { s, turn } = await sessionIn('running');
    expect(await s.suspend('operator')).toBe(true);
    expect((await turn!.done).outcome).toBe('interrupted');
    expect(s.state).toBe('suspended');
  });
  it('stop → stopped; a waiting message is ended, never sent', async () => {
    const { s, turn } = await sessionIn('running');
    const waiting = s.sendMessage('queued');
    await s.stop();
    expect(s.state).toBe('stopped');
    expect((await turn!.done).outcome).toBe('interrupted');
    expect((await waiting.done).outcome).toBe('interrupted');
    expect(seams.backend.last.written.some((l) => l.includes('queued'))).toBe(false);
  });
  it('stall → the process is ended once nothing came out for the limit', async () => {
    const { s, turn } = await sessionIn('running');
    expect(await s.checkStall(60_000)).toBe(false);
    seams.clock += 61_000;
    expect(await s.checkStall(60_000)).toBe(true);
    const r = await turn!.done;
    expect(r.error?.code).toBe('TURN_STALLED');
  });
  it('setModel → running; applied before the next turn, not to the running one', async () => {
    const { s, turn } = await sessionIn('running');
    await s.setModel('haiku');
    expect(s.state).toBe('running');
    expect(seams.backend.last.written.some((l) => l.includes('set_model'))).toBe(false);
    seams.backend.hold = false;
    seams.backend.last.release();
    expect((await turn!.done).outcome).toBe('success');
    await s.sendMessage('next').done;
    const w = seams.backend.last.written;
    expect(w.findIndex((l) => l.includes('set_model'))).toBe(w.findIndex((l) => l.includes('"next"')) - 1);
  });
});

describe('a turn parked by a usage limit', () => {
  /** A session whose turn was refused for the usage limit (resetting in a minute of the fake clock) and waits. */
  async function parked(): Promise<{ s: Session; turn: Turn }> {
    const { s } = await sessionIn('idle');
    seams.backend.limitResetsAt = Math.floor((seams.clock + 60_000) / 1000);
    const turn = s.sendMessage('limited');
    await new Promise<void>((resolve) => turn.once('parked', () => resolve()));
    expect(turn.parkedUntil).toBe(seams.backend.limitResetsAt * 1000);
    expect(seams.store.listTurns(s.id).find((r) => r.id === turn.id)).toMatchObject({ state: 'queued', parkedUntil: turn.parkedUntil });
    seams.backend.limitResetsAt = null;
    return { s, turn };
  }
  const reset = () => { seams.clock += 61_000; };

  it('idle: unpark before the reset time → still waits; after it → runs once, idle after', async () => {
    const { s, turn } = await parked();
    expect(s.state).toBe('idle');
    expect(await s.post({ type: 'unpark', turnId: turn.id })).toBe(false); // not yet: the timer is armed again
    reset();
    expect(await s.post({ type: 'unpark', turnId: turn.id })).toBe(true);
    expect((await turn.done).text).toBe('echo: limited (turn 2)');
    expect(await s.post({ type: 'unpark', turnId: turn.id })).toBe(false);
    expect(s.state).toBe('idle');
    const written = seams.backend.last.written.filter((l) => l.includes('"limited"'));
    expect(written).toHaveLength(2);
    expect(JSON.parse(written[1]!).uuid).not.toBe(turn.id); // sent again with a fresh uuid
  });
  it('suspended: unpark → starts a process and answers', async () => {
    const { s, turn } = await parked();
    await s.suspend('operator');
    expect(s.state).toBe('suspended');
    reset();
    await s.post({ type: 'unpark', turnId: turn.id });
    expect((await turn.done).outcome).toBe('success');
    expect(s.state).toBe('idle');
  });
  it('running: unpark → waits behind the running turn', async () => {
    const { s, turn } = await parked();
    seams.backend.hold = true;
    const other = s.sendMessage('in between');
    await started(other);
    reset();
    await s.post({ type: 'unpark', turnId: turn.id });
    expect(s.state).toBe('running');
    seams.backend.hold = false;
    seams.backend.last.release();
    expect((await other.done).outcome).toBe('success');
    expect((await turn.done).outcome).toBe('success');
  });
  it('cancelParked → ends it unanswered; the state stays', async () => {
    const { s, turn } = await parked();
    expect(await s.cancelParked(turn.id)).toBe(true);
    expect((await turn.done).outcome).toBe('interrupted');
    expect(turn.notices.at(-1)).toMatch(/Cancelled while it waited/);
    expect(await s.cancelParked(turn.id)).toBe(false);
    expect(s.state).toBe('idle');
  });
  it('stop → ends it too', async () => {
    const { s, turn } = await parked();
    await s.stop();
    expect((await turn.done).outcome).toBe('interrupted');
    expect(s.state).toBe('stopped');
  });
  it('a restart holds it again from the store, and it runs once at its time', async () => {
    const { s, turn } = await parked();
    const second = await restart();
    const owed = await second.restoreSessions();
    const again = owed.find((r) => r.turn.id === turn.id)!.turn;
    expect(again.parkedUntil).toBe(turn.parkedUntil);
    reset();
    const restored = second.getSession(s.id)!;
    expect(await restored.post({ type: 'unpark', turnId: turn.id })).toBe(true);
    expect((await again.done).outcome).toBe('success');
    expect(await restored.post({ type: 'unpark', turnId: turn.id })).toBe(false);
  });
});
