import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS } from '../../src/store/hub-migrations.js';
import { SqliteHubStore } from '../../src/store/hub-repo.js';
import { createLogger } from '../../src/core/logger.js';
import { HubService } from '../../src/hub/service.js';

const DAY = 86_400_000;

describe('the hub store\'s thread cursors', () => {
  it('gives start-up only the cursors of threads with a command since the given time', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-hubstore-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'hub.db');
    const v3 = openDatabase(file, HUB_MIGRATIONS.slice(0, 3)); // a store the previous release left
    v3.close();
    const db = openDatabase(file, HUB_MIGRATIONS);
    onTestFinished(() => void db.close());
    // Migration 4 adds the index each thread message's session lookup uses.
    expect(db.prepare("EXPLAIN QUERY PLAN SELECT * FROM hub_sessions WHERE channel_id = ? ORDER BY last_at DESC LIMIT 1").all('1').map((r) => String((r as { detail: string }).detail)).join(' '))
      .toContain('hub_sessions_channel');
    const store = new SqliteHubStore(db);
    const now = 100 * DAY;
    const command = (id: string, channelId: string, at: number) =>
      store.addCommand({ id, runner: 'laptop', type: 'steer', ownerId: '100000000000000001', channelId, replyRef: null, at });
    command('c1', '200000000000000001', now - 1 * DAY); // used yesterday
    command('c2', '200000000000000002', now - 30 * DAY); // quiet for a month
    command('c3', '200000000000000002', now - 40 * DAY);
    for (const [channel, message] of [['200000000000000001', '300000000000000001'], ['200000000000000002', '300000000000000002'], ['200000000000000003', '300000000000000003']]) {
      store.moveCursor(channel!, message!);
    }
    expect(store.cursors(now - 7 * DAY)).toEqual([{ channelId: '200000000000000001', messageId: '300000000000000001' }]);
    expect(store.cursors(now - 35 * DAY).map((c) => c.channelId).sort()).toEqual(['200000000000000001', '200000000000000002']);
    expect(store.lastCommandAt()).toBe(now - 1 * DAY); // the hub's last work: its catch-up window ends there
  });
});

describe('the hub store\'s pruning', () => {
  it('forgets turns shown and commands answered before the time, and keeps the rest', () => {
    const store = new SqliteHubStore(openDatabase(':memory:', HUB_MIGRATIONS));
    const now = 100 * DAY;
    const cmd = (id: string, at: number) => store.addCommand({ id, runner: 'laptop', type: 'send', ownerId: '100000000000000001', channelId: '200000000000000001', replyRef: null, at });
    cmd('old-answered', now - 40 * DAY); store.settleCommand('old-answered', 'accepted', '0123456789ab', 't-old', now - 40 * DAY);
    cmd('old-waiting', now - 40 * DAY); // still in an offline runner's queue
    cmd('new-answered', now - DAY); store.settleCommand('new-answered', 'accepted', '0123456789ab', 't-new', now - DAY);
    cmd('late-answered', now - 40 * DAY); store.settleCommand('late-answered', 'accepted', '0123456789ab', 't-late', now - DAY); // waited 39 days
    const turn = (turnId: string) => store.addTurn({ turnId, sessionId: '0123456789ab', runner: 'laptop', ownerId: '100000000000000001', channelId: '200000000000000001', replyRef: null, followUp: false, createdAt: now - 40 * DAY });
    turn('t-old'); store.markShown('t-old', now - 40 * DAY);
    turn('t-unshown');
    turn('t-new'); store.markShown('t-new', now - DAY);
    expect(store.prune(now - 30 * DAY)).toEqual({ turns: 1, commands: 1 });
    expect([store.command('old-answered'), store.command('old-waiting')?.id, store.command('new-answered')?.id, store.command('late-answered')?.id])
      .toEqual([null, 'old-waiting', 'new-answered', 'late-answered']);
    expect([store.turn('t-old'), store.turn('t-unshown')?.turnId, store.turn('t-new')?.turnId]).toEqual([null, 't-unshown', 't-new']);
    expect(store.prune(now - 30 * DAY)).toEqual({ turns: 0, commands: 0 });
  });
});

describe('the hub\'s start-up catch-up window', () => {
  it('counts back from the hub\'s last command: down for ten days, it still reads the threads in use when it went down', () => {
    const store = new SqliteHubStore(openDatabase(':memory:', HUB_MIGRATIONS));
    const wentDown = 100 * DAY;
    store.addCommand({ id: 'c1', runner: 'laptop', type: 'steer', ownerId: '100000000000000001', channelId: '200000000000000001', replyRef: null, at: wentDown - 2 * DAY });
    store.addCommand({ id: 'c2', runner: 'laptop', type: 'steer', ownerId: '100000000000000001', channelId: '200000000000000002', replyRef: null, at: wentDown - 12 * DAY });
    store.moveCursor('200000000000000001', '300000000000000001');
    store.moveCursor('200000000000000002', '300000000000000002');
    const hub = new HubService({ link: {} as never, store, log: createLogger('silent'), now: () => wentDown + 10 * DAY });
    expect(hub.cursors()).toEqual([{ channelId: '200000000000000001', messageId: '300000000000000001' }]);
  });
});
