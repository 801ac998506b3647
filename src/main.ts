/**
 * The composition root: the one place where concrete classes meet. `startBridge` wires config →
 * store → backend → sessions → Discord and returns a handle that stops them in order.
 */
import path from 'node:path';
import type { Config } from './config/load.js';
import { BridgeError } from './core/errors.js';
import { parseSnowflake } from './core/ids.js';
import { createLogger, type Logger } from './core/logger.js';
import { GitCli } from './backends/git.js';
import { SqliteAutomationStore } from './store/automation-repo.js';
import { Automation } from './sessions/automation.js';
import { SessionManager } from './sessions/manager.js';
import { hostTimeZone } from './sessions/schedule-spec.js';
import { Worktrees } from './sessions/worktrees.js';
import { DiscordBot } from './discord/bot.js';
import { controlSocketPath, startControlServer } from './cli/control.js';
import { openSessions } from './session-setup.js';

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
  if (config.ALLOWED_USER_IDS.length === 0 && config.ALLOWED_ROLE_IDS.length === 0 && config.ADMIN_USER_IDS.length === 0) {
    log.warn('ALLOWED_USER_IDS, ALLOWED_ROLE_IDS and ADMIN_USER_IDS are empty: nobody can use the bot until one is set');
  }
  if (!config.ENABLE_PERSISTENCE) log.warn('ENABLE_PERSISTENCE=false: sessions are kept in memory; nothing survives a restart');
  const { db, store, backend, manager, workspaceRoot, runDir } = await openSessions(config, env, log, {
    databasePath: config.DATABASE_PATH, runDir: config.RUN_DIR, tmuxSocket: config.TMUX_SOCKET, sendFiles: config.SEND_FILES,
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
