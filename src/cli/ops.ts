/** Shell operations on the store and processes: `sessions …`, `audit`, `db …`, `import`. */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.js';
import { BridgeError } from '../core/errors.js';
import { makeClaudeSessionId, parseBridgeSessionId } from '../core/ids.js';
import { importConversation } from '../claude/import.js';
import { claudeConfigDir, transcriptPath } from '../claude/slug.js';
import { TmuxBackend } from '../backends/tmux.js';
import { openDatabase } from '../store/db.js';
import { MIGRATIONS } from '../store/migrations.js';
import { SqliteSessionStore } from '../store/sessions-repo.js';
import type { SessionRecord } from '../store/types.js';

function withStore<T>(config: Config, fn: (store: SqliteSessionStore) => T): T {
  const store = new SqliteSessionStore(openDatabase(config.DATABASE_PATH));
  try { return fn(store); } finally { store.close(); }
}

function row(r: SessionRecord): string {
  const when = new Date(r.lastActivityAt).toISOString().replace('T', ' ').slice(0, 19);
  return [r.id, r.state.padEnd(9), r.backend ?? '-', String(r.turnCount).padStart(5), `$${r.costUsd.toFixed(4)}`.padStart(9), when, r.ownerId, r.claudeSessionId].join('  ');
}

export function listSessionsCommand(config: Config): string {
  return withStore(config, (store) => {
    const rows = store.listAll().map(row);
    return ['id            state      backend  turns       cost  last activity (UTC)  owner               claude session', ...rows].join('\n');
  });
}

/** The newest `limit` audit entries, oldest of them first: when, who, what, result. */
export function auditCommand(config: Config, limit: number): string {
  return withStore(config, (store) => {
    const rows = store.listAudit(limit).reverse().map((e) => [
      new Date(e.at).toISOString().replace('T', ' ').slice(0, 19), (e.userId ?? '(bot)').padEnd(19), e.kind.padEnd(10),
      e.action.padEnd(10), e.result.padEnd(7), e.sessionId ?? '-', e.detail ?? '',
    ].join('  '));
    return ['when (UTC)           user                 kind        action      result   session       detail', ...rows].join('\n');
  });
}

/** @throws BridgeError `INVALID_ID`, `SESSION_NOT_FOUND` */
export function showSessionCommand(config: Config, id: string): string {
  return withStore(config, (store) => {
    const r = store.get(parseBridgeSessionId(id));
    if (!r) throw new BridgeError('SESSION_NOT_FOUND');
    const owed = store.listTurns(r.id).map((t) => `  turn ${t.seq} (${t.state}): ${t.prompt.slice(0, 80)}`);
    const transcript = transcriptPath(claudeConfigDir(), r.cwd, r.claudeSessionId);
    return [
      ...Object.entries(r).map(([k, v]) => `${k.padEnd(16)} ${String(v)}`),
      `${'transcript'.padEnd(16)} ${transcript}${fs.existsSync(transcript) ? '' : ' (missing)'}`,
      owed.length > 0 ? `owed answers:\n${owed.join('\n')}` : 'owed answers: none',
    ].join('\n');
  });
}

/**
 * Ends the session's process (tmux) and marks it `suspended` (resumable) or, for `kill`, `stopped`.
 * With the bot running, it notices the process's end on its own.
 */
export async function endSessionCommand(config: Config, id: string, mode: 'suspend' | 'kill'): Promise<string> {
  const sessionId = parseBridgeSessionId(id);
  const r = withStore(config, (store) => store.get(sessionId));
  if (!r) throw new BridgeError('SESSION_NOT_FOUND');
  await new TmuxBackend({ socket: config.TMUX_SOCKET, runDir: path.resolve(config.RUN_DIR) }).end(sessionId);
  withStore(config, (store) => store.update(sessionId, { state: mode === 'kill' ? 'stopped' : 'suspended', backend: null, outputOffset: 0 }));
  return `${sessionId}: process ended, session ${mode === 'kill' ? 'stopped' : 'suspended (resumable)'}`;
}

export function migrateCommand(config: Config): string {
  return withStore(config, () => `${config.DATABASE_PATH}: schema version ${MIGRATIONS.at(-1)!.version} (current)`);
}

/** An online backup (SQLite backup API): safe while the bot runs. */
export async function backupCommand(config: Config, file: string): Promise<string> {
  const db = openDatabase(config.DATABASE_PATH);
  try {
    await db.backup(file);
  } finally {
    db.close();
  }
  return `backed up ${config.DATABASE_PATH} to ${file} (${fs.statSync(file).size} bytes)`;
}

/** @throws BridgeError `IMPORT_INVALID` */
export async function importCommand(config: Config, file: string): Promise<string> {
  const newId = makeClaudeSessionId();
  const cwd = fs.realpathSync(config.CLAUDE_WORKDIR);
  const r = await importConversation(fs.readFileSync(file, 'utf8'), { configDir: claudeConfigDir(), cwd, newId });
  return `Imported ${r.messages} messages as Claude session ${newId} in ${cwd}.\n` +
    `Continue it in Discord with /claude resume, or in a terminal: claude --resume ${newId}`;
}
