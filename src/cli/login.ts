/**
 * `claude-bridge login` (`npm run login`): logs Claude Code in with the very `claude` the bot runs
 * (resolved as src/claude/binary.ts does: CLAUDE_BIN, PATH, then the one the install bundles), in
 * this terminal, so the login lands in the config dir the bot's sessions read.
 */
import { spawn } from 'node:child_process';
import type { Config } from '../config/load.js';
import { resolveClaudeBinary } from '../claude/binary.js';
import { claudeEnv } from './doctor-checks.js';

/**
 * Runs `<claude> auth login [args…]` with the terminal attached (stdio inherited, argv only) and
 * the bot's environment minus DISCORD_TOKEN.
 * @returns the child's exit status (1 when it was ended by a signal)
 * @throws BridgeError `PROCESS_START_FAILED` when no claude binary is found
 */
export async function claudeLogin(config: Config, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const bin = resolveClaudeBinary(config.CLAUDE_BIN, env);
  process.stderr.write(`Logging in Claude Code with ${bin.path} (${bin.source})…\n`);
  const child = spawn(bin.path, ['auth', 'login', ...args], { stdio: 'inherit', env: claudeEnv(env) });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
