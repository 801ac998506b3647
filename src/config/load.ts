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

