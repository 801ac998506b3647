/**
 * The session side's wiring, shared by the two composition roots that run `claude`: `start` (the
 * all-in-one bridge, src/main.ts) and `runner` (src/runner-main.ts). Resolves the working
 * directories and the `claude` binary, opens the store, picks the backend and builds the
 * {@link SessionManager} from the configuration — one place, so the two never drift apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config/load.js';
import { BridgeError } from './core/errors.js';
import type { Logger } from './core/logger.js';
import { resolveClaudeBinary } from './claude/binary.js';
import { claudeConfigDir } from './claude/slug.js';
import { PtyBackend } from './backends/pty.js';
import { selectBackend } from './backends/select.js';
import { TmuxBackend } from './backends/tmux.js';
import type { ProcessBackend } from './backends/types.js';
import { openDatabase, type Db } from './store/db.js';
import { SqliteSessionStore } from './store/sessions-repo.js';
import { SessionManager } from './sessions/manager.js';
import { Outbox } from './sessions/outbox.js';
import { isInside } from './sessions/workspace.js';
import { claudeEnvironment } from './claude-env.js';

export interface SessionSetup {
  db: Db;
  store: SqliteSessionStore;
  backend: ProcessBackend;
  manager: SessionManager;
  /** `CLAUDE_WORKDIR` and `WORKSPACE_ROOT` (default: the work dir), symlinks resolved. */
  cwd: string;
  workspaceRoot: string;
  /** Absolute `RUN_DIR`. */
  runDir: string;
}

function realDir(value: string, key: string): string {
  try {
    return fs.realpathSync(value);
  } catch (err) {
    throw new BridgeError('CONFIG_INVALID', { detail: `${key}: ${value} does not exist` }, { cause: err });
  }
}

/**
 * `CLAUDE_WORKDIR` and `WORKSPACE_ROOT`, symlinks resolved.
 * @throws BridgeError `CONFIG_INVALID` when one does not exist or the work dir is outside the root
 */
export function workDirs(config: Config): { cwd: string; workspaceRoot: string } {
  const cwd = realDir(config.CLAUDE_WORKDIR, 'CLAUDE_WORKDIR');
  const workspaceRoot = config.WORKSPACE_ROOT ? realDir(config.WORKSPACE_ROOT, 'WORKSPACE_ROOT') : cwd;
  if (!isInside(workspaceRoot, cwd)) {
    throw new BridgeError('CONFIG_INVALID', { detail: `CLAUDE_WORKDIR (${cwd}) must be inside WORKSPACE_ROOT (${workspaceRoot}), symlinks resolved` });
  }
  return { cwd, workspaceRoot };
}

/**
 * Opens the session side. `own` gives the store, run dir and tmux socket to use (a runner keeps
 * its own unless set); `sendFiles` gives sessions the `send_file` MCP tool (`SEND_FILES`; a runner
 * has none until files travel over the protocol).
 * @throws BridgeError `CONFIG_INVALID` (directories), `STORE_FAILED`, `BACKEND_UNAVAILABLE`; the store is closed again on a failure after it opened
 */
export async function openSessions(
  config: Config, env: NodeJS.ProcessEnv, log: Logger,
  own: { databasePath: string; runDir: string; tmuxSocket: string; sendFiles: boolean; logFields?: Record<string, unknown> },
): Promise<SessionSetup> {
  const { cwd, workspaceRoot } = workDirs(config);
  const binary = resolveClaudeBinary(config.CLAUDE_BIN, env);
  log.info({ ...own.logFields, claude: binary.path, source: binary.source, cwd }, 'claude binary');
  const db = openDatabase(config.ENABLE_PERSISTENCE ? own.databasePath : ':memory:');
  const store = new SqliteSessionStore(db);
  const runDir = path.resolve(own.runDir);
  const { backend } = await selectBackend(
    config.SESSION_BACKEND,
    { tmux: new TmuxBackend({ socket: own.tmuxSocket, runDir, log }), pty: new PtyBackend({ runDir }) },
    log,
  ).catch((err) => { store.close(); throw err; });
  const manager = new SessionManager({
    store, backend, claudeBin: binary.path, claudeConfigDir: claudeConfigDir(env), env: claudeEnvironment(env),
    defaultCwd: cwd, workspaceRoot, maxSessions: config.MAX_SESSIONS, maxSessionsPerUser: config.MAX_SESSIONS_PER_USER,
    spareProcesses: config.SPARE_PROCESSES, maxQueue: config.MAX_QUEUE, idleTimeoutMs: config.DEFAULT_TIMEOUT * 1000,
    healthIntervalMs: config.HEALTH_INTERVAL * 1000, turnStallMs: config.TURN_STALL_TIMEOUT * 1000,
    autoResume: config.AUTO_RESUME, permissionMode: config.PERMISSION_MODE === 'default' ? undefined : config.PERMISSION_MODE,
    permissionTimeoutMs: config.PERMISSION_TIMEOUT * 1000, mcpConfig: config.MCP_CONFIG ? path.resolve(config.MCP_CONFIG) : undefined, log,
    sendFiles: !own.sendFiles ? undefined : {
      outbox: new Outbox(path.join(runDir, 'outbox')), command: process.execPath,
      script: fileURLToPath(new URL('./mcp/send-file-server.js', import.meta.url)), maxUploadBytes: config.MAX_UPLOAD_MB * 1024 * 1024,
    },
  });
  return { db, store, backend, manager, cwd, workspaceRoot, runDir };
}
