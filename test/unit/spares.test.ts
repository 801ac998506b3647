/**
 * Spare processes (src/sessions/spares.ts) and resume-on-typing (`Session.warm`), through the
 * session loop's seams: a fake backend whose processes answer in-process, a real SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseClaudeSessionId } from '../../src/core/ids.js';
import { alice, chan, makeManager, seams, started, useSeams } from '../helpers/session-seams.js';

useSeams();
afterEach(() => seams.manager.shutdown({ keepProcesses: false }));

const until = async (cond: () => boolean, what: string, limitMs = 10_000) => { // generous: CI is a loaded 2-core machine
  for (let i = 0; i < limitMs / 2 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!cond()) throw new Error(`never happened: ${what}`);
};
const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('spare processes', () => {
  it('a new session takes the spare: its first turn goes to that process, and another spare starts', async () => {
    makeManager({ max: 4, spares: 1 });
    await seams.manager.initialize();
    await until(() => seams.backend.started.length === 1, 'spare started');
    const spare = seams.backend.started[0]!;

    const s = seams.manager.createSession(alice, chan(1));
    expect(s.id).toBe(spare.name); // the tmux session's name already fits the session
    expect(argAfter(spare.spec.args, '--session-id')).toBe(s.record.claudeSessionId);
    const r = await s.sendMessage('hello').done;

    expect(r.text).toBe('echo: hello (turn 1)');
    expect(spare.written.map((l) => JSON.parse(l).request?.subtype ?? JSON.parse(l).message?.content)).toEqual(['initialize', 'hello']);
    await until(() => seams.backend.started.length === 2, 'next spare', 10_000); // started REFILL_DELAY_MS after the take
    expect(seams.backend.started[1]!.name).not.toBe(s.id);
    expect(seams.manager.liveCount()).toBe(2); // the session and the new spare
  });

  it('a session that resumes a conversation takes no spare', async () => {
    makeManager({ max: 4, spares: 1 });
    await seams.manager.initialize();
    await until(() => seams.backend.started.length === 1, 'spare started');
    const id = parseClaudeSessionId('0b6c3b0e-8d1f-4e5a-9c2d-1f2e3d4c5b6a');
    const s = seams.manager.createSession(alice, chan(1), null, { claudeSessionId: id });
    expect((await s.sendMessage('go on').done).outcome).toBe('success');
    expect(seams.backend.started[0]!.ended).toBe(false);
    expect(seams.backend.started[0]!.written.map((l) => JSON.parse(l).type)).toEqual(['control_request']); // initialize only
  });

  it('spares are the first to go when a slot is needed: an idle session is not evicted for one', async () => {
    makeManager({ max: 2, perUser: 2, spares: 1 });
    await seams.manager.initialize();
    await until(() => seams.backend.started.length === 1, 'spare started');
    const resume = (n: number) => seams.manager.createSession(alice, chan(n), null, { claudeSessionId: parseClaudeSessionId(`0b6c3b0e-8d1f-4e5a-9c2d-1f2e3d4c5b6${n}`) });
    const a = resume(1);
    await a.sendMessage('a').done; // a is idle now, holding the second slot
    const b = resume(2);
    expect((await b.sendMessage('b').done).outcome).toBe('success');

    expect(seams.backend.started[0]!.ended).toBe(true); // the spare made room
    expect(a.isLive).toBe(true); // not a
    expect(seams.manager.liveCount()).toBe(2);
  });

  it('with one slot, a spare still starting is ended for a message to another session: nothing waits for ever', async () => {
    makeManager({ max: 1, perUser: 1, spares: 1 });
    let open!: () => void;
    seams.backend.startGate = new Promise<void>((resolve) => (open = resolve));
    await seams.manager.initialize(); // the spare's start is under way, held at the gate
    const s = seams.manager.createSession(alice, chan(1), null, { claudeSessionId: parseClaudeSessionId('0b6c3b0e-8d1f-4e5a-9c2d-1f2e3d4c5b6a') });
    const turn = s.sendMessage('needs the only slot');
    await new Promise((r) => setImmediate(r));
    open();
    expect((await turn.done).outcome).toBe('success');
    await until(() => seams.backend.started.length === 2 && seams.backend.started.every((p) => p.ended || p.written.some((l) => l.includes('needs the only slot'))), 'the spare ended');
    expect(seams.manager.liveCount()).toBe(1);
  });

  it('a session given a model before its first turn does not take the spare (which has the default model)', async () => {
    makeManager({ max: 4, spares: 1 });
    await seams.manager.initialize();
    await until(() => seams.backend.started.length === 1, 'spare started');
    const s = seams.manager.createSession(alice, chan(1));
    await s.setModel('opus');
    await s.sendMessage('with opus').done;
    const own = seams.backend.started.find((p) => p.written.some((l) => l.includes('with opus')))!;
    expect(own).not.toBe(seams.backend.started[0]);
    expect(argAfter(own.spec.args, '--model')).toBe('opus');
    expect(seams.backend.started[0]!.ended).toBe(true);
  });

  it('a claimed spare that died before the first turn is not used: the turn starts a process of its own', async () => {
    makeManager({ max: 4, spares: 1 });
    await seams.manager.initialize();
    await until(() => seams.backend.started.length === 1, 'spare started');
    const s = seams.manager.createSession(alice, chan(1));
    seams.backend.started[0]!.end({ code: 1, stderrTail: 'crashed' });
    await new Promise((r) => setImmediate(r));

    const r = await s.sendMessage('still answered').done;
    expect(r.text).toBe('echo: still answered (turn 1)');
    const own = seams.backend.started.find((p) => p.written.some((l) => l.includes('still answered')))!;
    expect(own).not.toBe(seams.backend.started[0]);
    expect(argAfter(own.spec.args, '--session-id')).toBe(s.record.claudeSessionId);
  });
});

describe('resume on typing (warm)', () => {
  it('a suspended session starts its process before the message; the message goes to that process', async () => {
    const s = seams.manager.createSession(alice, chan(1));
    await s.sendMessage('first').done;
    await s.suspend('operator');
    expect(s.isLive).toBe(false);

    expect(await s.warm()).toBe(true);
    await until(() => s.isLive && s.state === 'idle', 'process started ahead');
    expect(seams.backend.started).toHaveLength(2);
    expect(seams.backend.last.spec.args).toContain('--resume');

    const r = await s.sendMessage('second').done;
    expect(r.text).toBe('echo: second (turn 1)');
    expect(seams.backend.started).toHaveLength(2); // no third start
    expect(await s.warm()).toBe(false); // it has a process
  });

  it('a warm-up that would have to wait for a slot gives up, and nobody is left queued', async () => {
    makeManager({ max: 1, perUser: 1 });
    const a = seams.manager.createSession(alice, chan(1));
    await a.sendMessage('a').done;
    const b = seams.manager.createSession(alice, chan(2));
    seams.backend.hold = true;
    const busy = a.sendMessage('a busy');
    await started(busy);

    expect(await b.warm()).toBe(true); // asked; the pool queues it, and b withdraws
    await until(() => b.isBusy === false, 'b settled');
    seams.backend.hold = false;
    seams.backend.last.release();
    await busy.done;
    await new Promise((r) => setTimeout(r, 20));
    expect(b.isLive).toBe(false);
    expect(seams.backend.started).toHaveLength(1);
    expect(a.isLive).toBe(true); // b did not evict a after it finished
  });
});
