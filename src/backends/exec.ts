/** `execFile` as a promise: the one way backends run helper programs (argv arrays, no shell). */
import { execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export type Exec = (file: string, args: readonly string[]) => Promise<ExecResult>;

/** Runs `file` with `args`; rejects with the child's error (its `code`, `stderr` attached) on non-zero exit. */
export const execFileAsync: Exec = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve({ stdout, stderr });
    });
  });
