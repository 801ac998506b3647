/**
 * The session loop through its seams: a fake backend (test/fakes/fake-backend.ts), a fake clock and
 * an in-memory SQLite store. One test per row of the transition table in src/sessions/machine.ts
 * that a session can be driven into (`starting` only exists inside a handler).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseSnowflake } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { checkTransition } from '../../src/sessions/machine.js';
import { SessionManager } from '../../src/sessions/manager.js';
import type { Session } from '../../src/sessions/session.js';
import type { Turn } from '../../src/sessions/turn.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import { FakeBackend } from '../fakes/fake-backend.js';

const alice = parseSnowflake('100000000000000001');
const chan = (n: number) => parseSnowflake(`2000000000000000${String(n).padStart(2, '0')}`);

let backend: FakeBackend;
let store: SqliteSessionStore;
let manager: SessionManager;
let clock: number;
let configDir: string;

function makeManager(o: { max?: number; perUser?: number; maxQueue?: number } = {}): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-machine-'));
  configDir = dir;
  backend = new FakeBackend(dir);
  store = new SqliteSessionStore(openDatabase(':memory:'));
  clock = 1_000_000;
  manager = new SessionManager({
    store, backend, claudeBin: '/bin/false', claudeConfigDir: dir, env: {}, defaultCwd: dir,
    maxSessions: o.max ?? 4, maxSessionsPerUser: o.perUser ?? 4, maxQueue: o.maxQueue ?? 4,
    idleTimeoutMs: 60_000, healthIntervalMs: 60_000, turnStallMs: 600_000, log: createLogger('silent'), now: () => clock,
  });
}

beforeEach(() => makeManager());

const started = (t: Turn) => new Promise<void>((resolve) => (t.isStarted ? resolve() : t.once('started', () => resolve())));

/** A session in `state`, ready for one input. */
async function sessionIn(state: 'suspended' | 'idle' | 'running' | 'stopped' | 'failed'): Promise<{ s: Session; turn?: Turn }> {
  const s = manager.createSession(alice, chan(1));
  if (state === 'suspended') return { s };
  if (state === 'failed') {
    backend.failNextStart = new Error('no such binary');
    expect((await s.sendMessage('x').done).outcome).toBe('error');
    return { s };
  }
  await s.sendMessage('warm up').done;
  if (state === 'stopped') await s.stop();
  if (state !== 'running') return { s };
  backend.hold = true;
  const turn = s.sendMessage('long job');
  await started(turn);
  return { s, turn };
}

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
    expect(manager.liveCount()).toBe(0);
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
    expect(backend.started).toHaveLength(1);
  });
  it('suspend (evict) → suspended; the next message resumes', async () => {
    const { s } = await sessionIn('idle');
    expect(await s.suspend('evict')).toBe(true);
    expect(s.state).toBe('suspended');
    expect(s.record.backend).toBeNull();
    expect((await s.sendMessage('again').done).outcome).toBe('success');
    expect(backend.started).toHaveLength(2);
  });
  it('suspend (idle) → refused when there was activity since the cutoff', async () => {
    const { s } = await sessionIn('idle');
    expect(await s.suspend('idle', clock - 1)).toBe(false);
    expect(s.state).toBe('idle');
    expect(await s.suspend('idle', clock + 1)).toBe(true);
    expect(s.state).toBe('suspended');
  });
  it('exit (the process died) → suspended; the next message starts a new one', async () => {
    const { s } = await sessionIn('idle');
    backend.last.end({ signal: 'SIGKILL', stderrTail: '' });
    await new Promise<void>((resolve) => s.once('state', () => resolve()));
    expect(s.state).toBe('suspended');
    expect((await s.sendMessage('still there?').done).outcome).toBe('success');
  });
  it('setModel(name) → idle, set_model written to the live process', async () => {
    const { s } = await sessionIn('idle');
    await s.setModel('opus');
    expect(s.state).toBe('idle');
    expect(backend.last.written.at(-1)).toContain('"subtype":"set_model"');
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
    backend.last.release();
    expect((await turn!.done).text).toBe('echo: long job (turn 2)');
    expect(s.state).toBe('idle');
  });
  it('message → waits behind the running turn, then is answered in order', async () => {
    const { s, turn } = await sessionIn('running');
    const next = s.sendMessage('after');
    await s.post({ type: 'moveTo', channelId: s.record.channelId, guildId: null }); // the message was handled
    expect(s.state).toBe('running');
    expect(next.isStarted).toBe(false);
    backend.hold = false;
    backend.last.release();
    await turn!.done;
    expect((await next.done).text).toBe('echo: after (turn 3)');
  });
  it('steer → written into the running turn with a uuid, which the CLI echoes', async () => {
    const { s, turn } = await sessionIn('running');
    const sent = await s.steer('also this');
    expect(sent).toEqual({ kind: 'steered', into: turn });
    expect(backend.last.written.at(-1)).toMatch(/"uuid":"[0-9a-f-]{36}"/);
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
    backend.last.end({ signal: 'SIGKILL', stderrTail: '' });
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
    expect(backend.last.written.some((l) => l.includes('queued'))).toBe(false);
  });
  it('stall → the process is ended once nothing came out for the limit', async () => {
    const { s, turn } = await sessionIn('running');
    expect(await s.checkStall(60_000)).toBe(false);
    clock += 61_000;
    expect(await s.checkStall(60_000)).toBe(true);
    const r = await turn!.done;
    expect(r.error?.code).toBe('TURN_STALLED');
  });
  it('setModel → running; applied before the next turn, not to the running one', async () => {
    const { s, turn } = await sessionIn('running');
    await s.setModel('haiku');
    expect(s.state).toBe('running');
    expect(backend.last.written.some((l) => l.includes('set_model'))).toBe(false);
    backend.hold = false;
    backend.last.release();
    expect((await turn!.done).outcome).toBe('success');
    await s.sendMessage('next').done;
    const w = backend.last.written;
    expect(w.findIndex((l) => l.includes('set_model'))).toBe(w.findIndex((l) => l.includes('"next"')) - 1);
  });
});

describe('slots', () => {
  it('13 asks from one user 1 by 1 under MAX_SESSIONS=2: every one answered, none evicted before its turn started', async () => {
    makeManager({ max: 2, perUser: 2, maxQueue: 20 });
    backend.hold = true; // answers come when the test says, so slots are busy while others ask
    const turns: Turn[] = [];
    for (let i = 0; i < 13; i++) {
      const s = manager.createSession(alice, chan(i + 1));
      turns.push(s.sendMessage(`ask ${i}`));
      await new Promise((r) => setImmediate(r));
      for (const p of backend.started) p.release();
    }
    backend.hold = false;
    for (const p of backend.started) p.release();
    const results = await Promise.all(turns.map((t) => t.done));
    expect(results.map((r) => r.outcome)).toEqual(Array(13).fill('success'));
    expect(results.map((r) => r.text)).toEqual(turns.map((_, i) => `echo: ask ${i} (turn 1)`));
    expect(manager.liveCount()).toBeLessThanOrEqual(2);
  });

  it('a session with a message not yet handled is not evicted; the newcomer waits and is told its place', async () => {
    makeManager({ max: 1, perUser: 1, maxQueue: 4 });
    const a = manager.createSession(alice, chan(1));
    await a.sendMessage('first').done;
    backend.hold = true;
    const aNext = a.sendMessage('a again'); // a has work: it keeps its process
    const b = manager.createSession(alice, chan(2));
    const positions: number[] = [];
    const bTurn = b.sendMessage('b');
    bTurn.on('queued', (p) => positions.push(p));
    await started(aNext);
    expect(backend.started).toHaveLength(1);
    backend.hold = false;
    backend.last.release();
    expect((await aNext.done).outcome).toBe('success');
    expect((await bTurn.done).outcome).toBe('success'); // a, idle now, made room
    expect(positions).toEqual([1]);
    expect(a.state).toBe('suspended');
  });

  it('a full queue refuses with QUEUE_FULL, and the refused message is not left waiting', async () => {
    makeManager({ max: 1, perUser: 1, maxQueue: 1 });
    backend.hold = true;
    const t1 = manager.createSession(alice, chan(1)).sendMessage('one');
    await started(t1);
    const t2 = manager.createSession(alice, chan(2)).sendMessage('two'); // waits (1st in line)
    const t3 = manager.createSession(alice, chan(3)).sendMessage('three'); // refused
    const r3 = await t3.done;
    expect(r3.error?.code).toBe('QUEUE_FULL');
    backend.hold = false;
    backend.last.release();
    expect((await t1.done).outcome).toBe('success');
    expect((await t2.done).outcome).toBe('success');
  });
});

describe('bursts', () => {
  it('50 messages in one go into one session: each folded into the running turn or answered after it', async () => {
    const s = manager.createSession(alice, chan(1));
    await s.sendMessage('warm up').done;
    backend.hold = true;
    const first = s.sendMessage('first');
    await started(first);
    const shown: Turn[] = [];
    s.on('turn', (t) => shown.push(t));
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => s.steer(`m${i}`)));
    expect(sent.every((x) => x.kind === 'steered')).toBe(true);
    backend.hold = false;
    backend.last.release();
    expect((await first.done).outcome).toBe('success');
    // The fake takes steered messages at once (echo): all 50 are folded into the running turn.
    expect(first.steers.map((m) => m.state)).toEqual(Array(50).fill('folded'));
    await s.delivered(first);
    expect(store.listTurns(s.id).map((t) => t.prompt)).toEqual(['warm up']); // folded messages are delivered with their turn
  });

  it('messages the process never took are answered as turns of their own when it dies', async () => {
    const s = manager.createSession(alice, chan(1));
    await s.sendMessage('warm up').done;
    backend.hold = true;
    const first = s.sendMessage('first');
    await started(first);
    const proc = backend.last;
    const write = proc.write.bind(proc);
    proc.write = async (line) => { if (!line.includes('"uuid"')) await write(line); proc.written.push(line); }; // takes nothing
    const shown: Turn[] = [];
    s.on('turn', (t) => shown.push(t));
    for (let i = 0; i < 3; i++) expect((await s.steer(`lost ${i}`)).kind).toBe('steered');
    backend.hold = false;
    proc.end({ signal: 'SIGKILL', stderrTail: '' });
    expect((await first.done).outcome).toBe('process-exited');
    const answers = await Promise.all(shown.map((t) => t.done));
    expect(answers.map((a) => a.text)).toEqual(['echo: lost 0 (turn 1)', 'echo: lost 1 (turn 2)', 'echo: lost 2 (turn 3)']);
  });
});

describe('steered messages the CLI answers after the running turn (queue mode)', () => {
  it('become one follow-up turn whose row absorbs theirs; delivering both leaves nothing owed', async () => {
    const s = manager.createSession(alice, chan(1));
    await s.sendMessage('warm up').done;
    backend.hold = true;
    backend.steerMode = 'queue';
    const first = s.sendMessage('first');
    await started(first);
    const followUps: Turn[] = [];
    s.on('turn', (t) => { if (t.followUpOf) followUps.push(t); });
    expect((await s.steer('second')).kind).toBe('steered');
    expect((await s.steer('third')).kind).toBe('steered');
    backend.hold = false;
    backend.last.release();
    expect((await first.done).outcome).toBe('success');
    expect(first.steers.map((m) => m.state)).toEqual(['next-turn', 'next-turn']);
    await s.post({ type: 'moveTo', channelId: s.record.channelId, guildId: null }); // the follow-up's output was handled
    expect(followUps).toHaveLength(1);
    expect(followUps[0]!.followUpOf).toBe(first);
    expect((await followUps[0]!.done).text).toBe('echo: second\nthird (turn 3)');
    await s.delivered(first);
    await s.delivered(followUps[0]!);
    expect(store.listTurns(s.id).map((t) => t.prompt)).toEqual(['warm up']);
  });

  it('answered by the CLI in turns of their own (split): a follow-up per message, each answered', async () => {
    const s = manager.createSession(alice, chan(1));
    await s.sendMessage('warm up').done;
    backend.hold = true;
    backend.steerMode = 'split';
    const first = s.sendMessage('first');
    await started(first);
    const followUps: Turn[] = [];
    s.on('turn', (t) => { if (t.followUpOf) followUps.push(t); });
    await s.steer('second');
    await s.steer('third');
    backend.hold = false;
    backend.last.release();
    await first.done;
    await s.post({ type: 'moveTo', channelId: s.record.channelId, guildId: null });
    expect(await Promise.all(followUps.map(async (t) => (await t.done).text))).toEqual(['echo: second (turn 3)', 'echo: third (turn 4)']);
    for (const t of [first, ...followUps]) await s.delivered(t);
    expect(store.listTurns(s.id).map((t) => t.prompt)).toEqual(['warm up']);
    expect((await s.sendMessage('after').done).text).toBe('echo: after (turn 5)'); // nothing stuck behind them
  });

  it('stop while they wait: every turn shown settles, none is left hanging', async () => {
    const s = manager.createSession(alice, chan(1));
    await s.sendMessage('warm up').done;
    backend.hold = true;
    backend.steerMode = 'queue';
    const first = s.sendMessage('first');
    await started(first);
    const shown: Turn[] = [];
    s.on('turn', (t) => shown.push(t));
    await s.steer('never taken');
    await s.stop();
    expect((await first.done).outcome).toBe('interrupted');
    const ends = await Promise.all(shown.map((t) => t.done));
    expect(ends.map((r) => r.outcome)).toEqual(['interrupted']);
    expect(s.state).toBe('stopped');
  });
});

describe('restart (a second manager on the same store)', () => {
  /** The first bot "crashes": its sessions stop reading, the store stays as it was. */
  async function restart(): Promise<SessionManager> {
    for (const s of (manager as unknown as { sessions: Map<string, Session> }).sessions.values()) await s.detach();
    const second = new SessionManager({
      store, backend, claudeBin: '/bin/false', claudeConfigDir: configDir, env: {},
      defaultCwd: configDir, maxSessions: 4, maxSessionsPerUser: 4, maxQueue: 4, idleTimeoutMs: 60_000, healthIntervalMs: 60_000,
      turnStallMs: 600_000, log: createLogger('silent'), now: () => clock,
    });
    return second;
  }

  it('an answer not yet shown is shown from its stored result, never asked of Claude again', async () => {
    const s = manager.createSession(alice, chan(1));
    expect((await s.sendMessage('once').done).text).toBe('echo: once (turn 1)');
    const proc = backend.last;
    const second = await restart();
    proc.end({ signal: 'SIGHUP', stderrTail: '' }); // the process died with the bot (as under node-pty)
    const restored = await second.restoreSessions();
    expect(restored.map((r) => r.turn.prompt)).toEqual(['once']);
    expect((await restored[0]!.turn.done).text).toBe('echo: once (turn 1)');
    expect(backend.started).toHaveLength(1); // no process started to ask again
    expect(proc.written.filter((l) => l.includes('"once"'))).toHaveLength(1);
  });

  it('a turn running at the crash goes on from the stored offset: the turn before it is not replayed into it', async () => {
    const s = manager.createSession(alice, chan(1));
    backend.hold = true;
    const a = s.sendMessage('A');
    const b = s.sendMessage('B');
    await started(a);
    backend.last.release(); // A answered; B is written and held
    expect((await a.done).text).toBe('echo: A (turn 1)');
    await s.delivered(a);
    await started(b);
    const second = await restart();
    const restored = await second.restoreSessions();
    const rb = restored.find((r) => r.turn.prompt === 'B')!.turn;
    expect(second.getSession(s.id)!.state).toBe('running');
    backend.hold = false;
    backend.last.release();
    expect((await rb.done).text).toBe('echo: B (turn 2)');
  });

  it('a turn marked written whose prompt the live process never got (a crash in between) is written once after restart', async () => {
    const s = manager.createSession(alice, chan(1));
    await s.sendMessage('before').done;
    const proc = backend.last;
    // The crash came after the row was marked running and before the prompt reached the FIFO.
    store.addTurn({ id: '0b5e7c1e-1111-4222-8333-444455556666', sessionId: s.id, seq: 9, prompt: 'lost in the crash', replyRef: null, state: 'running', createdAt: clock });
    const second = await restart();
    const restored = await second.restoreSessions();
    const t = restored.find((r) => r.turn.prompt === 'lost in the crash')!.turn;
    expect((await t.done).text).toBe('echo: lost in the crash (turn 2)');
    expect(proc.written.filter((l) => l.includes('lost in the crash'))).toHaveLength(1);
    expect(t.notices).toEqual([]); // it was never sent before: nothing to explain
  });

  it('a message marked steered whose write the crash cut off is answered on its own after restart, once', async () => {
    const s = manager.createSession(alice, chan(1));
    await s.sendMessage('warm up').done;
    backend.hold = true;
    const running = s.sendMessage('long one');
    await started(running);
    // The crash came after the row was marked steered into the running turn and before the write.
    store.addTurn({ id: '1c2d3e4f-1111-4222-8333-444455556666', sessionId: s.id, seq: 9, prompt: 'cut off', replyRef: null, state: 'queued', createdAt: clock,
      steerUuid: '9f8e7d6c-1111-4222-8333-444455556666', steeredInto: running.id });
    const proc = backend.last;
    const second = await restart();
    const restored = await second.restoreSessions();
    backend.hold = false;
    proc.release();
    const byPrompt = Object.fromEntries(await Promise.all(restored.map(async (r) => [r.turn.prompt, (await r.turn.done).text] as const)));
    expect(byPrompt).toEqual({ 'warm up': 'echo: warm up (turn 1)', 'long one': 'echo: long one (turn 2)', 'cut off': 'echo: cut off (turn 3)' });
    expect(proc.written.filter((l) => l.includes('cut off'))).toHaveLength(1);
  });
});
