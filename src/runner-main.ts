/**
 * The runner's composition root (`claude-bridge runner --name <n>`, issue 12): config → store →
 * backend → SessionManager → {@link RunnerService} over NATS. Like `startBridge` without Discord: no
 * token is read or needed, no gateway, no presenter; the hub (stage 2) does that side.
 *
 * The session side is wired as `startBridge`'s is (`openSessions`, src/session-setup.ts), without
 * the `send_file` tool (files do not travel over the protocol yet).
 */
import fs from 'node:fs';
import type { Config } from './config/load.js';
import { BridgeError } from './core/errors.js';
import { createLogger, type Logger } from './core/logger.js';
import { SessionManager } from './sessions/manager.js';
import { connectNats } from './remote/jetstream.js';
import { RunnerService } from './remote/runner.js';
import { parseRunnerName, runnerInboxPrefix } from './remote/subjects.js';
import { natsOptions } from './nats-options.js';
import { openSessions, workDirs } from './session-setup.js';
import { controlSocketPath, startControlServer } from './cli/control.js';

export interface RunningRunner {
  name: string;
  manager: SessionManager;
  log: Logger;
  /** Stops taking commands, leaves tmux-held processes running, closes NATS and the store. */
  stop(): Promise<void>;
}

/** Command records are kept this long (longer than any redelivery can come), ms. */
const COMMAND_RECORD_MS = 7 * 86_400_000;

/**
 * A runner's own store, run dir and tmux socket, unless `DATABASE_PATH`, `RUN_DIR` or `TMUX_SOCKET`
 * are set: next to a `start` bot (or another runner) on the same machine with the defaults, each
 * would end the other's processes as orphans and share one database. Also what the operator
 * commands (`claude-bridge sessions …`) use on a runner's machine (`RUNNER_NAME` set).
 */
export function runnerPlaces(config: Config, runner: string, env: NodeJS.ProcessEnv = process.env): Pick<Config, 'DATABASE_PATH' | 'RUN_DIR' | 'TMUX_SOCKET'> {
  return {
    DATABASE_PATH: env.DATABASE_PATH ? config.DATABASE_PATH : `data/runner-${runner}.db`,
    RUN_DIR: env.RUN_DIR ? config.RUN_DIR : `data/run-${runner}`,
    TMUX_SOCKET: env.TMUX_SOCKET ? config.TMUX_SOCKET : `cdb-runner-${runner}`,
  };
}

/**
 * Starts a runner named `name` (else `RUNNER_NAME`).
 * @throws BridgeError `CONFIG_INVALID` without a name or `NATS_URL`, on a bad directory, refused NATS credentials; what the backend or store throw
 */
export async function startRunner(config: Config, name: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<RunningRunner> {
  const log = createLogger(config.LOG_LEVEL);
  const given = name ?? config.RUNNER_NAME;
  if (!given) throw new BridgeError('CONFIG_INVALID', { detail: 'a runner needs a name: claude-bridge runner --name <name> (or RUNNER_NAME)' });
  const runner = parseRunnerName(given);
  if (!config.NATS_URL) throw new BridgeError('CONFIG_INVALID', { detail: 'NATS_URL is not set: a runner reaches its hub through NATS (e.g. nats://hub.example:4222)' });
  if (env.DISCORD_TOKEN) log.warn('DISCORD_TOKEN is set on a runner, which never uses it: remove it from this machine (the hub alone holds it)');
  workDirs(config); // a bad directory is refused before NATS is dialled
  const own = runnerPlaces(config, runner, env);
  const sessions = await openSessions(config, env, log, {
    databasePath: own.DATABASE_PATH, runDir: own.RUN_DIR, tmuxSocket: own.TMUX_SOCKET, sendFiles: false, logFields: { runner },
  });
  const { store, backend, manager } = sessions;
  let nc: Awaited<ReturnType<typeof connectNats>>;
  try {
    nc = await connectNats(natsOptions(config, { name: `claude-bridge runner ${runner}`, inboxPrefix: runnerInboxPrefix(runner) }));
  } catch (err) {
    store.close();
    throw err;
  }
  const closeAll = async () => { await nc.drain().catch(() => undefined); store.close(); };
  const version = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const service = new RunnerService({ nc, name: runner, manager, commands: store, maxSessions: config.MAX_SESSIONS, version, log });
  const keepProcesses = config.KEEP_PROCESSES_ON_EXIT && backend.kind === 'tmux';
  let closeControl: (() => Promise<void>) | null = null;
  try {
    // One writer: while the runner runs, `claude-bridge sessions suspend|kill` on its machine go through it.
    closeControl = await startControlServer(controlSocketPath(own.RUN_DIR), manager, log);
    store.pruneCommands(Date.now() - COMMAND_RECORD_MS);
    await manager.initialize(); // owed turns are published as they are restored; commands wait meanwhile
    await service.start().catch((err: Error) => {
      throw new BridgeError('CONFIG_INVALID', {
        detail: `NATS: runner ${runner} could not set up its command queue (${err.message}); its NATS user needs the permissions of runnerPermissions('${runner}') (docs/design.md)`,
      }, { cause: err });
    });
  } catch (err) {
    await service.stop().catch(() => undefined);
    await closeControl?.();
    await manager.shutdown({ keepProcesses: true });
    await closeAll();
    throw err;
  }
  log.info({ runner, nats: config.NATS_URL, backend: backend.kind, database: own.DATABASE_PATH, tmuxSocket: own.TMUX_SOCKET }, 'runner ready');
  return {
    name: runner, manager, log,
    async stop() {
      await service.stop();
      await closeControl?.();
      await manager.shutdown({ keepProcesses });
      await closeAll();
    },
  };
}
