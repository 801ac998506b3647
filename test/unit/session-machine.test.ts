/**
 * The session loop through its seams (test/helpers/session-seams.ts: fake backend, fake clock,
 * in-memory SQLite): one test per row of the transition table in src/sessions/machine.ts that a
 * session can be driven into (`starting` only exists inside a handler).
 */
import { describe, expect, it } from 'vitest';
import { checkTransition } from '../../src/sessions/machine.js';
import { chan, seams, sessionIn, useSeams } from '../helpers/session-seams.js';

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
