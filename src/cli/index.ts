/**
 * `claude-bridge` command line (commander). `npm start` runs `claude-bridge start`. Every command
 * reads the same configuration as the bot (environment and `.env`); failures print one line and
 * exit non-zero.
 */
import { Command } from 'commander';
import { loadConfig, type Config } from '../config/load.js';
import { BridgeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { nativeLoadFailure } from './doctor-checks.js';
import type { RunningBridge } from '../main.js';

// Every command imports what it needs when it runs: start-up loads only its own path, and a native
// module that does not load (better-sqlite3, node-pty) is reported in one line, not a stack trace.
const ops = () => import('./ops.js');

/** What the operator reads: a BridgeError's text, a native module's load failure, else the error's message; never a stack. */
function oneLine(err: unknown): string {
  const known = err instanceof BridgeError ? err : nativeLoadFailure(err);
  if (known) return known.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The configuration an operator command acts on: on a runner's machine (`RUNNER_NAME` set, no
 * Discord token) the runner's own store, run dir and tmux socket (`runnerPlaces`), so `claude-bridge
 * sessions …` there reaches the runner (its control socket) and its sessions.
 */
async function operatorConfig(): Promise<Config> {
  const config = loadConfig();
  if (!config.RUNNER_NAME || config.DISCORD_TOKEN) return config;
  const { runnerPlaces } = await import('../runner-main.js');
  return { ...config, ...runnerPlaces(config, config.RUNNER_NAME) };
}

/** Runs an action with the loaded config; prints its result, or its error in one line. */
function act<A extends unknown[]>(fn: (config: Config, ...args: A) => Promise<string | void> | string | void) {
  return async (...args: A) => {
    try {
      const out = await fn(await operatorConfig(), ...args);
      if (out) process.stdout.write(`${out}\n`);
    } catch (err) {
      process.stderr.write(`${oneLine(err)}\n`);
      process.exitCode = 1;
    }
  };
}

const program = new Command().name('claude-bridge').description('Drive Claude Code on this machine from Discord');

/** The configuration, or its error printed (after `prefix`) and the process ended with `code`. */
function configOrExit(prefix: string, code: number): Config {
  try {
    return loadConfig();
  } catch (err) {
    process.stderr.write(`${prefix}${(err as Error).message}\n`);
    process.exit(code);
  }
}

program.command('start').description('Run the bot (configuration from the environment and .env)').action(async () => {
  const config = configOrExit('', 2);
  if (!config.DISCORD_TOKEN) {
    const { missingTokenHelp } = await import('./setup-help.js');
    process.stderr.write(`${missingTokenHelp(config.THREADS)}\n`);
    process.exit(2);
  }
  // Signals are taken from the start: one during start-up stops the bot as soon as it is up (the
  // ready line is logged before startBridge returns); a second one ends the process at once.
  let bridge: RunningBridge | null = null;
  let pending: string | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (!bridge) {
      if (pending) process.exit(1);
      pending = signal;
      process.stderr.write(`${signal}: stopping once start-up is done; send it again to quit now\n`);
      return;
    }
    if (stopping) return;
    stopping = true;
    bridge.log.info({ signal }, 'stopping');
    await bridge.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    const { startBridge } = await import('../main.js');
    bridge = await startBridge(config);
    if (pending) await stop(pending);
  } catch (err) {
    // A known failure is one line with its fix; an unexpected one keeps its stack for the bug report.
    const known = err instanceof BridgeError ? err : nativeLoadFailure(err);
    process.stderr.write(`claude-bridge could not start: ${known ? known.message : String(err)}\n`);
    if (!known) process.stderr.write(`${String((err as Error).stack ?? '')}\n`);
    process.exit(1);
  }
});

/**
 * Runs a long-lived service (`runner`, `hub`) until SIGINT/SIGTERM (a second signal: at once). A
 * failure to start is one line on stderr (with the stack when it is not a known one) and exit 1.
 */
async function runService(what: string, start: (config: Config) => Promise<{ log: Logger; stop(): Promise<void> }>): Promise<void> {
  const config = configOrExit('', 2);
  try {
    const service = await start(config);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) process.exit(1);
      stopping = true;
      service.log.info({ signal }, 'stopping');
      await service.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  } catch (err) {
    process.stderr.write(`claude-bridge ${what} could not start: ${oneLine(err)}\n`);
    if (!(err instanceof BridgeError) && !nativeLoadFailure(err)) process.stderr.write(`${String((err as Error).stack ?? '')}\n`);
    process.exit(1);
  }
}

program.command('runner').description('Run the session side of this machine for a hub over NATS (several machines, in progress)')
  .option('-n, --name <name>', 'this runner\'s name (default RUNNER_NAME)')
  .action((o: { name?: string }) => runService('runner', async (config) => (await import('../runner-main.js')).startRunner(config, o.name)));

program.command('nats-config').description('Write a nats-server configuration with a hub user and one user per runner, and their env files (several machines)')
  .option('-r, --runner <name>', 'a runner (repeat for each machine)', (v: string, all: string[]) => [...all, v], [] as string[])
  .requiredOption('-o, --out <dir>', 'directory for nats-server.conf, hub.env and runner-<name>.env')
  .option('--url <url>', 'the NATS_URL hub and runners will use (written into the env files)')
  .option('--listen <host:port>', 'the address nats-server listens on', '0.0.0.0:4222')
  .option('--store-dir <dir>', 'JetStream\'s store directory (default <out>/jetstream)')
  .option('--tls-cert <file>', 'the server\'s certificate (PEM): writes a tls { } block')
  .option('--tls-key <file>', 'its private key (PEM)')
  .option('--tls-verify-ca <file>', 'also require client certificates signed by this CA')
  .option('--keep-passwords', 'rewrite nats-server.conf for these runners, keeping the env files that exist and their passwords (add or remove a runner)')
  .option('-f, --force', 'replace files that exist (new passwords: every machine needs its new env file)')
  .action(async (o: { runner: string[]; out: string; url?: string; listen: string; storeDir?: string; tlsCert?: string; tlsKey?: string; tlsVerifyCa?: string; force?: boolean; keepPasswords?: boolean }) => {
    try {
      if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new BridgeError('CONFIG_INVALID', { detail: '--tls-cert and --tls-key go together' });
      const { writeNatsConfig } = await import('./nats-config.js');
      const files = writeNatsConfig({
        runners: o.runner, out: o.out, force: o.force, keepPasswords: o.keepPasswords, url: o.url, listen: o.listen, storeDir: o.storeDir,
        tls: o.tlsCert && o.tlsKey ? { cert: o.tlsCert, key: o.tlsKey, ca: o.tlsVerifyCa } : undefined,
      });
      const lines = files.map((f) => `  ${f.kept ? 'kept ' : 'wrote'} ${f.file}`);
      process.stdout.write(`${['The env files hold passwords (mode 0600): copy each new one to its machine only.', ...lines].join('\n')}\n`);
    } catch (err) {
      process.stderr.write(`${oneLine(err)}\n`);
      process.exitCode = 1;
    }
  });

program.command('hub').description('Run the Discord side for runners on other machines, over NATS (several machines)')
  .action(() => runService('hub', async (config) => (await import('../hub-main.js')).startHub(config)));

program.command('deploy-commands').description('Register /claude with Discord (without starting the bot)')
  .option('-g, --guild <id>', 'register in this guild only (instant); default DISCORD_GUILD_ID, else global')
  .action(act(async (config, opts: { guild?: string }) => {
    if (!config.DISCORD_TOKEN) throw new BridgeError('CONFIG_INVALID', { detail: (await import('./setup-help.js')).missingTokenHelp(config.THREADS) });
    const { deployCommands } = await import('../discord/deploy.js');
    const r = await deployCommands({ token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, guildId: opts.guild ?? config.DISCORD_GUILD_ID });
    return `/claude registered for application ${r.applicationId} (${r.scope})`;
  }));

const sessions = program.command('sessions').description('Inspect and end sessions in the store');
sessions.command('list').description('All sessions, most recently active first').action(act(async (config) => (await ops()).listSessionsCommand(config)));
sessions.command('show').argument('<id>', 'bridge session id').description('One session, its owed answers and transcript').action(act(async (config, id: string) => (await ops()).showSessionCommand(config, id)));
sessions.command('suspend').argument('<id>', 'bridge session id').description('End its process; it resumes on the next message').action(act(async (config, id: string) => (await ops()).endSessionCommand(config, id, 'suspend')));
sessions.command('kill').argument('[id]', 'bridge session id').option('--all', 'every session: an emergency stop')
  .description('End its process and stop the session (through the running bot when there is one)')
  .action(act(async (config, id: string | undefined, o: { all?: boolean }) => {
    if (o.all) return (await ops()).killAllCommand(config);
    if (!id) throw new Error('give a session id, or --all');
    return (await ops()).endSessionCommand(config, id, 'kill');
  }));

program.command('export').description('Write a conversation to stdout (bridge session id, or Claude session id of CLAUDE_WORKDIR)')
  .argument('<id>', 'bridge session id (12 hex) or Claude session id (UUID)')
  .option('-f, --format <format>', 'markdown, json or jsonl', 'markdown')
  .action(act(async (config, id: string, opts: { format: string }) => {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0); // the reader (head, less) had enough
      throw err;
    });
    const { exportCommand } = await import('./export.js');
    await exportCommand(config, id, opts.format, process.stdout);
  }));

program.command('import').argument('<file>', 'a .jsonl transcript or a JSON export').description('Import a conversation into CLAUDE_WORKDIR')
  .action(act(async (config, file: string) => (await ops()).importCommand(config, file)));

program.command('doctor').description('Check the installation and say how to fix what is wrong')
  .option('--try-claude', 'also send Claude Code one real prompt (spends a few tokens)')
  .action(async (o: { tryClaude?: boolean }) => {
    const config = configOrExit('❌ configuration\n', 1);
    const { formatChecks, runDoctor } = await import('./doctor.js');
    const checks = await runDoctor(config, { tryClaude: o.tryClaude === true });
    process.stdout.write(`${formatChecks(checks)}\n`);
    process.exitCode = checks.some((c) => c.status === 'fail') ? 1 : 0;
  });

program.command('login').description('Log Claude Code in with the claude this bot runs (its `auth login`; extra arguments go to it)')
  .argument('[args...]', 'passed to `claude auth login`, e.g. --console')
  .allowUnknownOption()
  .action(async (args: string[]) => {
    try {
      const { claudeLogin } = await import('./login.js');
      process.exitCode = await claudeLogin(loadConfig(), args);
    } catch (err) {
      process.stderr.write(`${oneLine(err)}\n`);
      process.exitCode = 1;
    }
  });

program.command('audit').description('The audit log: commands, button presses, thread messages, permission decisions')
  .option('--limit <n>', 'how many of the newest entries', '50')
  .action(act(async (config, o: { limit: string }) => (await ops()).auditCommand(config, Math.max(1, Number.parseInt(o.limit, 10) || 50))));

const db = program.command('db').description('The SQLite store');
db.command('migrate').description('Bring the schema up to date').action(act(async (config) => (await ops()).migrateCommand(config)));
db.command('backup').argument('<file>', 'destination').description('Online backup, safe while the bot runs').action(act(async (config, file: string) => (await ops()).backupCommand(config, file)));

await program.parseAsync(process.argv);
