/**
 * Issue 12: the runner's event outbox against a stand-in JetStream client (the real one is in
 * test/e2e/runner.test.ts): in order, retried with the same message id until stored, and an event
 * over the server's max payload cut to fit instead of refused forever.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { EventOutbox } from '../../src/remote/outbox.js';
import { decode, event, fitPayload, isDecodeError, type EventBody } from '../../src/remote/protocol.js';

const note = (text: string): EventBody => ({ type: 'notice', sessionId: '0123456789ab', turnId: 't1', text });

function fakeJs(failFirst: number, maxPayload = Infinity) {
  const stored: Array<{ subject: string; id: string; data: Uint8Array }> = [];
  let calls = 0;
  const js = {
    async publish(subject: string, data: Uint8Array, opts: { msgID: string }) {
      calls++;
      if (calls <= failFirst) throw new Error('no responders');
      if (data.length > maxPayload) throw new Error('MAX_PAYLOAD_EXCEEDED'); // nats-server refuses it, every time
      const duplicate = stored.some((s) => s.id === opts.msgID);
      if (!duplicate) stored.push({ subject, id: opts.msgID, data });
      return { duplicate, seq: stored.length, stream: 'CDB_EVT' };
    },
  };
  return { js: js as unknown as JetStreamClient, stored, calls: () => calls };
}

describe('EventOutbox', () => {
  it('publishes in order, retrying a failed publish with the same id before anything behind it', async () => {
    const f = fakeJs(2);
    const outbox = new EventOutbox({ js: f.js, runner: 'a', log: createLogger('silent'), retryMs: 1 });
    const results = await Promise.all([outbox.publish('t1:notice:1', note('one')), outbox.publish('t1:notice:2', note('two'))]);
    expect(results).toEqual([true, true]);
    expect(f.stored.map((s) => [s.subject, s.id])).toEqual([['cdb.runner.a.evt', 't1:notice:1'], ['cdb.runner.a.evt', 't1:notice:2']]);
    expect(f.calls()).toBe(4);
    expect(outbox.pending).toBe(0);
  });

  it('cuts an event over the max payload so it is stored (marked cut), and the next one still goes', async () => {
    const f = fakeJs(0, 64 * 1024);
    const outbox = new EventOutbox({ js: f.js, runner: 'a', log: createLogger('silent'), retryMs: 1, maxPayload: 64 * 1024 });
    const huge = 'x'.repeat(2_000_000);
    await Promise.all([outbox.publish('t1:notice:big', note(huge)), outbox.publish('t1:notice:after', note('after'))]);
    expect(f.stored.map((s) => s.id)).toEqual(['t1:notice:big', 't1:notice:after']);
    const big = decode(event, f.stored[0]!.data);
    if (isDecodeError(big)) throw new Error(big.error);
    expect(big.cut).toBe(true);
    expect(big.body.type === 'notice' && big.body.text).toMatch(/^x+…\[cut: 2000000 chars in all\]$/);
  });

  it('gives up on close: the publish resolves false (a restart publishes what is still owed)', async () => {
    const f = fakeJs(Infinity);
    const outbox = new EventOutbox({ js: f.js, runner: 'a', log: createLogger('silent'), retryMs: 1 });
    const sent = outbox.publish('t1:notice:1', note('never'));
    outbox.close();
    expect(await sent).toBe(false);
  });

  it('leaves an event that fits as it is, and cuts one the same way every time', () => {
    const ev = { v: 1 as const, id: 'x', runner: 'a', at: 1, body: note('short') };
    expect(fitPayload(ev, 1024)).toBe(ev);
    const long = { ...ev, body: note('y'.repeat(10_000)) };
    expect(fitPayload(long, 2048)).toEqual(fitPayload(long, 2048));
    expect(JSON.stringify(fitPayload(long, 2048)).length).toBeLessThanOrEqual(2048);
  });
});
