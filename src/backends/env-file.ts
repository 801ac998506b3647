/**
 * A process's environment on its way into a tmux pane without touching any argv: a file of
 * `export KEY='value'` lines, mode 0600 in the process's own run dir (0700), which the pane script
 * sources and then deletes before it execs the child (tmux's `-e KEY=VAL` would leave the values in
 * the argv of the tmux client, and of the server if that client started it, for `ps` to show).
 */
import fs from 'node:fs';
import { BridgeError } from '../core/errors.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `'it'\''s'`: a value a POSIX shell reads back byte for byte. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The file's text for `env`.
 * @throws BridgeError `PROCESS_START_FAILED` when a key is not a shell identifier or a value holds NUL
 */
export function envFileText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!KEY.test(key) || value.includes('\0')) {
        throw new BridgeError('PROCESS_START_FAILED', { reason: `environment variable ${JSON.stringify(key)} cannot be passed` });
      }
      return `export ${key}=${quote(value)}\n`;
    })
    .join('');
}

/** Writes `env` to `file`, created with mode 0600 (fails if it exists: never follows a planted file). */
export async function writeEnvFile(file: string, env: Record<string, string>): Promise<void> {
  const text = envFileText(env);
  const fh = await fs.promises.open(file, 'wx', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
}
