/**
 * The hub's composition root (`claude-bridge hub`, issue 12): config → the hub's store → NATS
 * ({@link HubLink}) → {@link HubService} → Discord ({@link HubBot}). The hub holds the only copy of
 * the Discord token and never runs `claude`: the runners do, each on its machine.
 */
import path from 'node:path';
import type { Config } from './config/load.js';
import { BridgeError } from './core/errors.js';
import { createLogger, type Logger } from './core/logger.js';
import { HubBot } from './discord/hub/bot.js';
import { HubService } from './hub/service.js';
import { HubLink } from './remote/hub-link.js';
import { HUB_INBOX_PREFIX } from './remote/subjects.js';
import { natsOptions } from './nats-options.js';
import { openDatabase } from './store/db.js';
import { HUB_MIGRATIONS } from './store/hub-migrations.js';
import { SqliteHubStore } from './store/hub-repo.js';

export interface RunningHub {
  hub: HubService;
  bot: HubBot;
  log: Logger;
  /** Stops taking work and closes Discord, NATS and the store. */
  stop(): Promise<void>;
}

/**
 * @throws BridgeError `CONFIG_INVALID` without `DISCORD_TOKEN` or `NATS_URL`, or on refused NATS
 *   credentials; what login, registration or the store throw
 */
export async function startHub(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<RunningHub> {
  const log = createLogger(config.LOG_LEVEL);
  if (!config.DISCORD_TOKEN) throw new BridgeError('CONFIG_INVALID', { detail: 'DISCORD_TOKEN is not set: the hub is the Discord side' });
  if (!config.NATS_URL) throw new BridgeError('CONFIG_INVALID', { detail: 'NATS_URL is not set: the hub reaches its runners through NATS (e.g. nats://127.0.0.1:4222)' });
  if (config.ALLOWED_USER_IDS.length === 0 && config.ALLOWED_ROLE_IDS.length === 0 && config.ADMIN_USER_IDS.length === 0) {
    log.warn('ALLOWED_USER_IDS, ALLOWED_ROLE_IDS and ADMIN_USER_IDS are empty: nobody can use the bot until one is set');
  }
  // The hub's own store, beside a `start` bot's on the defaults rather than in it.
  const dbPath = env.DATABASE_PATH ? config.DATABASE_PATH : 'data/hub.db';
  // Reply inboxes under the hub's own prefix: its NATS user (hubPermissions) may receive only there.
  const link = await HubLink.connect({ ...natsOptions(config, { name: 'claude-bridge hub', inboxPrefix: HUB_INBOX_PREFIX }), log });
  let store: SqliteHubStore;
  try {
    store = new SqliteHubStore(openDatabase(dbPath, HUB_MIGRATIONS));
  } catch (err) {
    await link.close();
    throw err;
  }
  const hub = new HubService({ link, store, log: log.child({ component: 'hub' }) });
  const bot = new HubBot({
    token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, guildId: config.DISCORD_GUILD_ID,
    allowedUserIds: config.ALLOWED_USER_IDS, allowedRoleIds: config.ALLOWED_ROLE_IDS, adminUserIds: config.ADMIN_USER_IDS,
    threads: config.THREADS, maxInlineChunks: config.MAX_INLINE_CHUNKS, maxUploadBytes: config.MAX_UPLOAD_MB * 1024 * 1024, hub, log,
    commandStamp: path.join(path.resolve(env.RUN_DIR ? config.RUN_DIR : 'data/run-hub'), 'commands.sha256'),
  });
  const stop = async () => {
    hub.close();
    await bot.stop();
    await link.close();
    store.close();
  };
  try {
    await bot.start();
  } catch (err) {
    await stop();
    throw err;
  }
  log.info({ nats: config.NATS_URL, database: dbPath }, 'hub started');
  return { hub, bot, log, stop };
}
