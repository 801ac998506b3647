/**
 * Issue 12, the NATS side on its own: a real nats-server (Debian's, test/helpers/nats-server.ts) with
 * the permissions `runnerPermissions` gives each runner. A runner can set up and read its own command
 * queue, publish its own events and presence — and nothing of another runner's; wrong credentials are
 * refused; a command sent while nobody reads waits in the work queue, and a republished event is stored once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createLogger } from '../../src/core/logger.js';
import { HubLink } from '../../src/remote/hub-link.js';
import { connectNats, ensureCommandStream, ensureEventsStream, presenceBucket } from '../../src/remote/jetstream.js';
import { EventOutbox } from '../../src/remote/outbox.js';
import { readPresence } from '../../src/remote/presence.js';
import {
  commandStream, commandSubject, eventSubject, EVENTS_STREAM, HUB_INBOX_PREFIX, hubPermissions, RUNNER_CONSUMER, runnerInboxPrefix, runnerPermissions,
} from '../../src/remote/subjects.js';
import { natsServerBinary, NO_NATS_SERVER, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

const hasNats = natsServerBinary() !== null;
if (!hasNats) console.warn(`skipping the NATS permission suite: ${NO_NATS_SERVER}`);

describe.skipIf(!hasNats)('NATS permissions and streams (real nats-server)', () => {
  let server: NatsServer;
  let hub: NatsConnection;
  let a: NatsConnection;
  const conns: NatsConnection[] = [];
  const runner = (name: string, password = `pw-${name}`) =>
    connectNats({ url: server.url, user: `runner-${name}`, password, name: `runner ${name}`, inboxPrefix: runnerInboxPrefix(name) })
      .then((nc) => (conns.push(nc), nc));

  beforeAll(async () => {
    server = await startNatsServer([
      { user: 'hub', password: 'pw-hub' },
      { user: 'runner-a', password: 'pw-a', permissions: runnerPermissions('a') },
      { user: 'runner-b', password: 'pw-b', permissions: runnerPermissions('b') },
    ]);
    hub = await connectNats({ url: server.url, user: 'hub', password: 'pw-hub', name: 'hub' });
    conns.push(hub);
    const jsm = await jetstreamManager(hub);
    await ensureEventsStream(jsm);
    await ensureCommandStream(jsm, 'b');
    await presenceBucket(hub, { create: true });
    a = await runner('a');
  });
  afterAll(async () => {
    for (const nc of conns) await nc.close().catch(() => undefined);
    await server?.stop();
  });

  it('refuses a runner with a wrong password, with a plain reason', async () => {
    await expect(runner('a', 'wrong')).rejects.toThrow(/NATS at nats:\/\/127\.0\.0\.1:\d+: the server refused the credentials/);
  });

  it('lets a runner set up and drain its own queue: a command sent while it was away waits, and is removed once acknowledged', async () => {
    const hubJs = jetstream(hub);
    await ensureCommandStream(await jetstreamManager(hub), 'a');
    await hubJs.publish(commandSubject('a'), 'queued while away', { msgID: 'c1' });
    const dup = await hubJs.publish(commandSubject('a'), 'queued while away', { msgID: 'c1' });
    expect(dup.duplicate).toBe(true); // the hub's retry of a publish is stored once
    await ensureCommandStream(await jetstreamManager(a), 'a'); // the runner's own start: idempotent, within its permissions
    const consumer = await jetstream(a).consumers.get(commandStream('a'), RUNNER_CONSUMER);
    const m = await consumer.next({ expires: 10_000 });
    expect(m?.string()).toBe('queued while away');
    expect(await m!.ackAck()).toBe(true);
    const info = await (await jetstreamManager(hub)).streams.info(commandStream('a'));
    expect(info.state.messages).toBe(0); // work queue: gone once acknowledged
  });

  it('lets a runner publish its own events (stored once per message id) and presence', async () => {
    const js = jetstream(a);
    const first = await js.publish(eventSubject('a'), '{}', { msgID: 'turn1:result' });
    const again = await js.publish(eventSubject('a'), '{}', { msgID: 'turn1:result' });
    expect([first.duplicate, again.duplicate, again.seq]).toEqual([false, true, first.seq]);
    const kv = await presenceBucket(a, { create: false });
    await kv.put('a', '{"online":true}');
    expect((await (await presenceBucket(hub, { create: false })).get('a'))?.string()).toBe('{"online":true}');
  });

  it("refuses a runner another runner's subjects: its events, its command queue, its presence", async () => {
    const before = (await (await jetstreamManager(hub)).streams.info(EVENTS_STREAM)).state.messages;
    await expect(jetstream(a).publish(eventSubject('b'), '{"forged":true}', { timeout: 5_000 })).rejects.toThrow(/permission|timeout|no responders/i);
    await expect(ensureCommandStream(await jetstreamManager(a), 'b')).rejects.toThrow();
    await expect(jetstream(a).consumers.get(commandStream('b'), RUNNER_CONSUMER).then((c) => c.next({ expires: 2_000 }))).rejects.toThrow();
    await expect((await presenceBucket(a, { create: false })).put('b', '{"online":true}', { timeout: 5_000 } as never)).rejects.toThrow();
    const after = (await (await jetstreamManager(hub)).streams.info(EVENTS_STREAM)).state.messages;
    expect(after).toBe(before); // nothing forged reached the stream
    expect(server.output()).toMatch(/Publish Violation - User "runner-a", Subject "cdb\.runner\.b\.evt"/);
    a.subscribe('cdb.runner.b.req.>'); // would see b's requests; the server refuses the subscription
    await a.flush();
    expect(server.output()).toMatch(/Subscription Violation - User "runner-a", Subject "cdb\.runner\.b\.req\.>"/);
  });

  it('the hub acknowledges an event only once handled: one whose handling failed comes again; handled ones leave the stream', async () => {
    const log = createLogger('silent');
    const link = await HubLink.connect({ url: server.url, user: 'hub', password: 'pw-hub', name: 'hub link', log });
    const seen: string[] = [];
    let failed = false;
    await link.consume((e) => {
      seen.push(e.id);
      if (e.id === 'ev-fail' && !failed) {
        failed = true;
        throw new Error('Discord answered 500'); // as a hub whose Discord post failed
      }
    }, { retryMs: 100 });
    const outbox = new EventOutbox({ js: jetstream(a), runner: 'a', log });
    const note = { type: 'notice' as const, sessionId: '0123456789ab', turnId: 't1', text: 'hi' };
    await outbox.publish('ev-fail', note);
    await outbox.publish('ev-ok', note);
    const jsm = await jetstreamManager(hub);
    for (let i = 0; seen.filter((id) => id === 'ev-fail').length < 2 || !seen.includes('ev-ok') || (await jsm.streams.info(EVENTS_STREAM)).state.messages > 0; i++) {
      if (i > 300) throw new Error(`timed out; seen ${seen.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.filter((id) => id === 'ev-fail')).toHaveLength(2);
    expect(seen.filter((id) => id === 'ev-ok')).toHaveLength(1);
    await link.close();
  });
});

describe.skipIf(!hasNats)('a hub confined by hubPermissions() (real nats-server, empty at start)', () => {
  let server: NatsServer;
  let admin: NatsConnection;
  const conns: NatsConnection[] = [];
  const log = createLogger('silent');
  const runner = (name: string) =>
    connectNats({ url: server.url, user: `runner-${name}`, password: `pw-${name}`, name: `runner ${name}`, inboxPrefix: runnerInboxPrefix(name) })
      .then((nc) => (conns.push(nc), nc));
  beforeAll(async () => {
    server = await startNatsServer([
      { user: 'admin', password: 'pw-admin' }, // only to look at the streams
      { user: 'runner-a', password: 'pw-a', permissions: runnerPermissions('a') },
      { user: 'runner-c', password: 'pw-c', permissions: runnerPermissions('c') },
      { user: 'hub-scoped', password: 'pw-hs', permissions: hubPermissions() },
    ]);
    admin = await connectNats({ url: server.url, user: 'admin', password: 'pw-admin', name: 'admin' });
    conns.push(admin);
  });
  afterAll(async () => {
    for (const nc of conns) await nc.close().catch(() => undefined);
    await server?.stop();
  });
  const scoped = () => HubLink.connect({ url: server.url, user: 'hub-scoped', password: 'pw-hs', name: 'scoped hub', inboxPrefix: HUB_INBOX_PREFIX, log });
  const violations = () => server.output().split('\n').filter((l) => /Violation - User "hub-scoped"/.test(l));

  it('sets up, sends a command, reads the queue and presence, asks a runner and consumes events — with no violation', async () => {
    const link = await scoped(); // on an empty server: it creates the events stream, its consumer and the bucket itself
    const jsm = await jetstreamManager(admin);
    try {
      expect((await jsm.consumers.info(EVENTS_STREAM, 'hub')).config.durable_name).toBe('hub');
      const id = await link.send('c', { type: 'interrupt', sessionId: '0123456789ab' }); // a runner that never connected
      expect(await link.queued('c')).toBe(1);
      const c = await runner('c');
      const consumer = await jetstream(c).consumers.get(commandStream('c'), RUNNER_CONSUMER);
      const m = await consumer.next({ expires: 10_000 });
      expect(JSON.parse(m!.string())).toMatchObject({ id, body: { type: 'interrupt' } });
      m!.ack();

      const kv = await presenceBucket(c, { create: false });
      await kv.put('c', JSON.stringify({ name: 'c', online: true, live: 1, max: 4, version: '9.9.9', startedAt: 1, lastSeen: 2 }));
      expect(await link.presence('c')).toMatchObject({ online: true, live: 1, max: 4 });
      const all = await readPresence(await presenceBucket(link.nc, { create: false })); // keys listing + gets
      expect(all.map((p) => p.name)).toContain('c');

      const sub = c.subscribe('cdb.runner.c.req.>', { callback: (_e, msg) => { msg.respond('{"pong":true}'); } });
      await c.flush(); // the server has the subscription before the hub asks
      const r = await link.nc.request('cdb.runner.c.req.ping', '{}', { timeout: 10_000 }); // reply on _INBOX_hub.>
      expect(r.string()).toBe('{"pong":true}');
      sub.unsubscribe();

      const seen: string[] = [];
      await link.consume((e) => { seen.push(e.id); });
      await new EventOutbox({ js: jetstream(c), runner: 'c', log }).publish('ev-scoped', { type: 'notice', sessionId: '0123456789ab', turnId: 't9', text: 'hi' });
      // handled, then acknowledged: it leaves the stream (interest retention, the hub's consumer is its only interest)
      for (let i = 0; !seen.includes('ev-scoped') || (await jsm.streams.info(EVENTS_STREAM)).state.messages > 0; i++) {
        if (i > 300) throw new Error(`timed out; seen ${seen.join(', ')}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    } finally {
      await link.close();
    }
    expect(violations()).toEqual([]);
  });

  it("is refused the runners' side: publishing events, writing presence, pulling commands, deleting streams, other inboxes", async () => {
    const link = await scoped();
    const nc = link.nc;
    try {
      const jsm = await jetstreamManager(admin);
      const before = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
      await expect(jetstream(nc).publish(eventSubject('a'), '{"forged":true}', { timeout: 5_000 })).rejects.toThrow();
      await expect((await presenceBucket(nc, { create: false })).put('a', '{"online":true}', { timeout: 5_000 } as never)).rejects.toThrow();
      await link.send('a', { type: 'interrupt', sessionId: '0123456789ab' });
      await expect(jetstream(nc).consumers.get(commandStream('a'), RUNNER_CONSUMER).then((c) => c.next({ expires: 2_000 }))).rejects.toThrow();
      await expect((await jetstreamManager(nc)).streams.delete(commandStream('a'))).rejects.toThrow();
      nc.subscribe(`${runnerInboxPrefix('a')}.>`);
      await nc.flush();
      expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBe(before);
      expect(await link.queued('a')).toBeGreaterThan(0); // the command is still there for runner a
      const out = server.output();
      expect(out).toMatch(/Publish Violation - User "hub-scoped", Subject "cdb\.runner\.a\.evt"/);
      expect(out).toMatch(/Publish Violation - User "hub-scoped", Subject "\$KV\.cdb_runners\.a"/);
      expect(out).toMatch(/Publish Violation - User "hub-scoped", Subject "\$JS\.API\.CONSUMER\.MSG\.NEXT\.CDB_CMD_a\.runner"/);
      expect(out).toMatch(/Publish Violation - User "hub-scoped", Subject "\$JS\.API\.STREAM\.DELETE\.CDB_CMD_a"/);
      expect(out).toMatch(/Subscription Violation - User "hub-scoped", Subject "_INBOX_a\.>"/);
    } finally {
      await link.close();
    }
  });
});
