import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { HUB_MIGRATIONS } from '../../src/store/hub-migrations.js';
import { SqliteHubStore } from '../../src/store/hub-repo.js';

const DAY = 86_400_000;

describe('the hub store\'s thread cursors', () => {
  it('gives start-up only the cursors of threads with a command since the given time', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-hubstore-')), 'hub.db');
    const v3 = openDatabase(file, HUB_MIGRATIONS.slice(0, 3)); // a store the previous release left
    v3.close();
    const store = new SqliteHubStore(openDatabase(file, HUB_MIGRATIONS));
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
  });
});
