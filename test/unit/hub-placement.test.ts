/**
 * Where the hub sends a new session (issue 12, "Placement"): a bound channel's runner; an unbound
 * channel's least-loaded online runner, bound from then on; and a channel the hub placed itself
 * whose runner is offline, placed anew when another runner is online — while one an admin bound
 * with `/claude project` waits for its runner (queued). The link is a stand-in that holds presence
 * entries as the KV bucket would and records what is sent.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { HubService } from '../../src/hub/service.js';
import type { Presence } from '../../src/remote/protocol.js';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS } from '../../src/store/hub-migrations.js';
import { SqliteHubStore } from '../../src/store/hub-repo.js';

const NOW = 1_800_000_000_000;
const USER = '100000000000000001';
const CHANNEL = '200000000000000001';

function setup() {
  const presences = new Map<string, Presence>();
  const up = (name: string, live: number, online = true) =>
    presences.set(name, { name, online, live, max: 10, version: '1', startedAt: NOW - 60_000, lastSeen: online ? NOW - 1_000 : NOW - 120_000 });
  const sent: Array<{ runner: string; type: string }> = [];
  const link = {
    presence: async (name: string) => presences.get(name) ?? null,
    runners: async () => [...presences.values()],
    send: async (runner: string, body: { type: string }) => void sent.push({ runner, type: body.type }),
  };
  const store = new SqliteHubStore(openDatabase(':memory:', HUB_MIGRATIONS));
  const hub = new HubService({ link: link as never, store, log: createLogger('silent'), now: () => NOW });
  let n = 0;
  const ask = (channelId = CHANNEL, userId = USER, parentId: string | null = null) =>
    hub.send({ userId, channelId, guildId: '300000000000000001', parentId }, 'hi', { source: `40000000000000000${n++}`, replyRef: null });
  const gone = (name: string) => presences.delete(name); // no heartbeat for longer than the bucket's TTL
  return { hub, store, up, gone, ask, sent };
}

describe('placement of new sessions on the hub', () => {
  it('an unbound channel goes to the least-loaded online runner and stays bound to it', async () => {
    const { store, up, ask } = setup();
    up('a', 5); up('b', 1); up('c', 0, false);
    expect(await ask()).toMatchObject({ runner: 'b', online: true });
    expect(store.place(CHANNEL)).toMatchObject({ runner: 'b', boundBy: null });
    up('a', 0);
    expect(await ask(CHANNEL, '100000000000000002')).toMatchObject({ runner: 'b' }); // another user's new session: same place
  });

  it('a channel the hub placed on a runner gone for longer than the presence TTL is placed anew on an online one; its sessions there stay', async () => {
    const { store, up, gone, ask } = setup();
    const thread = (n: number) => `20000000000000010${n}`; // each /claude ask opens a thread of CHANNEL (THREADS)
    up('a', 0);
    await ask(thread(1), USER, CHANNEL); // the channel placed on a
    store.noteSession({ sessionId: '0123456789ab', runner: 'a', ownerId: USER, channelId: thread(1), lastAt: NOW });
    up('a', 0, false); up('b', 3); // a restarting: its entry says offline, and is still there
    expect(await ask(thread(2), '100000000000000002', CHANNEL)).toMatchObject({ runner: 'a', online: false }); // queued: it is coming back
    gone('a');
    expect(await ask(thread(3), '100000000000000003', CHANNEL)).toMatchObject({ runner: 'b', online: true }); // a new session
    expect(store.place(CHANNEL)).toMatchObject({ runner: 'b', boundBy: null });
    expect(await ask(thread(1))).toMatchObject({ runner: 'a', online: false }); // the session on a: queued there
  });

  it('a channel an admin bound waits for its runner, queued; with no runner online at all, so does a placed one', async () => {
    const { store, hub, up, ask } = setup();
    up('a', 0, false); up('b', 0);
    store.setPlace({ channelId: CHANNEL, runner: 'a', dir: '/src', boundBy: USER, at: NOW });
    expect(await ask()).toMatchObject({ runner: 'a', online: false });
    // The hub's own choice never overwrites an admin's binding made meanwhile.
    expect(store.placeUnlessBound({ channelId: CHANNEL, runner: 'b', at: NOW })).toMatchObject({ runner: 'a', boundBy: USER, dir: '/src' });
    const other = '200000000000000002';
    store.setPlace({ channelId: other, runner: 'a', dir: null, boundBy: null, at: NOW });
    up('b', 0, false);
    expect(await ask(other)).toMatchObject({ runner: 'a', online: false });
    await expect(hub.runnerFor('200000000000000003', null)).rejects.toMatchObject({ code: 'NO_RUNNER' });
  });
});
