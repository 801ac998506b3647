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
import { controlSocketPath, sendControl, type ControlAnswer } from './control.js';
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
 * Ends the session's process and marks it `suspended` (resumable) or, for `kill`, `stopped`. With
 * the bot running this goes through its control socket and the session's own loop (one writer);
 * with no bot, it ends the tmux process and writes the store here.
 * @throws BridgeError `INVALID_ID`, `SESSION_NOT_FOUND`; Error when the bot refuses or does not answer
 */
export async function endSessionCommand(config: Config, id: string, mode: 'suspend' | 'kill'): Promise<string> {
  const sessionId = parseBridgeSessionId(id);
  const viaBot = await sendControl(controlSocketPath(config.RUN_DIR), { op: mode, id: sessionId });
  if (viaBot) return answerOf(viaBot);
  const r = withStore(config, (store) => store.get(sessionId));
  if (!r) throw new BridgeError('SESSION_NOT_FOUND');
  await new TmuxBackend({ socket: config.TMUX_SOCKET, runDir: path.resolve(config.RUN_DIR) }).end(sessionId);
  withStore(config, (store) => store.update(sessionId, { state: mode === 'kill' ? 'stopped' : 'suspended', backend: null, outputOffset: 0 }));
  return `${sessionId}: process ended, session ${mode === 'kill' ? 'stopped' : 'suspended (resumable)'} (no bot running: store written directly)`;
}

/**
 * Emergency stop of every session (`sessions kill --all`): through the running bot
 * (`SessionManager.clearAllSessions`), else every tmux process of the bridge is ended and every
 * session stopped in the store.
 */
export async function killAllCommand(config: Config): Promise<string> {
  const viaBot = await sendControl(controlSocketPath(config.RUN_DIR), { op: 'kill-all' });
  if (viaBot) return answerOf(viaBot);
  const backend = new TmuxBackend({ socket: config.TMUX_SOCKET, runDir: path.resolve(config.RUN_DIR) });
  const live = await backend.list();
  for (const name of live) await backend.end(name);
  const count = withStore(config, (store) => {
    const all = store.listAll().filter((r) => r.state !== 'stopped');
    for (const r of all) store.update(r.id, { state: 'stopped', backend: null, outputOffset: 0 });
    return all.length;
  });
  return `ended ${live.length} processes, stopped ${count} sessions (no bot running: store written directly)`;
}

function answerOf(a: ControlAnswer): string {
  if (!a.ok) throw new Error(a.message);
  return a.message;
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
