/** `claude-bridge` command line (commander). `npm start` runs `claude-bridge start`. */
import { Command } from 'commander';
import { loadConfig, MISSING_TOKEN_HELP } from '../config/load.js';
import { BridgeError } from '../core/errors.js';
import { startBridge } from '../main.js';
import { exportCommand } from './export.js';

const program = new Command()
  .name('claude-bridge')
  .description('Drive Claude Code on this machine from Discord');

program
  .command('start')
  .description('Run the bot (configuration from the environment and .env)')
  .action(async () => {
    let config;
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
      const text = err instanceof BridgeError ? err.message : String(err);
      process.stderr.write(`claude-bridge could not start: ${text}\n`);
      if (!(err instanceof BridgeError) || err.cause) process.stderr.write(`${String((err as Error).cause ?? (err as Error).stack)}\n`);
      process.exit(1);
    }
  });

program
  .command('export')
  .description('Write a conversation to stdout (bridge session id, or Claude session id of CLAUDE_WORKDIR)')
  .argument('<id>', 'bridge session id (12 hex) or Claude session id (UUID)')
  .option('-f, --format <format>', 'markdown, json or jsonl', 'markdown')
  .action(async (id: string, opts: { format: string }) => {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0); // the reader (head, less) had enough
      throw err;
    });
    try {
      await exportCommand(loadConfig(), id, opts.format, process.stdout);
    } catch (err) {
      process.stderr.write(`${err instanceof BridgeError ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  });

await program.parseAsync(process.argv);
