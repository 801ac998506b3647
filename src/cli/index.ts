/**
 * `claude-bridge` command line (commander). `npm start` runs `claude-bridge start`. Every command
 * reads the same configuration as the bot (environment and `.env`); failures print one line and
 * exit non-zero.
 */
import { Command } from 'commander';
import { loadConfig, MISSING_TOKEN_HELP, type Config } from '../config/load.js';
import { BridgeError } from '../core/errors.js';
import { deployCommands } from '../discord/deploy.js';
import { startBridge } from '../main.js';
import { formatChecks, runDoctor } from './doctor.js';
import { exportCommand } from './export.js';
import { auditCommand, backupCommand, endSessionCommand, killAllCommand, importCommand, listSessionsCommand, migrateCommand, showSessionCommand } from './ops.js';

/** Runs an action with the loaded config; prints its result, or its error in one line. */
function act<A extends unknown[]>(fn: (config: Config, ...args: A) => Promise<string | void> | string | void) {
  return async (...args: A) => {
    try {
      const out = await fn(loadConfig(), ...args);
      if (out) process.stdout.write(`${out}\n`);
    } catch (err) {
      process.stderr.write(`${err instanceof BridgeError ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  };
}

const program = new Command().name('claude-bridge').description('Drive Claude Code on this machine from Discord');

program.command('start').description('Run the bot (configuration from the environment and .env)').action(async () => {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  if (!config.DISCORD_TOKEN) {
    process.stderr.write(`${MISSING_TOKEN_HELP}\n`);
    process.exit(2);
  }
  try {
    const bridge = await startBridge(config);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      bridge.log.info({ signal }, 'stopping');
      await bridge.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  } catch (err) {
    process.stderr.write(`claude-bridge could not start: ${err instanceof BridgeError ? err.message : String(err)}\n`);
    if (!(err instanceof BridgeError) || err.cause) process.stderr.write(`${String((err as Error).cause ?? (err as Error).stack)}\n`);
    process.exit(1);
  }
});

program.command('deploy-commands').description('Register /claude with Discord (without starting the bot)')
  .option('-g, --guild <id>', 'register in this guild only (instant); default DISCORD_GUILD_ID, else global')
  .action(act(async (config, opts: { guild?: string }) => {
    if (!config.DISCORD_TOKEN) throw new BridgeError('CONFIG_INVALID', { detail: MISSING_TOKEN_HELP });
    const r = await deployCommands({ token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, guildId: opts.guild ?? config.DISCORD_GUILD_ID });
    return `/claude registered for application ${r.applicationId} (${r.scope})`;
  }));

const sessions = program.command('sessions').description('Inspect and end sessions in the store');
sessions.command('list').description('All sessions, most recently active first').action(act((config) => listSessionsCommand(config)));
sessions.command('show').argument('<id>', 'bridge session id').description('One session, its owed answers and transcript').action(act((config, id: string) => showSessionCommand(config, id)));
sessions.command('suspend').argument('<id>', 'bridge session id').description('End its process; it resumes on the next message').action(act((config, id: string) => endSessionCommand(config, id, 'suspend')));
sessions.command('kill').argument('[id]', 'bridge session id').option('--all', 'every session: an emergency stop')
  .description('End its process and stop the session (through the running bot when there is one)')
  .action(act((config, id: string | undefined, o: { all?: boolean }) => {
    if (o.all) return killAllCommand(config);
    if (!id) throw new Error('give a session id, or --all');
    return endSessionCommand(config, id, 'kill');
  }));

program.command('export').description('Write a conversation to stdout (bridge session id, or Claude session id of CLAUDE_WORKDIR)')
  .argument('<id>', 'bridge session id (12 hex) or Claude session id (UUID)')
  .option('-f, --format <format>', 'markdown, json or jsonl', 'markdown')
  .action(act(async (config, id: string, opts: { format: string }) => {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0); // the reader (head, less) had enough
      throw err;
    });
    await exportCommand(config, id, opts.format, process.stdout);
  }));

program.command('import').argument('<file>', 'a .jsonl transcript or a JSON export').description('Import a conversation into CLAUDE_WORKDIR')
  .action(act((config, file: string) => importCommand(config, file)));

program.command('doctor').description('Check the installation and say how to fix what is wrong').action(async () => {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`❌ configuration\n${(err as Error).message}\n`);
    process.exit(1);
  }
  const checks = await runDoctor(config);
  process.stdout.write(`${formatChecks(checks)}\n`);
  process.exitCode = checks.some((c) => c.status === 'fail') ? 1 : 0;
});

program.command('audit').description('The audit log: commands, button presses, thread messages, permission decisions')
  .option('--limit <n>', 'how many of the newest entries', '50')
  .action(act((config, o: { limit: string }) => auditCommand(config, Math.max(1, Number.parseInt(o.limit, 10) || 50))));

const db = program.command('db').description('The SQLite store');
db.command('migrate').description('Bring the schema up to date').action(act((config) => migrateCommand(config)));
db.command('backup').argument('<file>', 'destination').description('Online backup, safe while the bot runs').action(act((config, file: string) => backupCommand(config, file)));

await program.parseAsync(process.argv);
