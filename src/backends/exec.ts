/** `execFile` as a promise: the one way backends run helper programs (argv arrays, no shell). */
import { execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export type Exec = (file: string, args: readonly string[]) => Promise<ExecResult>;

/**
 * Keys a helper program (tmux, mkfifo) is given from the bot's environment; nothing else. The tmux
 * server inherits the environment of the client that starts it, so this is all it (and, through its
 * global environment, every pane) could ever see: no `DISCORD_TOKEN`, no API key.
 * `TMUX_TMPDIR`/`TMPDIR` locate the socket, so `tmux -L <name>` run by hand finds the same server.
 */
export const HELPER_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TMUX_TMPDIR'] as const;

/** The bot's values of {@link HELPER_ENV_KEYS} (unset ones left out). */
export function helperEnv(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of HELPER_ENV_KEYS) {
    const value = from[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** An {@link Exec} whose children get exactly `env`. */
export function execWithEnv(env: Record<string, string>): Exec {
  return (file, args) =>
    new Promise((resolve, reject) => {
      execFile(file, args, { encoding: 'utf8', timeout: 10_000, env }, (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stderr }));
        else resolve({ stdout, stderr });
      });
    });
}

/**
 * Runs `file` with `args` and the {@link helperEnv}; rejects with the child's error (its `code`,
 * `stderr` attached) on non-zero exit or after 10 s.
 */
export const execFileAsync: Exec = (file, args) => execWithEnv(helperEnv())(file, args);
