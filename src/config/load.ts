/**
 * Loads {@link Config} from the environment plus an optional `.env` file (the environment wins).
 * @throws BridgeError `CONFIG_INVALID` with one line per bad variable: its name and the expected form.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { BridgeError } from '../core/errors.js';
import { configSchema, type Config } from './schema.js';

export type { Config };

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the `.env` file; default `.env` in the process cwd. Missing is fine. */
  envFile?: string;
}

export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.envFile ?? path.resolve('.env');
  const fromFile = fs.existsSync(file) ? parseDotenv(fs.readFileSync(file)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile, ...env };
  // An empty variable counts as unset (what `${VAR:-}` in docker-compose and `VAR=` in .env give).
  const known = Object.fromEntries(Object.keys(configSchema.shape).map((k) => [k, merged[k] === '' ? undefined : merged[k]]));
  const result = configSchema.safeParse(known);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'config');
      const got = merged[name];
      return `${name}: ${issue.message}${got === undefined ? '' : ` (got "${got}")`}`;
    });
    throw new BridgeError('CONFIG_INVALID', { detail: `Invalid configuration:\n  ${lines.join('\n  ')}` });
  }
  return result.data;
}

/** What to tell an operator who started the bot without `DISCORD_TOKEN`. */
export const MISSING_TOKEN_HELP = [
  'DISCORD_TOKEN is not set, so the bot cannot log in to Discord.',
  '',
  'To get one:',
  '  1. Open https://discord.com/developers/applications and create (or pick) an application.',
  '  2. Bot → Reset Token → copy it. Put it in .env in this folder:  DISCORD_TOKEN=<token>',
  '  3. Invite the bot: OAuth2 → URL Generator → scopes "bot" and "applications.commands",',
  '     permissions "Send Messages", "Read Message History"; open the URL and pick your server.',
  '',
  'Also set who may use it (comma-separated Discord ids; Developer Mode → right-click → Copy ID):',
  '  ALLOWED_USER_IDS=<your user id>   and/or   ALLOWED_ROLE_IDS=<role id>',
  'Optional: DISCORD_GUILD_ID=<server id> registers /claude in that server at once.',
  'Claude Code itself must be logged in (run `claude` once) or have ANTHROPIC_API_KEY set.',
].join('\n');
