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
    claudeSessionId: makeClaudeSessionId(), parentSessionId: null, forkFrom: null, forkAt: null, alwaysAllow: '[]', model: null, permissionMode: null, state: 'idle', backend: 'tmux',
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

  it('migrates a version-1 database with data to the latest version, keeping its rows', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-db-')), 's.db');
    const v1 = openDatabase(file, MIGRATIONS.filter((m) => m.version === 1));
    const r = record();
    v1.prepare(`INSERT INTO sessions (id, owner_id, guild_id, channel_id, cwd, claude_session_id, parent_session_id, model,
      state, backend, output_offset, created_at, updated_at, last_activity_at, message_count, turn_count, input_tokens,
      output_tokens, cost_usd) VALUES (@id, @ownerId, @guildId, @channelId, @cwd, @claudeSessionId, @parentSessionId,
      @model, @state, @backend, @outputOffset, @createdAt, @updatedAt, @lastActivityAt, @messageCount, @turnCount,
      @inputTokens, @outputTokens, @costUsd)`).run(r); // as a version-1 bot wrote it
    v1.close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    const store = new SqliteSessionStore(db);
    expect(store.get(r.id)).toEqual(r);
    store.addTurn({ id: 't1', sessionId: r.id, seq: 1, prompt: 'p', replyRef: null, state: 'queued', createdAt: 1 });
    expect(store.listRestorable().map((x) => x.id)).toEqual([r.id]); // owes a turn
    store.setTurnAnswered('t1', '{"outcome":"success"}', 99); // answered: its output is done with
    expect(store.get(r.id)!.outputOffset).toBe(99);
    expect(store.listTurns(r.id)).toMatchObject([{ id: 't1', state: 'answered', result: '{"outcome":"success"}' }]);
    store.completeTurn(r.id, 't1');
    expect(store.listTurns(r.id)).toEqual([]);
    store.close();
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

describe('SQLite store under a lock', () => {
  it('waits out another connection holding the write lock (busy_timeout), instead of failing', async () => {
    const { spawn } = await import('node:child_process');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-lock-')), 's.db');
    const store = new SqliteSessionStore(openDatabase(file));
    const r = record();
    store.insert(r);
    // Another process takes the write lock, writes 3, and commits 700 ms later.
    const holder = spawn(process.execPath, ['-e', `
      const db = require('better-sqlite3')(${JSON.stringify(file)});
      db.exec('BEGIN IMMEDIATE'); db.prepare('UPDATE sessions SET message_count = 3 WHERE id = ?').run(${JSON.stringify(r.id)});
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 700);`], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    store.update(r.id, { messageCount: 5 }); // SQLITE_BUSY (a throw) unless it waits for the lock
    expect(store.get(r.id)!.messageCount).toBe(5); // written after the holder's commit of 3
    store.close();
  });
});
