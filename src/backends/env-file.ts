/**
 * A process's environment on its way into a tmux pane without touching any argv: a file of
 * `export KEY='value'` lines, mode 0600 in the process's own run dir (0700), which the pane script
 * sources and then deletes before it execs the child (tmux's `-e KEY=VAL` would leave the values in
 * the argv of the tmux client, and of the server if that client started it, for `ps` to show).
 */
import fs from 'node:fs';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `'it'\''s'`: a value a POSIX shell reads back byte for byte. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Splits `env` into what a POSIX shell can pass on and what it cannot: a key that is not a shell
 * identifier (`a-b`), or a value holding NUL. Both backends start the child through `/bin/sh`, which
 * drops such variables anyway; they are left out (and should be logged), never an error.
 */
export function passableEnv(env: Record<string, string>): { env: Record<string, string>; dropped: string[] } {
  const out: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (KEY.test(key) && !value.includes('\0')) out[key] = value;
    else dropped.push(key);
  }
  return { env: out, dropped };
}

/** The file's text for `env` (already {@link passableEnv}). */
export function envFileText(env: Record<string, string>): string {
  return Object.entries(env).map(([key, value]) => `export ${key}=${quote(value)}\n`).join('');
}

/** Writes `env` to `file`, created with mode 0600 (fails if it exists: never follows a planted file). */
export async function writeEnvFile(file: string, env: Record<string, string>): Promise<void> {
  const fh = await fs.promises.open(file, 'wx', 0o600);
  try {
    await fh.writeFile(envFileText(env), 'utf8');
  } finally {
    await fh.close();
  }
}
