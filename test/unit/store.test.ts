import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeBridgeSessionId, makeClaudeSessionId, parseSnowflake } from '../../src/core/ids.js';
import { migrate, openDatabase } from '../../src/store/db.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteSessionStore } from '../../src/store/sessions-repo.js';
import type { SessionRecord } from '../../src/store/types.js';

const owner = parseSnowflake('111111111111111111');
const channel = parseSnowflake('222222222222222222');

function record(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: makeBridgeSessionId(), ownerId: owner, guildId: null, channelId: channel, cwd: '/tmp',
    claudeSessionId: makeClaudeSessionId(), parentSessionId: null, model: null, state: 'idle', backend: 'tmux',
    outputOffset: 0, createdAt: 1, updatedAt: 1, lastActivityAt: 1, messageCount: 0, turnCount: 0,
    inputTokens: 0, outputTokens: 0, costUsd: 0, ...over,
  };
}

describe('SQLite store', () => {
  it('migrates an empty database file to the latest version, in WAL mode, and is idempotent', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-db-')), 'nested', 's.db');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('round-trips a record, applies patches and finds the current session of a user in a channel', () => {
    const store = new SqliteSessionStore(openDatabase(':memory:'), () => 42);
    const older = record({ lastActivityAt: 10 });
    const newer = record({ lastActivityAt: 20, model: 'sonnet' });
    store.insert(older);
    store.insert(newer);
    expect(store.get(newer.id)).toEqual(newer);
    expect(store.findCurrent(owner, channel)?.id).toBe(newer.id);

    store.update(newer.id, { state: 'stopped', costUsd: 0.25, model: null });
    expect(store.get(newer.id)).toMatchObject({ state: 'stopped', costUsd: 0.25, model: null, updatedAt: 42 });
    expect(store.findCurrent(owner, channel)?.id).toBe(older.id);
    expect(store.findCurrent(parseSnowflake('333333333333333333'), channel)).toBeNull();
    expect(store.listByOwner(owner).map((r) => r.id)).toEqual([newer.id, older.id]);
  });

  it('rejects a state outside the state machine', () => {
    const store = new SqliteSessionStore(openDatabase(':memory:'));
    expect(() => store.insert(record({ state: 'bogus' as SessionRecord['state'] }))).toThrow(/CHECK/);
  });
});
