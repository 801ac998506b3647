/** Runs the bot as a child process through the same entry as `npm start` (bin/claude-bridge.js start). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface BotProcess {
  proc: ChildProcess;
  /** Everything the bot printed (pino JSON lines and stderr). */
  output(): string;
  /** SIGTERM, then wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the bot dies at once, as in a crash. */
  crash(): Promise<void>;
}

const ENTRY = path.resolve(import.meta.dirname, '../../bin/claude-bridge.js');

/** `args`: the command line after the entry (`runner --name a` for a runner, issue 12). */
export function startBotProcess(env: Record<string, string>, args: readonly string[] = ['start']): BotProcess {
  const proc = spawn(process.execPath, [ENTRY, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async crash() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
