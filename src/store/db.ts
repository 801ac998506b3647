/** Opens the SQLite database (WAL, busy timeout, foreign keys) and brings its schema up to date. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BridgeError } from '../core/errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

/**
 * How long a statement waits on another connection's lock before SQLITE_BUSY, ms. SQLite's busy
 * handler retries with growing sleeps (1, 2, 5, 10 … 100 ms) until then: a locked database is
 * retried with backoff, not dropped.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * @param file a path, or `:memory:` for a store that lives only as long as the process
 * @throws BridgeError `STORE_FAILED` when the file cannot be opened or a migration fails
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  let db: Db | undefined;
  try {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    return db;
  } catch (err) {
    db?.close();
    throw new BridgeError('STORE_FAILED', {}, { cause: err });
  }
}

/** Applies the migrations newer than `user_version`; returns the versions applied. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
