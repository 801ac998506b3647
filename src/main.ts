/**
 * The composition root: the one place where concrete classes meet. `startBridge` wires config →
 * store → backend → sessions → Discord and returns a handle that stops them in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config/load.js';
import { BridgeError } from './core/errors.js';
import { parseSnowflake } from './core/ids.js';
import { createLogger, type Logger } from './core/logger.js';
import { resolveClaudeBinary } from './claude/binary.js';
import { claudeConfigDir } from './claude/slug.js';
import { PtyBackend } from './backends/pty.js';
import { selectBackend } from './backends/select.js';
import { TmuxBackend } from './backends/tmux.js';
import { GitCli } from './backends/git.js';
import { openDatabase } from './store/db.js';
import { SqliteAutomationStore } from './store/automation-repo.js';
import { SqliteSessionStore } from './store/sessions-repo.js';
import { Automation } from './sessions/automation.js';
import { SessionManager } from './sessions/manager.js';
import { hostTimeZone } from './sessions/schedule-spec.js';
import { Worktrees } from './sessions/worktrees.js';
import { Outbox } from './sessions/outbox.js';
import { isInside } from './sessions/workspace.js';
import { DiscordBot } from './discord/bot.js';
import { controlSocketPath, startControlServer } from './cli/control.js';
import { claudeEnvironment } from './claude-env.js';

export interface RunningBridge {
  manager: SessionManager;
  bot: DiscordBot;
  log: Logger;
  /** Stops taking work, leaves tmux-held processes running, closes the store. */
  stop(): Promise<void>;
}

export { claudeEnvironment } from './claude-env.js';

/** @throws BridgeError on a missing token, working directory, binary, backend or store */
export async function startBridge(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<RunningBridge> {
  const log = createLogger(config.LOG_LEVEL);
  if (!config.DISCORD_TOKEN) throw new BridgeError('CONFIG_INVALID', { detail: 'DISCORD_TOKEN is not set' });
  let cwd: string;
  try {
    cwd = fs.realpathSync(config.CLAUDE_WORKDIR);
  } catch (err) {
    throw new BridgeError('CONFIG_INVALID', { detail: `CLAUDE_WORKDIR: ${config.CLAUDE_WORKDIR} does not exist` }, { cause: err });
  }
  let workspaceRoot = cwd;
  if (config.WORKSPACE_ROOT) {
    try {
      workspaceRoot = fs.realpathSync(config.WORKSPACE_ROOT);
    } catch (err) {
      throw new BridgeError('CONFIG_INVALID', { detail: `WORKSPACE_ROOT: ${config.WORKSPACE_ROOT} does not exist` }, { cause: err });
    }
    if (!isInside(workspaceRoot, cwd)) {
      throw new BridgeError('CONFIG_INVALID', { detail: `CLAUDE_WORKDIR (${cwd}) must be inside WORKSPACE_ROOT (${workspaceRoot}), symlinks resolved` });
    }
  }
  const binary = resolveClaudeBinary(config.CLAUDE_BIN, env);
  log.info({ claude: binary.path, source: binary.source, cwd }, 'claude binary');
  if (config.ALLOWED_USER_IDS.length === 0 && config.ALLOWED_ROLE_IDS.length === 0 && config.ADMIN_USER_IDS.length === 0) {
    log.warn('ALLOWED_USER_IDS, ALLOWED_ROLE_IDS and ADMIN_USER_IDS are empty: nobody can use the bot until one is set');
  }
  if (!config.ENABLE_PERSISTENCE) log.warn('ENABLE_PERSISTENCE=false: sessions are kept in memory; nothing survives a restart');

  const db = openDatabase(config.ENABLE_PERSISTENCE ? config.DATABASE_PATH : ':memory:');
  const store = new SqliteSessionStore(db);
  const runDir = path.resolve(config.RUN_DIR);
  const { backend } = await selectBackend(
    config.SESSION_BACKEND,
    { tmux: new TmuxBackend({ socket: config.TMUX_SOCKET, runDir, log }), pty: new PtyBackend({ runDir }) },
    log,
  ).catch((err) => { store.close(); throw err; });

  const manager = new SessionManager({
    store, backend, claudeBin: binary.path, claudeConfigDir: claudeConfigDir(env), env: claudeEnvironment(env),
    defaultCwd: cwd, workspaceRoot, maxSessions: config.MAX_SESSIONS, maxSessionsPerUser: config.MAX_SESSIONS_PER_USER,
    spareProcesses: config.SPARE_PROCESSES,
    maxQueue: config.MAX_QUEUE, idleTimeoutMs: config.DEFAULT_TIMEOUT * 1000,
    healthIntervalMs: config.HEALTH_INTERVAL * 1000, turnStallMs: config.TURN_STALL_TIMEOUT * 1000,
    autoResume: config.AUTO_RESUME, permissionMode: config.PERMISSION_MODE === 'default' ? undefined : config.PERMISSION_MODE,
    permissionTimeoutMs: config.PERMISSION_TIMEOUT * 1000, mcpConfig: config.MCP_CONFIG ? path.resolve(config.MCP_CONFIG) : undefined, log,
    sendFiles: !config.SEND_FILES ? undefined : {
      outbox: new Outbox(path.join(runDir, 'outbox')), command: process.execPath,
      script: fileURLToPath(new URL('./mcp/send-file-server.js', import.meta.url)), maxUploadBytes: config.MAX_UPLOAD_MB * 1024 * 1024,
    },
  });
  const automation = new Automation({
    store: new SqliteAutomationStore(db), timeZone: config.SCHEDULE_TZ ?? hostTimeZone(), triggerRatePerMinute: config.TRIGGER_RATE_LIMIT,
    triggersEnabled: config.TRIGGER_PORT !== undefined, cwdFor: (channelId) => manager.workspace.cwdFor(parseSnowflake(channelId)),
    audit: (entry) => manager.audit(entry), log,
  });
  const worktrees = new Worktrees({ git: new GitCli(), store: automation.store, workspaceRoot, log: log.child({ component: 'worktrees' }) });
  const keepProcesses = config.KEEP_PROCESSES_ON_EXIT && backend.kind === 'tmux';
  const bot = new DiscordBot({
    token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, guildId: config.DISCORD_GUILD_ID,
    allowedUserIds: config.ALLOWED_USER_IDS, allowedRoleIds: config.ALLOWED_ROLE_IDS, adminUserIds: config.ADMIN_USER_IDS,
    threads: config.THREADS, maxInlineChunks: config.MAX_INLINE_CHUNKS, maxUploadBytes: config.MAX_UPLOAD_MB * 1024 * 1024, manager, automation, worktrees, log,
    commandStamp: path.join(runDir, 'commands.sha256'),
  });
  let closeControl: (() => Promise<void>) | null = null;
  let initializing: Promise<unknown> | null = null;
  let closeTriggers: (() => Promise<void>) | null = null;
  try {
    // One writer: while the bot runs, `claude-bridge sessions suspend|kill` go through it.
    closeControl = await startControlServer(controlSocketPath(runDir), manager, log);
    // Sessions are restored while the bot logs in (owed turns are shown by the presenter once it is);
    // the bot takes interactions only after both.
    initializing = manager.initialize();
    await bot.start({ restored: initializing }); // finishes runs left over from before, then:
    automation.start(); // schedules keep time (runs missed while down: once each, late)
    if (config.TRIGGER_PORT !== undefined) {
      const { startTriggerServer } = await import('./http/trigger-server.js'); // only when triggers are on
      const listener = await startTriggerServer(automation.triggers, { host: config.TRIGGER_HOST, port: config.TRIGGER_PORT, log }).catch((err: NodeJS.ErrnoException) => {
        throw new BridgeError('CONFIG_INVALID', { detail: `TRIGGER_PORT: cannot listen on ${config.TRIGGER_HOST}:${config.TRIGGER_PORT} (${err.code ?? err.message})` }, { cause: err });
      });
      automation.triggers.url = `http://${config.TRIGGER_HOST.includes(':') ? `[${config.TRIGGER_HOST}]` : config.TRIGGER_HOST}:${listener.port}`;
      closeTriggers = listener.close;
    }
  } catch (err) {
    await initializing?.catch(() => undefined); // a failed login: let the restore finish before shutting down
    automation.stop();
    await closeTriggers?.();
    await bot.stop();
    await closeControl?.();
    await manager.shutdown({ keepProcesses: true });
    store.close();
    throw err;
  }
  return {
    manager, bot, log,
    async stop() {
      automation.stop();
      await closeTriggers?.();
      await bot.stop(); // no new work
      await closeControl?.();
      await manager.shutdown({ keepProcesses });
      store.close();
    },
  };
}
