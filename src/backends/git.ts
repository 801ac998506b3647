/**
 * `GitCli`: runs `git` with an argv array (`execFile`, never a shell) in a directory, with the
 * helper environment ({@link helperEnv}: no token, no API key) plus `GIT_TERMINAL_PROMPT=0`, so git
 * never waits for a password, and `LC_ALL=C`, so its messages are the ones this code reads.
 */
import { execFile } from 'node:child_process';
import { helperEnv } from './exec.js';

/** One git run: its exit code (0 = success) and output. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git; the domain's port (sessions see it as a type). */
export interface GitRunner {
  /**
   * `git -C <cwd> <args…>`. Resolves with a non-zero `code` rather than rejecting.
   * @throws Error only when git cannot be run at all (missing binary, timeout: 60 s)
   */
  run(cwd: string, args: readonly string[]): Promise<GitResult>;
}

/** Largest output read from one git run, bytes (a diff beyond it is cut by the caller's limit). */
const MAX_BUFFER = 64 * 1024 * 1024;

export class GitCli implements GitRunner {
  constructor(private readonly opts: { bin?: string; env?: Record<string, string> } = {}) {}

  run(cwd: string, args: readonly string[]): Promise<GitResult> {
    const env = { ...(this.opts.env ?? helperEnv()), GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    return new Promise((resolve, reject) => {
      execFile(this.opts.bin ?? 'git', ['-C', cwd, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: MAX_BUFFER, env }, (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code !== 'number') return reject(err);
        resolve({ code: err ? Number((err as NodeJS.ErrnoException).code) : 0, stdout, stderr });
      });
    });
  }
}
