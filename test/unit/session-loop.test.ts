/**
 * The session loop through its seams (test/helpers/session-seams.ts): slot hand-over, bursts of
 * steered messages, the follow-up turns the CLI starts by itself, and restarts (a second manager on
 * the same store) at the instants where a message used to be lost or answered twice.
 */
import { describe, expect, it } from 'vitest';
import type { Turn } from '../../src/sessions/turn.js';
import { alice, chan, makeManager, restart, runningFirst, seams, started, useSeams } from '../helpers/session-seams.js';

useSeams();

describe('slots', () => {
  it('13 asks from one user 1 by 1 under MAX_SESSIONS=2: every one answered, none evicted before its turn started', async () => {
    makeManager({ max: 2, perUser: 2, maxQueue: 20 });
    seams.backend.hold = true; // answers come when the test says, so slots are busy while others ask
    const turns: Turn[] = [];
    for (let i = 0; i < 13; i++) {
      const s = seams.manager.createSession(alice, chan(i + 1));
      turns.push(s.sendMessage(`ask ${i}`));
      await new Promise((r) => setImmediate(r));
      for (const p of seams.backend.started) p.release();
    }
    seams.backend.hold = false;
    for (const p of seams.backend.started) p.release();
    const results = await Promise.all(turns.map((t) => t.done));
    expect(results.map((r) => r.outcome)).toEqual(Array(13).fill('success'));
    expect(results.map((r) => r.text)).toEqual(turns.map((_, i) => `echo: ask ${i} (turn 1)`));
    expect(seams.manager.liveCount()).toBeLessThanOrEqual(2);
  });

  it('a session with a message not yet handled is not evicted; the newcomer waits and is told its place', async () => {
    makeManager({ max: 1, perUser: 1, maxQueue: 4 });
    const a = seams.manager.createSession(alice, chan(1));
    await a.sendMessage('first').done;
    seams.backend.hold = true;
    const aNext = a.sendMessage('a again'); // a has work: it keeps its process
    const b = seams.manager.createSession(alice, chan(2));
    const positions: number[] = [];
    const bTurn = b.sendMessage('b');
    bTurn.on('queued', (p) => positions.push(p));
    await started(aNext);
    expect(seams.backend.started).toHaveLength(1);
    seams.backend.hold = false;
    seams.backend.last.release();
    expect((await aNext.done).outcome).toBe('success');
    expect((await bTurn.done).outcome).toBe('success'); // a, idle now, made room
    expect(positions).toEqual([1]);
    expect(a.state).toBe('suspended');
  });

  it('a full queue refuses with QUEUE_FULL, and the refused message is not left waiting', async () => {
    makeManager({ max: 1, perUser: 1, maxQueue: 1 });
    seams.backend.hold = true;
    const t1 = seams.manager.createSession(alice, chan(1)).sendMessage('one');
    await started(t1);
    const t2 = seams.manager.createSession(alice, chan(2)).sendMessage('two'); // waits (1st in line)
    const t3 = seams.manager.createSession(alice, chan(3)).sendMessage('three'); // refused
    const r3 = await t3.done;
    expect(r3.error?.code).toBe('QUEUE_FULL');
    seams.backend.hold = false;
    seams.backend.last.release();
    expect((await t1.done).outcome).toBe('success');
    expect((await t2.done).outcome).toBe('success');
  });
});

describe('bursts', () => {
  it('50 messages in one go into one session: each folded into the running turn or answered after it', async () => {
    const { s, first } = await runningFirst();
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => s.steer(`m${i}`)));
    expect(sent.every((x) => x.kind === 'steered')).toBe(true);
    seams.backend.hold = false;
    seams.backend.last.release();
    expect((await first.done).outcome).toBe('success');
    // The fake takes steered messages at once (echo): all 50 are folded into the running turn.
    expect(first.steers.map((m) => m.state)).toEqual(Array(50).fill('folded'));
    await s.delivered(first);
    expect(seams.store.listTurns(s.id).map((t) => t.prompt)).toEqual(['warm up']); // folded messages are delivered with their turn
  });

  it('messages the process never took are answered as turns of their own when it dies', async () => {
    const { s, first, shown } = await runningFirst();
    const proc = seams.backend.last;
    const write = proc.write.bind(proc);
    proc.write = async (line) => { if (!line.includes('"uuid"')) await write(line); proc.written.push(line); }; // takes nothing
    for (let i = 0; i < 3; i++) expect((await s.steer(`lost ${i}`)).kind).toBe('steered');
    seams.backend.hold = false;
    proc.end({ signal: 'SIGKILL', stderrTail: '' });
    expect((await first.done).outcome).toBe('process-exited');
    const answers = await Promise.all(shown.map((t) => t.done));
    expect(answers.map((a) => a.text)).toEqual(['echo: lost 0 (turn 1)', 'echo: lost 1 (turn 2)', 'echo: lost 2 (turn 3)']);
  });
});

describe('steered messages the CLI answers after the running turn (queue mode)', () => {
  it('become one follow-up turn whose row absorbs theirs; delivering both leaves nothing owed', async () => {
    const { s, first, shown } = await runningFirst('queue');
    const followUps = shown; // only follow-ups are shown from here on
    expect((await s.steer('second')).kind).toBe('steered');
    expect((await s.steer('third')).kind).toBe('steered');
    seams.backend.hold = false;
    seams.backend.last.release();
    expect((await first.done).outcome).toBe('success');
    expect(first.steers.map((m) => m.state)).toEqual(['next-turn', 'next-turn']);
    await s.post({ type: 'moveTo', channelId: s.record.channelId, guildId: null }); // the follow-up's output was handled
    expect(followUps).toHaveLength(1);
    expect(followUps[0]!.followUpOf).toBe(first);
    expect((await followUps[0]!.done).text).toBe('echo: second\nthird (turn 3)');
    await s.delivered(first);
    await s.delivered(followUps[0]!);
    expect(seams.store.listTurns(s.id).map((t) => t.prompt)).toEqual(['warm up']);
  });

  it('answered by the CLI in turns of their own (split): a follow-up per message, each answered', async () => {
    const { s, first, shown } = await runningFirst('split');
    const followUps = shown; // only follow-ups are shown from here on
    await s.steer('second');
    await s.steer('third');
    seams.backend.hold = false;
    seams.backend.last.release();
    await first.done;
    await s.post({ type: 'moveTo', channelId: s.record.channelId, guildId: null });
    expect(await Promise.all(followUps.map(async (t) => (await t.done).text))).toEqual(['echo: second (turn 3)', 'echo: third (turn 4)']);
    for (const t of [first, ...followUps]) await s.delivered(t);
    expect(seams.store.listTurns(s.id).map((t) => t.prompt)).toEqual(['warm up']);
    expect((await s.sendMessage('after').done).text).toBe('echo: after (turn 5)'); // nothing stuck behind them
  });

  it('stop while they wait: every turn shown settles, none is left hanging', async () => {
    const { s, first, shown } = await runningFirst('queue');
    await s.steer('never taken');
    await s.stop();
    expect((await first.done).outcome).toBe('interrupted');
    const ends = await Promise.all(shown.map((t) => t.done));
    expect(ends.map((r) => r.outcome)).toEqual(['interrupted']);
    expect(s.state).toBe('stopped');
  });
});

describe('restart (a second manager on the same store)', () => {
  it('an answer not yet shown is shown from its stored result, never asked of Claude again', async () => {
    const s = seams.manager.createSession(alice, chan(1));
    expect((await s.sendMessage('once').done).text).toBe('echo: once (turn 1)');
    const proc = seams.backend.last;
    const second = await restart();
    proc.end({ signal: 'SIGHUP', stderrTail: '' }); // the process died with the bot (as under node-pty)
    const restored = await second.restoreSessions();
    expect(restored.map((r) => r.turn.prompt)).toEqual(['once']);
    expect((await restored[0]!.turn.done).text).toBe('echo: once (turn 1)');
    expect(seams.backend.started).toHaveLength(1); // no process started to ask again
    expect(proc.written.filter((l) => l.includes('"once"'))).toHaveLength(1);
  });

  it('a turn running at the crash goes on from the stored offset: the turn before it is not replayed into it', async () => {
    const s = seams.manager.createSession(alice, chan(1));
    seams.backend.hold = true;
    const a = s.sendMessage('A');
    const b = s.sendMessage('B');
    await started(a);
    seams.backend.last.release(); // A answered; B is written and held
    expect((await a.done).text).toBe('echo: A (turn 1)');
    await s.delivered(a);
    await started(b);
    const second = await restart();
    const restored = await second.restoreSessions();
    const rb = restored.find((r) => r.turn.prompt === 'B')!.turn;
    expect(second.getSession(s.id)!.state).toBe('running');
    seams.backend.hold = false;
    seams.backend.last.release();
    expect((await rb.done).text).toBe('echo: B (turn 2)');
  });

  it('a turn marked written whose prompt the live process never got (a crash in between) is written once after restart', async () => {
    const s = seams.manager.createSession(alice, chan(1));
    await s.sendMessage('before').done;
    const proc = seams.backend.last;
    // The crash came after the row was marked running and before the prompt reached the FIFO.
    seams.store.addTurn({ id: '0b5e7c1e-1111-4222-8333-444455556666', sessionId: s.id, seq: 9, prompt: 'lost in the crash', replyRef: null, state: 'running', createdAt: seams.clock });
    const second = await restart();
    const restored = await second.restoreSessions();
    const t = restored.find((r) => r.turn.prompt === 'lost in the crash')!.turn;
    expect((await t.done).text).toBe('echo: lost in the crash (turn 2)');
    expect(proc.written.filter((l) => l.includes('lost in the crash'))).toHaveLength(1);
    expect(t.notices).toEqual([]); // it was never sent before: nothing to explain
  });

  it('a message marked steered whose write the crash cut off is answered on its own after restart, once', async () => {
    const s = seams.manager.createSession(alice, chan(1));
    await s.sendMessage('warm up').done;
    seams.backend.hold = true;
    const running = s.sendMessage('long one');
    await started(running);
    // The crash came after the row was marked steered into the running turn and before the write.
    seams.store.addTurn({ id: '1c2d3e4f-1111-4222-8333-444455556666', sessionId: s.id, seq: 9, prompt: 'cut off', replyRef: null, state: 'queued', createdAt: seams.clock,
      steerUuid: '9f8e7d6c-1111-4222-8333-444455556666', steeredInto: running.id });
    const proc = seams.backend.last;
    const second = await restart();
    const restored = await second.restoreSessions();
    seams.backend.hold = false;
    proc.release();
    const byPrompt = Object.fromEntries(await Promise.all(restored.map(async (r) => [r.turn.prompt, (await r.turn.done).text] as const)));
    expect(byPrompt).toEqual({ 'warm up': 'echo: warm up (turn 1)', 'long one': 'echo: long one (turn 2)', 'cut off': 'echo: cut off (turn 3)' });
    expect(proc.written.filter((l) => l.includes('cut off'))).toHaveLength(1);
  });
});
